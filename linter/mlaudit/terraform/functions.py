"""The Terraform functions mlaudit evaluates statically; any other call is `Unknown`.

`file`/`templatefile` read through `ParsedProject.read_text`, which refuses paths outside
the scanned root. Every function returns `Unknown` when an argument is unknown, except
`try`/`coalesce`, which pick the first usable argument like Terraform does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from mlaudit import limits
from mlaudit.models.terraform import Unknown, is_known
from mlaudit.models.terraform_syntax import Call
from mlaudit.span import Span
from mlaudit.terraform.values import Scope, evaluate, module_file, to_string

_ERRORS = ("missing key", "error")  # reasons that are Terraform evaluation errors
# Flags, then a width that cannot start with 0 (a flag): each character has one place to
# go, so a long run of digits without a verb is not retried every way (linear time).
_FORMAT_RE = re.compile(r"%(?:%|[-+# 0]*(?:[1-9]\d*)?(?:\.\d+)?[sdvqftb])")
_MISSING = object()


def call(expr: Call, scope: Scope) -> Any:
    name = expr.name.rsplit("::", 1)[-1]
    if name == "try":
        # Terraform falls through only on an evaluation error; an argument known only after
        # apply (`aws_ecs_service.this[0].name`) is the result, unknown here.
        for arg in expr.args:
            value = evaluate(arg, scope)
            if is_known(value):
                return value
            if not (isinstance(value, Unknown) and value.reason in _ERRORS):
                return Unknown("try", value.ref if isinstance(value, Unknown) else "")
        return Unknown("try")
    args = [evaluate(arg, scope) for arg in expr.args]
    if expr.expand and args:
        if not isinstance(args[-1], list):
            return Unknown("expansion")
        args = [*args[:-1], *args[-1]]
    if name == "coalesce":
        for value in args:
            if isinstance(value, Unknown):
                return Unknown("coalesce")
            if value is not None and value != "":
                return value
        return Unknown("coalesce")
    if name == "templatefile":
        return _templatefile(args, scope, expr.span)
    if name in ("jsonencode", "yamlencode") and len(args) == 1 and not is_known(args[0]):
        return Unknown(name, partial=args[0])
    function = _FUNCTIONS.get(name)
    if function is None or not all(is_known(a) for a in args):
        return Unknown(f"function {name}")
    if _weight(args) > limits.MAX_WEIGHT:
        # join() of a list of ten thousand references to one long string: never built.
        limits.notice(expr.span.path, expr.span.line,
                      f"the arguments of {name}() are over {limits.MAX_WEIGHT} characters "
                      "and items; its value is treated as unknown")
        return Unknown("too large")
    try:
        return function(scope, *args)
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, AttributeError,
            ArithmeticError, StopIteration):
        # Known arguments Terraform would reject (format() with fewer arguments than
        # verbs, a number too large for a float): `try` skips it.
        return Unknown("error")


def _weight(value: Any, budget: int = limits.MAX_WEIGHT) -> int:
    """Characters plus items of a value, counted until over `budget` (shared references
    count each time: that is what building the result would cost)."""
    total = 0
    stack = [value]
    while stack and total <= budget:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            total += len(item)
            stack.extend(item)
        else:
            total += 1
    return total


def _file(scope: Scope, path: str) -> Any:
    relpath = module_file(scope, path)
    text = scope.read_text(relpath) if relpath is not None else None
    return text if text is not None else Unknown("file")


def _templatefile(args: list[Any], scope: Scope, span: Span) -> Any:
    if len(args) != 2 or not isinstance(args[0], str) or not isinstance(args[1], dict):
        return Unknown("templatefile")
    text = _file(scope, args[0])
    if not isinstance(text, str):
        return text
    from mlaudit.parsers.terraform_hcl import parse_template

    template = parse_template(text, span)
    inner = Scope(scope.module_dir, {}, {}, scope.read_text, dict(args[1]))
    return evaluate(template, inner)


def _format(scope: Scope, fmt: str, *values: Any) -> str:
    items = iter(values)

    def replace(match: re.Match[str]) -> str:
        spec = match.group(0)
        if spec == "%%":
            return "%"
        value = next(items, _MISSING)
        if value is _MISSING:
            raise ValueError("format() has fewer arguments than verbs")
        if any(int(n) > limits.MAX_FORMAT_WIDTH for n in re.findall(r"\d+", spec)):
            raise ValueError("format() width over the limit")
        if spec[-1] == "q":
            return str(json.dumps(value))
        if spec[-1] in "sv":
            text = to_string(value)
            if text is None:
                return str(json.dumps(value))
            return text
        return str(spec % value)

    return _FORMAT_RE.sub(replace, fmt)


def _yamlencode(scope: Scope, value: Any) -> str:
    import yaml

    return str(yaml.safe_dump(value, sort_keys=False, default_flow_style=False))


def _lookup(scope: Scope, mapping: dict[str, Any], key: str, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise KeyError(key)


def _tonumber(scope: Scope, value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def _merge(scope: Scope, *maps: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mapping in maps:
        if mapping is not None:
            out.update(mapping)
    return out


def _concat(scope: Scope, *lists: list[Any]) -> list[Any]:
    return [item for items in lists for item in items]


def _string(scope: Scope, value: Any) -> str:
    text = to_string(value)
    if text is None:
        raise TypeError("not a primitive")
    return text


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "lower": lambda s, v: v.lower(), "upper": lambda s, v: v.upper(),
    "trimspace": lambda s, v: v.strip(), "title": lambda s, v: v.title(),
    "format": _format, "concat": _concat, "merge": _merge, "tostring": _string,
    "tonumber": _tonumber, "tobool": lambda s, v: {"true": True, "false": False}[
        to_string(v) or ""],
    "lookup": _lookup, "element": lambda s, items, i: items[int(i) % len(items)],
    "join": lambda s, sep, items: sep.join(_string(s, i) for i in items),
    "split": lambda s, sep, text: text.split(sep),
    "replace": lambda s, text, old, new: text.replace(old, new),
    "length": lambda s, v: len(v), "keys": lambda s, m: sorted(m),
    "values": lambda s, m: [m[k] for k in sorted(m)],
    "contains": lambda s, items, v: v in items, "tolist": lambda s, v: list(v),
    "toset": lambda s, v: sorted(set(v), key=str), "tomap": lambda s, v: dict(v),
    "min": lambda s, *v: min(v), "max": lambda s, *v: max(v),
    "jsonencode": lambda s, v: json.dumps(v, separators=(",", ":")),
    "jsondecode": lambda s, v: json.loads(v), "yamlencode": _yamlencode,
    "file": _file, "abspath": lambda s, v: v, "basename": lambda s, v: v.rsplit("/", 1)[-1],
}
