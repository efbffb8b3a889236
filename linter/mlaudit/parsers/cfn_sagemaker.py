"""SageMaker endpoints in a CloudFormation/SAM template (`AWS::SageMaker::*`).

`AWS::SageMaker::Endpoint` -> its `EndpointConfig` (`!Ref`/`!GetAtt`) -> each production
variant's `Model`; `AWS::ApplicationAutoScaling::ScalableTarget` and `ScalingPolicy` in the
`sagemaker` namespace, with `ResourceId` read through `!Sub` and `!Join` (a `${Endpoint.
EndpointName}` names the endpoint resource). Intrinsics are never evaluated beyond that:
a value they hide is None ("cannot tell").
"""

from __future__ import annotations

import re
from typing import Any

from mlaudit.models.compose import EnvVar
from mlaudit.models.sagemaker import (
    SageMakerDeploys,
    SageMakerEndpoint,
    SageMakerModel,
    SageMakerScaling,
    SageMakerVariant,
)
from mlaudit.parsers.yaml_document import as_int, as_list, as_str, is_intrinsic, key_span
from mlaudit.span import Span

SAGEMAKER_TYPES = ("AWS::SageMaker::Endpoint", "AWS::SageMaker::EndpointConfig",
                   "AWS::SageMaker::Model")
_RESOURCE_ID = re.compile(r"^endpoint/([^/]+)/variant/([^/]+)$")


def _logical(value: Any) -> str | None:
    """The logical id a `!Ref X` / `!GetAtt X.Attr` names."""
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            return str(value["Ref"])
        attr = value.get("Fn::GetAtt")
        if isinstance(attr, list) and attr and isinstance(attr[0], str):
            return attr[0]
        if isinstance(attr, str):
            return attr.split(".", 1)[0]
    return None


def _text(value: Any) -> str | None:
    """A string with references written as `{ref:X}`; None when an intrinsic hides it."""
    if isinstance(value, str):
        return value
    logical = _logical(value)
    if logical is not None:
        return "{ref:" + logical + "}"
    if isinstance(value, dict) and "Fn::Sub" in value:
        template = value["Fn::Sub"]
        if isinstance(template, list):  # [template, {variables}]: only without variables
            template = template[0] if template and (len(template) == 1 or not template[1]) \
                else None
        if not isinstance(template, str):
            return None
        return re.sub(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}", r"{ref:\1}", template)
    if isinstance(value, dict) and "Fn::Join" in value:
        args = value["Fn::Join"]
        if isinstance(args, list) and len(args) == 2 and isinstance(args[0], str) and \
                isinstance(args[1], list):
            parts = [_text(p) for p in args[1]]
            return args[0].join(p for p in parts if p is not None) if None not in parts \
                else None
    return None


def _ident(text: str) -> str:
    match = re.fullmatch(r"\{ref:([A-Za-z0-9]+)\}", text)
    return f"ref:{match.group(1)}" if match else text


def sagemaker_from_template(path: str, resources: dict[Any, Any]) -> SageMakerDeploys | None:
    def props(name: Any) -> dict[Any, Any]:
        found = resources.get(name)
        p = found.get("Properties") if isinstance(found, dict) else None
        return p if isinstance(p, dict) else {}

    def of_type(rtype: str) -> list[Any]:
        return [n for n, r in resources.items() if isinstance(r, dict) and r.get("Type") == rtype]

    models = {str(n): _model(path, resources, str(n), props(n))
              for n in of_type("AWS::SageMaker::Model")}
    endpoints: list[SageMakerEndpoint] = []
    for name in of_type("AWS::SageMaker::Endpoint"):
        p = props(name)
        config_name = _logical(p.get("EndpointConfigName"))
        config = props(config_name) if config_name in resources else None
        literal = as_str(p.get("EndpointName"))
        names = tuple(n for n in (f"ref:{name}", literal) if n)
        span = key_span(path, resources, name)
        if config is None:
            endpoints.append(SageMakerEndpoint(f"{path}#{name}", literal or str(name), path,
                                               span, "cloudformation", (), names, None))
            continue
        variants = tuple(_variant(path, v, models) for v in as_list(
            config.get("ProductionVariants")) if isinstance(v, dict))
        capture = config.get("DataCaptureConfig")
        enabled: bool | None = False
        if isinstance(capture, dict):
            flag = capture.get("EnableCapture", True)
            enabled = None if is_intrinsic(flag) else flag not in (False, "false", "False")
        endpoints.append(SageMakerEndpoint(
            f"{path}#{name}", literal or str(name), path, span, "cloudformation", variants,
            names, enabled,
            key_span(path, config, "DataCaptureConfig") if "DataCaptureConfig" in config
            else None, "AsyncInferenceConfig" in config))
    scaling: list[SageMakerScaling] = []
    for rtype, policy in (("AWS::ApplicationAutoScaling::ScalableTarget", False),
                          ("AWS::ApplicationAutoScaling::ScalingPolicy", True)):
        for name in of_type(rtype):
            p = props(name)
            target = _logical(p.get("ScalingTargetId")) if policy else None
            namespace = as_str(p.get("ServiceNamespace"))
            if namespace != "sagemaker" and not (policy and target):
                continue
            text = _text(p.get("ResourceId")) if "ResourceId" in p else None
            match = _RESOURCE_ID.match(text or "")
            scaling.append(SageMakerScaling(
                key_span(path, resources, name), policy,
                _ident(match.group(1)) if match else None, match.group(2) if match else None,
                f"ref:{target}" if target else None, f"ref:{name}"))
    if not endpoints and not scaling and not models:
        return None
    return SageMakerDeploys(tuple(endpoints), tuple(scaling))


