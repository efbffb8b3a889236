"""Terraform state (format v4) and `terraform show -json` output (plan or state).

Detection follows the documented shapes: raw state has `"version": 4` with `lineage` or
`resources`; show/plan JSON has `format_version` plus `planned_values`,
`resource_changes`, `values` or `terraform_version`. Older state versions and an unknown
major `format_version` are rejected with a ParseError instead of being guessed at. Every
value read here is treated as secret by the model: rules print addresses, never values.
"""

from __future__ import annotations

from typing import Any

from mlaudit.models.terraform import StateResource, TerraformState
from mlaudit.parsers import ParseError
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "1"

_MAX_DEPTH = 64
_LINE_AWARE_LIMIT = 2 * 1024 * 1024  # bigger states load with the stdlib (no lines) for speed


def parse(source: SourceFile) -> TerraformState | None:
    text = source.text
    if not text.strip():
        return None
    if len(text) > _LINE_AWARE_LIMIT:
        import json

        try:
            data = json.loads(text)
        except ValueError as exc:
            line = getattr(exc, "lineno", 1)
            column = getattr(exc, "colno", 1)
            raise ParseError(f"invalid JSON: {getattr(exc, 'msg', exc)}", line, column) from None
    else:
        from mlaudit.parsers import yaml_source

        data = yaml_source.load(text)
    return from_document(source.path, data)


def looks_like_terraform(data: Any) -> bool:
    """True for a top level that is state v4 or plan/show JSON (the JSON sniffer's test)."""
    if not isinstance(data, dict):
        return False
    if data.get("version") == 4 and ("resources" in data or "lineage" in data):
        return True
    return "format_version" in data and any(
        k in data for k in ("planned_values", "resource_changes", "values", "terraform_version"))


def from_document(path: str, data: Any) -> TerraformState | None:
    """The state/plan model of an already loaded JSON document, or None if it is neither."""
    if not isinstance(data, dict):
        return None
    version = data.get("version")
    if "lineage" in data and isinstance(version, int) and version != 4:
        raise ParseError(f"unsupported Terraform state format version {version} "
                         "(only version 4, Terraform 0.12 and later, is read)", _line(data))
    tf_version = str(data.get("terraform_version") or "")
    if version == 4 and ("resources" in data or "lineage" in data):
        return TerraformState(path, "state", tf_version, tuple(_state_resources(path, data)))
    if not looks_like_terraform(data):
        return None
    major = str(data.get("format_version", "")).split(".", 1)[0]
    if major != "1":
        raise ParseError(f"unsupported Terraform JSON format_version "
                         f"{data.get('format_version')!r} (only 1.x is read)", _line(data))
    if "planned_values" in data or "resource_changes" in data:
        changes = list(_changes(path, data.get("resource_changes")))
        if not changes:
            planned = _dict(data.get("planned_values"))
            changes = list(_values_module(path, _dict(planned.get("root_module")), 0))
        return TerraformState(path, "plan", tf_version, tuple(changes))
    values = _dict(data.get("values"))
    return TerraformState(path, "show", tf_version,
                          tuple(_values_module(path, _dict(values.get("root_module")), 0)))


def _state_resources(path: str, data: dict[str, Any]) -> list[StateResource]:
    out: list[StateResource] = []
    for resource in _list(data.get("resources")):
        if not isinstance(resource, dict):
            continue
        module = str(resource.get("module") or "")
        mode = str(resource.get("mode") or "managed")
        rtype, name = str(resource.get("type") or ""), str(resource.get("name") or "")
        for instance in _list(resource.get("instances")):
            if not isinstance(instance, dict):
                continue
            index = instance.get("index_key")
            index = index if isinstance(index, (int, str)) and not isinstance(index, bool) \
                else None
            address = _address(module, mode, rtype, name, index)
            out.append(StateResource(address, rtype, name, mode, module, index,
                                     _plain(instance.get("attributes"), 0),
                                     Span(path, _line(instance))))
    return out


def _changes(path: str, items: Any) -> Any:
    for item in _list(items):
        if not isinstance(item, dict) or not item.get("address"):
            continue
        change = _dict(item.get("change"))
        actions = tuple(str(a) for a in _list(change.get("actions")))
        index = item.get("index")
        yield StateResource(
            str(item["address"]), str(item.get("type") or ""), str(item.get("name") or ""),
            str(item.get("mode") or "managed"), str(item.get("module_address") or ""),
            index if isinstance(index, (int, str)) and not isinstance(index, bool) else None,
            _plain(change.get("after"), 0), Span(path, _line(item)), actions,
            _plain(change.get("after_unknown"), 0))


def _values_module(path: str, module: dict[str, Any], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return
    module_address = str(module.get("address") or "")
    for item in _list(module.get("resources")):
        if isinstance(item, dict) and item.get("address"):
            index = item.get("index")
            yield StateResource(
                str(item["address"]), str(item.get("type") or ""), str(item.get("name") or ""),
                str(item.get("mode") or "managed"), module_address,
                index if isinstance(index, (int, str)) and not isinstance(index, bool) else None,
                _plain(item.get("values"), 0), Span(path, _line(item)))
    for child in _list(module.get("child_modules")):
        if isinstance(child, dict):
            yield from _values_module(path, child, depth + 1)


def _address(module: str, mode: str, rtype: str, name: str, index: Any) -> str:
    address = f"{module + '.' if module else ''}{'data.' if mode == 'data' else ''}{rtype}.{name}"
    if isinstance(index, int):
        return f"{address}[{index}]"
    if isinstance(index, str):
        return f'{address}["{index}"]'
    return address


def _plain(value: Any, depth: int) -> Any:
    """Plain dict/list copies (picklable, no line bookkeeping), cut off at a sane depth."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, depth + 1) for v in value]
    return value


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []  # null in place of [] is common


def _line(value: Any) -> int:
    line = getattr(value, "line", 1)
    return line if isinstance(line, int) else 1
