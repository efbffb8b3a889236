"""Serverless Framework parser (`serverless.yml`): functions with `provider` defaults merged.

Serverless variables (`${self:...}`, `${ssm:...}`, `${opt:...}`) need the CLI and the cloud
to resolve, so they are not evaluated: numbers holding one become None (named in
`Function.unresolved`), strings keep the text as written. Handler paths are relative to the
service directory, which is the function's `source_dir` (the framework packages it whole).
"""

from __future__ import annotations

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
    as_str,
    directory_of,
    item_span,
    key_span,
    load_yaml,
    resolve_path,
)
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "3"

__all__ = ["from_document", "looks_like_service", "parse"]


def parse(source: SourceFile) -> ServerlessApp | None:
    data = load_yaml(source)
    if not isinstance(data, dict) or not isinstance(data.get("functions"), dict):
        return None
    return from_document(source.path, data)


def looks_like_service(data: dict[Any, Any]) -> bool:
    """`service` + `provider` + a `functions` mapping: a Serverless Framework service."""
    return ("service" in data and isinstance(data.get("provider"), dict)
            and isinstance(data.get("functions"), dict))


def from_document(path: str, data: dict[Any, Any]) -> ServerlessApp:
    provider = data.get("provider")
    provider = provider if isinstance(provider, dict) else {}
    functions = data.get("functions")
    functions = functions if isinstance(functions, dict) else {}
    out = []
    for name, body in functions.items():
        if isinstance(body, dict):
            out.append(_function(path, str(name), key_span(path, functions, name), body,
                                 provider, data))
    return ServerlessApp(path, "serverless", tuple(out))


def _pick(key: str, body: dict[Any, Any], provider: dict[Any, Any]) -> tuple[Any, Any]:
    """(value, the mapping it came from): the function's own, else the provider default."""
    if key in body:
        return body[key], body
    return provider.get(key), provider


def _number(path: str, key: str, body: dict[Any, Any], provider: dict[Any, Any],
            unresolved: list[str]) -> tuple[int | None, Span | None]:
    value, owner = _pick(key, body, provider)
    if value is None:
        return None, None
    number = as_int(value)
    if number is None:
        unresolved.append(key)
    return number, key_span(path, owner, key)


def _function(path: str, name: str, span: Span, body: dict[Any, Any],
              provider: dict[Any, Any], data: dict[Any, Any]) -> Function:
    base = directory_of(path)
    unresolved: list[str] = []
    memory, memory_span = _number(path, "memorySize", body, provider, unresolved)
    timeout, timeout_span = _number(path, "timeout", body, provider, unresolved)
    provisioned = None
    if "provisionedConcurrency" in body:
        value = as_int(body["provisionedConcurrency"])
        if value is None:
            unresolved.append("provisionedConcurrency")
        provisioned = ProvisionedConcurrency(value, key_span(path, body, "provisionedConcurrency"))
    reserved = as_int(body.get("reservedConcurrency"))
    package = body.get("package")
    artifact = as_str(package.get("artifact")) if isinstance(package, dict) else None
    package_type, image_uri, context, dockerfile = _image(base, body.get("image"), provider)
    source_dir = context if package_type == "Image" else None if artifact else base
    layers, _ = _pick("layers", body, provider)
    architecture, _ = _pick("architecture", body, provider)
    return Function(
        logical_name=name, span=span,
        handler=as_str(body.get("handler")),
        handler_span=key_span(path, body, "handler") if "handler" in body else None,
        runtime=as_str(_pick("runtime", body, provider)[0]),
        package_type=package_type, code_uri=artifact, image_uri=image_uri,
        docker_context=context, dockerfile=dockerfile, source_dir=source_dir,
        memory_size=memory, memory_span=memory_span,
        timeout=timeout, timeout_span=timeout_span,
        environment=_environment(path, provider.get("environment"), body.get("environment")),
        provisioned_concurrency=provisioned,
        reserved_concurrency=reserved,
        function_url=_url(path, body),
        events=_events(path, body.get("events")),
        layers=tuple(str(v) for v in layers or () if as_str(v)) if isinstance(layers, list)
        else (),
        architectures=(str(architecture),) if as_str(architecture) else (),
        unresolved=tuple(unresolved),
    )


def _image(base: str, value: Any, provider: dict[Any, Any]
           ) -> tuple[str, str | None, str | None, str | None]:
    """(package_type, image uri, docker context, dockerfile) for a function's `image`."""
    if value is None:
        return "Zip", None, None, None
    name = value.get("name") if isinstance(value, dict) else value
    uri = as_str(value.get("uri")) if isinstance(value, dict) else None
    ecr = provider.get("ecr")
    images = ecr.get("images") if isinstance(ecr, dict) else None
    spec = images.get(name) if isinstance(images, dict) and isinstance(name, str) else None
    if isinstance(spec, dict):
        context_text = as_str(spec.get("path"))
        context = resolve_path(base, context_text) if context_text else None
        dockerfile = resolve_path(context, as_str(spec.get("file")) or "Dockerfile") \
            if context else None
        return "Image", as_str(spec.get("uri")), context, dockerfile
    return "Image", uri or as_str(name), None, None


def _environment(path: str, defaults: Any, local: Any) -> tuple[EnvVar, ...]:
    """Provider environment overlaid by the function's own (function values win)."""
    merged: dict[str, EnvVar] = {}
    for source in (defaults, local):
        if isinstance(source, dict):
            for key, value in source.items():
                merged[str(key)] = EnvVar(str(key), as_str(value), key_span(path, source, key))
    return tuple(merged.values())


def _url(path: str, body: dict[Any, Any]) -> FunctionUrl | None:
    """`url: true` is a public URL (AuthType NONE); `authorizer: aws_iam` requires IAM."""
    value = body.get("url")
    if value is None or value is False:
        return None
    span = key_span(path, body, "url")
    if value is True:
        return FunctionUrl("NONE", span)
    if isinstance(value, dict):
        authorizer = as_str(value.get("authorizer"))
        if authorizer is None:
            return FunctionUrl("NONE", span)
        return FunctionUrl("AWS_IAM" if authorizer.lower() == "aws_iam" else None, span)
    return FunctionUrl(None, span)  # a variable: cannot tell


def _events(path: str, value: Any) -> tuple[Event, ...]:
    if not isinstance(value, list):
        return ()
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or len(item) != 1:
            continue
        kind, spec = next(iter(item.items()))
        route_path = method = auth = None
        if isinstance(spec, str) and kind in ("http", "httpApi"):
            method, _, route_path = spec.partition(" ")
            if not route_path:  # httpApi: '*'
                method, route_path = "*", spec
            auth = "NONE"
        elif isinstance(spec, dict):
            route_path, method = as_str(spec.get("path")), as_str(spec.get("method"))
            if kind in ("http", "httpApi"):
                # `private: true` requires an API key; an `authorizer` checks callers.
                auth = ("API_KEY" if spec.get("private") is True else
                        "AUTHORIZER" if spec.get("authorizer") is not None else "NONE")
        out.append(Event(f"{kind}{index}", str(kind), item_span(path, value, index),
                         route_path, method, auth))
    return tuple(out)
