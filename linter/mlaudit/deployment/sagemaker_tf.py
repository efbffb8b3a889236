"""SageMaker endpoints declared in Terraform, and their Application Auto Scaling.

`aws_sagemaker_endpoint` -> `endpoint_config_name` -> `aws_sagemaker_endpoint_configuration`
-> each `production_variants` block's `model_name` -> `aws_sagemaker_model` (by reference, or
by the literal name). Scaling targets and policies in the `sagemaker` namespace name an
endpoint and variant in `resource_id = "endpoint/<name>/variant/<variant>"`: the written
template is read part by part, so `${aws_sagemaker_endpoint.api.name}` names that resource,
`${var.x}` / `${local.x}` take their known values (a local that is itself a template is
followed), and `${aws_sagemaker_endpoint_configuration.c.production_variants[0].
variant_name}` the variant's written name. Anything else leaves the target unresolved.
"""

from __future__ import annotations

import re
from typing import Any

from mlaudit.models.compose import EnvVar
from mlaudit.models.sagemaker import (
    SageMakerEndpoint,
    SageMakerModel,
    SageMakerScaling,
    SageMakerVariant,
)
from mlaudit.models.terraform import Body, TerraformModule, TerraformProject, Unknown
from mlaudit.models.terraform import Resource as TfResource
from mlaudit.models.terraform_syntax import Expr, Literal, Ref, Template, TerraformFile
from mlaudit.project import ParsedProject
from mlaudit.span import Span

_RESOURCE_ID = re.compile(r"^endpoint/([^/]+)/variant/([^/]+)$")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _ref_address(value: Any, prefix: str, rtype: str) -> str | None:
    """`<prefix>rtype.name` when an evaluated value is a reference to a resource of rtype."""
    if isinstance(value, Unknown) and value.ref.startswith(rtype + "."):
        name = re.split(r"[.\[]", value.ref[len(rtype) + 1:], maxsplit=1)[0]
        return f"{prefix}{rtype}.{name}"
    return None


