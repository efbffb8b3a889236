"""The input document policies read (`mlaudit.policy-input/v1`).

It is the deployment model exactly as `mlaudit graph --format json` writes it
(`mlaudit.deployment/v2`: units, nodes, edges, image references; docs/deployment-model.md)
plus `facts`: per-file facts a cross-resource policy needs that the graph does not carry
(every Terraform resource with its evaluated attributes, each file's kind, role and units,
Python imports, Dockerfile stages). Every fact carries its source location. The shape is
described by `input-v1.schema.json` beside this module and docs/policy-input.md; changing
it is a breaking change (a new `input_schema` version).

Values mlaudit cannot know statically (an unresolved variable) are `null`, as in the
deployment model: a policy must treat `null` as "cannot tell". Attribute values whose name
says they hold a secret are masked before a policy sees them.
"""

from __future__ import annotations

import re
from typing import Any

from mlaudit.policy import INPUT_SCHEMA
from mlaudit.redact import redact
from mlaudit.span import Span

_SECRET_ATTR_RE = re.compile(
    r"(password|passwd|secret|token|api_?key|private_?key|access_?key|credential)", re.I)


def location(span: Span | None, end_line: int = 0) -> dict[str, Any] | None:
    if span is None or not span.path:
        return None
    out: dict[str, Any] = {"path": span.path, "line": span.line, "column": span.column}
    if end_line:
        out["end_line"] = end_line
    return out


def build_input(deployment: Any) -> dict[str, Any]:
    """The whole input document for one scan (built once, evaluated by every policy)."""
    document: dict[str, Any] = dict(deployment.to_json())
    document["input_schema"] = INPUT_SCHEMA
    project = deployment.project
    file_units: dict[str, tuple[str, ...]] = deployment.file_units
    roles = deployment.roles
    document["facts"] = {
        "files": [
            {"path": f.path, "kind": f.kind.value,
             "role": roles.role(f.path).value if roles is not None else "deployment",
             "units": list(file_units.get(f.path, ()))}
            for f in sorted(project.files, key=lambda f: f.path)],
        "terraform_resources": _terraform(deployment),
        "python_modules": _python(project, file_units),
        "dockerfiles": _dockerfiles(project, file_units),
    }
    return document


def _plain(value: Any, name: str = "") -> Any:
    """A JSON value: Terraform's `Unknown` becomes null; secret-named strings are masked."""
    if isinstance(value, dict):
        return {str(k): _plain(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, name) for v in value]
    if isinstance(value, str):
        return redact(value) if name and _SECRET_ATTR_RE.search(name) else value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return None  # Unknown, or anything else that is not data


def _body(body: Any) -> dict[str, Any]:
    return {
        "source": location(body.span, getattr(body, "end_line", 0)),
        "values": {k: _plain(v, k) for k, v in body.attributes.items()},
        "locations": {k: location(s) for k, s in body.spans.items()},
        "blocks": {name: [_body(b) for b in bodies] for name, bodies in body.nested.items()},
    }


def _terraform(deployment: Any) -> list[dict[str, Any]]:
    tf = deployment.terraform
    if tf is None:
        return []
    out: list[dict[str, Any]] = []
    for module in tf.modules:
        unit = "terraform:" + (module.root or ".")
        for resource in (*module.resources, *module.data_sources):
            item = {"address": resource.address, "config_address": resource.config_address,
                    "type": resource.type, "name": resource.name, "mode": resource.mode,
                    "module": resource.module_address, "unit": unit, "path": resource.path}
            item.update(_body(resource.body))
            out.append(item)
    return out


def _python(project: Any, file_units: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    from mlaudit.models.python_source import PythonModule

    return [{"path": m.path, "units": list(file_units.get(m.path, ())),
             "source": {"path": m.path, "line": 1, "column": 1},
             "imports": sorted(set(m.imports))}
            for m in sorted(project.of_type(PythonModule), key=lambda m: m.path)]


def _dockerfiles(project: Any, file_units: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    from mlaudit.models.dockerfile import Dockerfile

    out: list[dict[str, Any]] = []
    for model in sorted(project.of_type(Dockerfile), key=lambda m: m.path):
        stages = []
        for stage in model.stages:
            user = stage.user
            stages.append({
                "name": stage.name, "image": stage.image.raw, "source": location(stage.from_span),
                "user": user.value if user is not None else None,
                "user_source": location(user.span) if user is not None else None,
                "healthcheck": location(stage.healthcheck.span)
                if stage.healthcheck is not None else None,
                "exposed": [{"port": p.port, "source": location(p.span)} for p in stage.exposed],
                "packages": list(stage.packages)})
        out.append({"path": model.path, "units": list(file_units.get(model.path, ())),
                    "source": {"path": model.path, "line": 1, "column": 1}, "stages": stages})
    return out