def _model(path: str, resources: dict[Any, Any], name: str, p: dict[Any, Any]
           ) -> SageMakerModel:
    from mlaudit.parsers.sagemaker_sdk import image_frameworks

    containers = [c for c in [p.get("PrimaryContainer"), *as_list(p.get("Containers"))]
                  if isinstance(c, dict)]
    env: list[EnvVar] = []
    image = image_span = model_data = model_data_span = None
    frameworks: list[str] = []
    for container in containers:
        text = as_str(container.get("Image"))
        if image is None and "Image" in container:
            image, image_span = text, key_span(path, container, "Image")
        frameworks += image_frameworks(text)
        data = as_str(container.get("ModelDataUrl"))
        if model_data is None and "ModelDataUrl" in container:
            model_data, model_data_span = data, key_span(path, container, "ModelDataUrl")
        if data and data.lower().endswith(".onnx"):
            frameworks.append("onnx")
        variables = container.get("Environment")
        if isinstance(variables, dict) and not is_intrinsic(variables):
            env += [EnvVar(str(k), as_str(v), key_span(path, variables, k))
                    for k, v in variables.items()]
    return SageMakerModel(name, key_span(path, resources, name), image, image_span,
                          model_data, model_data_span, tuple(dict.fromkeys(frameworks)),
                          image_span if frameworks else None, tuple(env))


def _variant(path: str, v: dict[Any, Any], models: dict[str, SageMakerModel]
             ) -> SageMakerVariant:
    def at(node: dict[Any, Any], key: str) -> Span | None:
        return key_span(path, node, key) if key in node else None

    model_ref = _logical(v.get("ModelName"))
    model = models.get(model_ref or "") if model_ref else next(
        (m for m in models.values() if m.name == v.get("ModelName")), None)
    count = as_int(v.get("InitialInstanceCount"))
    serverless = v.get("ServerlessConfig")
    memory = provisioned = None
    memory_unknown = provisioned_unknown = False
    if isinstance(serverless, dict):
        memory = as_int(serverless.get("MemorySizeInMB"))
        memory_unknown = "MemorySizeInMB" in serverless and memory is None
        provisioned = as_int(serverless.get("ProvisionedConcurrency"))
        provisioned_unknown = "ProvisionedConcurrency" in serverless and provisioned is None
    return SageMakerVariant(
        as_str(v.get("VariantName")) or "AllTraffic", _node(path, v),
        model, model is None, as_str(v.get("InstanceType")), at(v, "InstanceType"),
        count, at(v, "InitialInstanceCount"),
        "InitialInstanceCount" in v and count is None,
        isinstance(serverless, dict), at(v, "ServerlessConfig"), memory,
        at(serverless, "MemorySizeInMB") if isinstance(serverless, dict) else None,
        memory_unknown, provisioned, provisioned_unknown)


def _node(path: str, node: Any) -> Span:
    from mlaudit.parsers.yaml_document import node_span

    return node_span(path, node)