class _Module:
    def __init__(self, project: ParsedProject, module: TerraformModule) -> None:
        self.project = project
        self.module = module
        self.prefix = f"{module.module_address}." if module.module_address else ""
        # Endpoint keys carry the root: side-by-side roots declare the same addresses.
        self.root = getattr(module, "root", "") or "."

    def lines(self, path: str) -> list[str]:
        text = self.project.read_text(path) or ""
        return text.splitlines()

    def env(self, body: Body, path: str) -> tuple[EnvVar, ...]:
        value = body.get("environment")
        if not isinstance(value, dict):
            return ()
        start = body.span_of("environment").line
        lines = self.lines(path)
        out: list[EnvVar] = []
        for name, item in value.items():
            line = start
            pattern = re.compile(rf"^\s*\"?{re.escape(str(name))}\"?\s*[=:]")
            for number in range(start, min(len(lines), start + 200) + 1):
                if pattern.match(lines[number - 1]):
                    line = number
                    break
            out.append(EnvVar(str(name), item if isinstance(item, str) else None,
                              Span(path, line, 1)))
        return tuple(out)

    def model(self, res: TfResource) -> SageMakerModel:
        from mlaudit.parsers.sagemaker_sdk import image_frameworks

        blocks = [*res.blocks("primary_container"), *res.blocks("container")]
        image = image_span = data = data_span = None
        frameworks: list[str] = []
        env: list[EnvVar] = []
        for block in blocks:
            text = _str(block.get("image"))
            if image is None and block.has("image"):
                image, image_span = text, block.span_of("image")
            frameworks += image_frameworks(text)
            url = _str(block.get("model_data_url"))
            if data is None and block.has("model_data_url"):
                data, data_span = url, block.span_of("model_data_url")
            if url and url.lower().endswith(".onnx"):
                frameworks.append("onnx")
            env += self.env(block, res.path)
        return SageMakerModel(res.address, res.span, image, image_span, data, data_span,
                              tuple(dict.fromkeys(frameworks)),
                              image_span if frameworks else None, tuple(env))

    def endpoints(self) -> list[SageMakerEndpoint]:
        models = {f"{self.prefix}{r.type}.{r.name}": r
                  for r in self.module.resources_of("aws_sagemaker_model")}
        by_name = {_str(r.get("name")): a for a, r in models.items() if _str(r.get("name"))}
        built = {a: self.model(r) for a, r in models.items()}
        configs = {f"{self.prefix}{r.type}.{r.name}": r
                   for r in self.module.resources_of("aws_sagemaker_endpoint_configuration")}
        config_names = {_str(r.get("name")): a for a, r in configs.items()
                        if _str(r.get("name"))}
        out: list[SageMakerEndpoint] = []
        for res in self.module.resources_of("aws_sagemaker_endpoint"):
            value = res.get("endpoint_config_name")
            address = _ref_address(value, self.prefix, "aws_sagemaker_endpoint_configuration") \
                or config_names.get(_str(value))
            config = configs.get(address or "")
            own = f"ref:{self.prefix}{res.type}.{res.name}"
            literal = _str(res.get("name"))
            names = tuple(n for n in (own, literal) if n)
            if config is None:
                out.append(SageMakerEndpoint(f"{self.root}/{own[4:]}", literal or res.address,
                                             res.path, res.span, "terraform", (), names,
                                             None))
                continue
            variants = tuple(self.variant(b, built, by_name)
                             for b in config.blocks("production_variants"))
            capture = config.blocks("data_capture_config")
            enabled: bool | None = False
            if capture:
                flag = capture[0].get("enable_capture", True)
                enabled = None if isinstance(flag, Unknown) else flag is not False
            elif config.block_unknown("data_capture_config"):
                enabled = None
            out.append(SageMakerEndpoint(
                f"{self.root}/{own[4:]}", literal or res.address, res.path, res.span,
                "terraform", variants, names, enabled, capture[0].span if capture else None,
                bool(config.blocks("async_inference_config"))))
        return out

    def variant(self, block: Body, models: dict[str, SageMakerModel],
                by_name: dict[str | None, str]) -> SageMakerVariant:
        value = block.get("model_name")
        address = _ref_address(value, self.prefix, "aws_sagemaker_model") or \
            by_name.get(_str(value))
        model = models.get(address or "")
        count = block.get("initial_instance_count")
        serverless = block.blocks("serverless_config")
        memory = provisioned = None
        memory_span = None
        memory_unknown = provisioned_unknown = False
        if serverless:
            body = serverless[0]
            memory = _int(body.get("memory_size_in_mb"))
            memory_unknown = body.has("memory_size_in_mb") and memory is None
            memory_span = body.span_of("memory_size_in_mb") if body.has("memory_size_in_mb") \
                else None
            provisioned = _int(body.get("provisioned_concurrency"))
            provisioned_unknown = body.has("provisioned_concurrency") and provisioned is None
        return SageMakerVariant(
            _str(block.get("variant_name")) or "variant-1", block.span, model, model is None,
            _str(block.get("instance_type")),
            block.span_of("instance_type") if block.has("instance_type") else None,
            _int(count), block.span_of("initial_instance_count")
            if block.has("initial_instance_count") else None,
            block.has("initial_instance_count") and _int(count) is None,
            bool(serverless) or block.block_unknown("serverless_config"),
            serverless[0].span if serverless else None, memory, memory_span, memory_unknown,
            provisioned, provisioned_unknown or block.block_unknown("serverless_config"))

    # -- scaling ------------------------------------------------------------------------
    def _expr(self, res: TfResource, name: str) -> Expr | None:
        model = self.project.models.get(res.path)
        if not isinstance(model, TerraformFile):
            return None
        block = model.declaration(res.mode, res.type, res.name)
        attribute = block.attribute(name) if block is not None else None
        return attribute.expr if attribute is not None else None

    def _local(self, name: str) -> Expr | None:
        for path in self.module.files:
            model = self.project.models.get(path)
            if isinstance(model, TerraformFile):
                for block in model.blocks_of("locals"):
                    found = block.attribute(name)
                    if found is not None:
                        return found.expr
        return None

    def text(self, expr: Expr | None, depth: int = 0) -> str | None:
        """The written string, references to endpoints as `{ref:<address>}`."""
        if expr is None or depth > 6:
            return None
        if isinstance(expr, Literal):
            return expr.value if isinstance(expr.value, str) else None
        if isinstance(expr, Template):
            parts = [p if isinstance(p, str) else self.text(p, depth + 1) for p in expr.parts]
            return "".join(p for p in parts if p is not None) if None not in parts else None
        if isinstance(expr, Ref):
            return self._ref_text(expr, depth)
        return None

    def _ref_text(self, expr: Ref, depth: int) -> str | None:
        parts = [str(p) for p in expr.parts]
        if parts[0] == "var" and len(parts) == 2 and parts[1] in self.module.variables:
            return _str(self.module.variables[parts[1]].value)
        if parts[0] == "local" and len(parts) == 2:
            known = _str(self.module.locals.get(parts[1]))
            return known if known is not None else self.text(self._local(parts[1]), depth + 1)
        if parts[0] == "aws_sagemaker_endpoint" and len(parts) >= 3 and \
                parts[2] in ("name", "id"):
            return "{ref:" + f"{self.prefix}{parts[0]}.{parts[1]}" + "}"
        if parts[0] == "aws_sagemaker_endpoint_configuration" and len(parts) >= 5 and \
                parts[2] == "production_variants" and parts[-1] == "variant_name":
            index = expr.parts[3]
            config = next((r for r in self.module.resources_of(parts[0])
                           if r.name == parts[1]), None)
            blocks = config.blocks("production_variants") if config is not None else ()
            if isinstance(index, int) and 0 <= index < len(blocks):
                return _str(blocks[index].get("variant_name"))
        return None

    def scaling(self) -> list[SageMakerScaling]:
        out: list[SageMakerScaling] = []
        for rtype, policy in (("aws_appautoscaling_target", False),
                              ("aws_appautoscaling_policy", True)):
            for res in self.module.resources_of(rtype):
                namespace = res.get("service_namespace")
                target = _ref_address(res.get("resource_id"), self.prefix,
                                      "aws_appautoscaling_target") if policy else None
                if namespace != "sagemaker" and not (
                        isinstance(namespace, Unknown) and policy and target):
                    continue
                value = res.get("resource_id")
                text = value if isinstance(value, str) else self.text(
                    self._expr(res, "resource_id"))
                match = _RESOURCE_ID.match(text or "")
                endpoint = None
                if match:
                    endpoint = match.group(1)
                    inner = re.fullmatch(r"\{ref:(.+)\}", endpoint)
                    endpoint = f"ref:{inner.group(1)}" if inner else endpoint
                out.append(SageMakerScaling(
                    res.span, policy, endpoint, match.group(2) if match else None,
                    f"ref:{target}" if target else None,
                    f"ref:{self.prefix}{res.type}.{res.name}"))
        return out


def terraform_sagemaker(project: ParsedProject, tf: TerraformProject
                        ) -> list[tuple[TerraformModule, list[SageMakerEndpoint],
                                        list[SageMakerScaling]]]:
    """Per module instance: its endpoints and its sagemaker-namespace scaling."""
    out = []
    for module in tf.modules:
        reader = _Module(project, module)
        endpoints = reader.endpoints()
        scaling = reader.scaling()
        if endpoints or scaling:
            out.append((module, endpoints, scaling))
    return out
