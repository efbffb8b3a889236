"""AWS SAM / CloudFormation parser: Lambda functions with `Globals.Function` merged in.

Reads `AWS::Serverless::Function` and plain `AWS::Lambda::Function` resources, and attaches
`AWS::Lambda::Url` resources to the function they reference. Intrinsics (`!Ref`, `!Sub`,
`!GetAtt`, already long-form dicts from yaml_source) are never evaluated: numbers become
None (named in `Function.unresolved`), environment values None.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mlaudit.models.compose import EnvVar
from mlaudit.models.functions import (
    Event,
    Function,
    FunctionUrl,
    ProvisionedConcurrency,
    ServerlessApp,
)
from mlaudit.parsers.yaml_document import (
    as_int,
    as_list,
    as_str,
    directory_of,
    is_intrinsic,
    key_span,
    load_yaml,
    resolve_path,
)
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "4"

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")

__all__ = ["from_document", "looks_like_template", "merge_globals", "parse"]


def parse(source: SourceFile) -> ServerlessApp | None:
    if source.path.lower().endswith(".json"):
        from mlaudit.parsers.ecs_task_definition import load_json
        data = load_json(source.text)
    else:
        data = load_yaml(source, skip_templates=True)
    if not isinstance(data, dict) or not looks_like_template(data):
        return None  # a template.yaml of some other tool
    return from_document(source.path, data)


def looks_like_template(data: dict[Any, Any]) -> bool:
    """A SAM transform, or a CloudFormation template declaring a Lambda function or a
    SageMaker model, endpoint configuration or endpoint."""
    transform = data.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if SAM_TRANSFORM in transforms:
        return True
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        return False
    from mlaudit.parsers.cfn_sagemaker import SAGEMAKER_TYPES

    return any(isinstance(r, dict) and r.get("Type") in (*_FUNCTION_TYPES, *SAGEMAKER_TYPES)
               for r in resources.values())


def merge_globals(defaults: Any, local: Any) -> Any:
    """SAM's Globals rule: maps merge (local keys win), lists concatenate, scalars override.

    Intrinsics are values, not maps, so a local `!Ref` replaces a global map outright.
    Positions are kept: each key keeps the span of the place it came from.
    """
    if (isinstance(defaults, dict) and isinstance(local, dict)
            and not is_intrinsic(defaults) and not is_intrinsic(local)):
        from mlaudit.parsers.yaml_source import LMap

        merged = LMap()
        merged.line, merged.column = getattr(local, "line", 1), getattr(local, "column", 1)
        for source in (defaults, local):
            merged.key_pos.update(getattr(source, "key_pos", {}))
            merged.value_pos.update(getattr(source, "value_pos", {}))
        for key in {**defaults, **local}:
            if key in defaults and key in local:
                merged[key] = merge_globals(defaults[key], local[key])
                merged.key_pos[key] = getattr(local, "key_pos", {}).get(key, (1, 1))
            else:
                merged[key] = local[key] if key in local else defaults[key]
        return merged
    if isinstance(defaults, list) and isinstance(local, list):
        return [*defaults, *local]  # positions of concatenated items are not needed
    return local


def from_document(path: str, data: dict[Any, Any]) -> ServerlessApp:
    resources = data.get("Resources")
    resources = resources if isinstance(resources, dict) else {}
    globals_ = data.get("Globals")
    defaults = globals_.get("Function") if isinstance(globals_, dict) else None
    urls = _url_resources(path, resources)
    functions = []
    for name, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") not in _FUNCTION_TYPES:
            continue
        props = resource.get("Properties")
        props = props if isinstance(props, dict) else {}
        serverless = resource.get("Type") == "AWS::Serverless::Function"
        if serverless and isinstance(defaults, dict):
            props = merge_globals(defaults, props)
        span = key_span(path, resources, name)
        function = _function(path, str(name), span, resource, props, serverless,
                             urls.get(str(name)))
        events = tuple(replace(e, auth=_event_auth(e, props, resources, globals_))
                       if e.type in ("Api", "HttpApi") else e for e in function.events)
        functions.append(replace(function, events=events))
    from mlaudit.parsers.cfn_sagemaker import sagemaker_from_template

    return ServerlessApp(path, "sam", tuple(functions),
                         sagemaker_from_template(path, resources))


def _api_auth(auth: Any, http: bool) -> str | None:
    """What an `Auth` map of an event or API requires of callers: "NONE", a named
    authorizer / "AWS_IAM" / "API_KEY", or None when it says nothing."""
    if not isinstance(auth, dict):
        return None
    if auth.get("ApiKeyRequired") is True:
        return "API_KEY"
    key = "Authorizer" if "Authorizer" in auth else "DefaultAuthorizer"
    authorizer = auth.get(key)
    if authorizer is None:
        return None
    text = as_str(authorizer)
    if text is None:
        return "UNKNOWN"  # an intrinsic
    return "NONE" if text.upper() == "NONE" else text


def _event_auth(event: Event, function_props: dict[Any, Any], resources: dict[Any, Any],
                globals_: Any) -> str | None:
    """Who may call an Api/HttpApi event: the event's `Auth`, else the API resource's
    `Auth` (`RestApiId`/`ApiId: !Ref X`), else `Globals.Api`/`Globals.HttpApi`."""
    http = event.type == "HttpApi"
    events = function_props.get("Events")
    spec = events.get(event.name) if isinstance(events, dict) else None
    props = spec.get("Properties") if isinstance(spec, dict) else None
    props = props if isinstance(props, dict) else {}
    own = _api_auth(props.get("Auth"), http)
    if own is not None:
        return None if own == "UNKNOWN" else own
    api_ref = props.get("ApiId" if http else "RestApiId")
    api_props: Any = None
    if api_ref is not None:
        name = api_ref.get("Ref") if isinstance(api_ref, dict) else None
        api = resources.get(name) if isinstance(name, str) else None
        if not isinstance(api, dict):
            return None  # an API defined elsewhere: cannot tell
        api_props = api.get("Properties")
        if isinstance(api_props, dict) and "DefinitionBody" in api_props:
            return None  # an OpenAPI body declares its own security
        level = _api_auth(api_props.get("Auth") if isinstance(api_props, dict) else None, http)
        if level is not None:
            return None if level == "UNKNOWN" else level
    section = globals_.get("HttpApi" if http else "Api") if isinstance(globals_, dict) else None
    level = _api_auth(section.get("Auth") if isinstance(section, dict) else None, http)
    if level is not None:
        return None if level == "UNKNOWN" else level
    return "NONE"


def _url_resources(path: str, resources: dict[Any, Any]) -> dict[str, FunctionUrl]:
    """`AWS::Lambda::Url` resources by the function they target (`!Ref F` / `!GetAtt F.Arn`)."""
    out: dict[str, FunctionUrl] = {}
    for name, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Lambda::Url":
            continue
        props = resource.get("Properties")
        if not isinstance(props, dict):
            continue
        target = props.get("TargetFunctionArn")
        ref = None
        if isinstance(target, dict):
            ref = target.get("Ref")
            attr = target.get("Fn::GetAtt")
            if isinstance(attr, list) and attr:
                ref = attr[0]
        if isinstance(ref, str):
            out[ref] = FunctionUrl(as_str(props.get("AuthType")), key_span(path, resources, name))
    return out


def _number(props: dict[Any, Any], key: str, unresolved: list[str]) -> int | None:
    if key not in props:
        return None
    value = as_int(props[key])
    if value is None:
        unresolved.append(key)
    return value


def _function(path: str, name: str, span: Span, resource: dict[Any, Any],
              props: dict[Any, Any], serverless: bool, url: FunctionUrl | None) -> Function:
    base = directory_of(path)
    unresolved: list[str] = []
    package_type = as_str(props.get("PackageType")) or "Zip"
    code = props.get("CodeUri") if serverless else props.get("Code")
    code_uri, source_dir, image_uri = _code(base, code, props, serverless)
    docker_context = dockerfile = None
    metadata = resource.get("Metadata")
    if package_type == "Image" and isinstance(metadata, dict):
        context_text = as_str(metadata.get("DockerContext"))
        docker_context = resolve_path(base, context_text) if context_text else None
        if docker_context is not None:
            dockerfile = resolve_path(docker_context,
                                      as_str(metadata.get("Dockerfile")) or "Dockerfile")
        source_dir = docker_context
    if package_type == "Image":
        image_uri = image_uri or as_str(props.get("ImageUri"))
    pc = props.get("ProvisionedConcurrencyConfig")
    provisioned = None
    if isinstance(pc, dict):
        provisioned = ProvisionedConcurrency(_number(pc, "ProvisionedConcurrentExecutions",
                                                     unresolved),
                                             key_span(path, props, "ProvisionedConcurrencyConfig"))
    url_config = props.get("FunctionUrlConfig")
    if isinstance(url_config, dict):
        url = FunctionUrl(as_str(url_config.get("AuthType")),
                          key_span(path, props, "FunctionUrlConfig"))
    return Function(
        logical_name=name, span=span,
        handler=as_str(props.get("Handler")),
        handler_span=key_span(path, props, "Handler") if "Handler" in props else None,
        runtime=as_str(props.get("Runtime")),
        package_type=package_type, code_uri=code_uri, image_uri=image_uri,
        docker_context=docker_context, dockerfile=dockerfile, source_dir=source_dir,
        memory_size=_number(props, "MemorySize", unresolved),
        memory_span=key_span(path, props, "MemorySize") if "MemorySize" in props else None,
        timeout=_number(props, "Timeout", unresolved),
        timeout_span=key_span(path, props, "Timeout") if "Timeout" in props else None,
        environment=_environment(path, props.get("Environment")),
        provisioned_concurrency=provisioned,
        reserved_concurrency=_number(props, "ReservedConcurrentExecutions", unresolved),
        auto_publish_alias=as_str(props.get("AutoPublishAlias")),
        function_url=url,
        events=_events(path, props.get("Events")),
        layers=tuple(_render(v) for v in as_list(props.get("Layers")) if v is not None),
        architectures=tuple(str(a) for a in as_list(props.get("Architectures")) if as_str(a)),
        unresolved=tuple(unresolved),
        file_systems=_file_systems(path, props),
    )


def _file_systems(path: str, props: dict[Any, Any]) -> tuple[tuple[str, Span], ...]:
    """EFS access points mounted into the function (`FileSystemConfigs[].LocalMountPath`)."""
    configs = props.get("FileSystemConfigs")
    if not isinstance(configs, list):
        return ()
    at = key_span(path, props, "FileSystemConfigs")
    return tuple((mount.rstrip("/"), at) for c in configs if isinstance(c, dict)
                 and (mount := as_str(c.get("LocalMountPath"))) and mount.startswith("/mnt/"))


def _code(base: str, code: Any, props: dict[Any, Any], serverless: bool
          ) -> tuple[str | None, str | None, str | None]:
    """(code_uri as written, local source dir, image uri) for CodeUri / Code."""
    if isinstance(code, str):
        return code, resolve_path(base, code), None
    if isinstance(code, dict) and not is_intrinsic(code):
        bucket = as_str(code.get("Bucket") or code.get("S3Bucket"))
        key = as_str(code.get("Key") or code.get("S3Key"))
        uri = f"s3://{bucket}/{key}" if bucket and key else None
        return uri, None, as_str(code.get("ImageUri"))
    if code is None and serverless and "InlineCode" not in props:
        return None, base, None  # sam build packages the template's directory
    return None, None, None


def _environment(path: str, value: Any) -> tuple[EnvVar, ...]:
    variables = value.get("Variables") if isinstance(value, dict) else None
    if not isinstance(variables, dict):
        return ()
    return tuple(EnvVar(str(k), as_str(v), key_span(path, variables, k))
                 for k, v in variables.items())


def _events(path: str, value: Any) -> tuple[Event, ...]:
    if not isinstance(value, dict):
        return ()
    out = []
    for name, event in value.items():
        if not isinstance(event, dict):
            continue
        props = event.get("Properties")
        props = props if isinstance(props, dict) else {}
        out.append(Event(str(name), as_str(event.get("Type")) or "", key_span(path, value, name),
                         as_str(props.get("Path")), as_str(props.get("Method"))))
    return tuple(out)


def _render(value: Any) -> str:
    """A value as text; intrinsics as `<Ref X>` so they are visibly unresolved."""
    text = as_str(value)
    if text is not None:
        return text
    if is_intrinsic(value):
        key, arg = next(iter(value.items()))
        return f"<{key} {arg if isinstance(arg, str) else '...'}>"
    return "<unknown>"
