"""Static evaluation of Terraform expressions. Never guesses: unknown in, `Unknown` out."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mlaudit import limits
from mlaudit.models.terraform import UNKNOWN_PART, Unknown, is_known
from mlaudit.models.terraform_syntax import (
    Call,
    Conditional,
    Expr,
    Literal,
    ObjectExpr,
    Opaque,
    Operation,
    Ref,
    Template,
    TupleExpr,
)

ReadText = Callable[[str], "str | None"]
_MAX_DEPTH = 40


@dataclass
class Scope:
    """What names mean while evaluating one module instance (plus count/each/iterators)."""

    module_dir: str
    variables: dict[str, Any]
    local_exprs: dict[str, Expr]
    read_text: ReadText
    bindings: dict[str, Any] = field(default_factory=dict)  # count, each, dynamic iterators
    _locals: dict[str, Any] = field(default_factory=dict)
    _busy: set[str] = field(default_factory=set)
    depth: int = 0

    def child(self, **bindings: Any) -> Scope:
        scope = Scope(self.module_dir, self.variables, self.local_exprs, self.read_text,
                      {**self.bindings, **bindings}, self._locals, self._busy, self.depth)
        return scope

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        expr = self.local_exprs.get(name)
        if expr is None or name in self._busy:  # missing, or a reference cycle
            return Unknown("local", f"local.{name}")
        self._busy.add(name)
        try:
            value = evaluate(expr, Scope(self.module_dir, self.variables, self.local_exprs,
                                         self.read_text, {}, self._locals, self._busy))
        finally:
            self._busy.discard(name)
        self._locals[name] = value
        return value


def evaluate(expr: Expr, scope: Scope) -> Any:
    if scope.depth > _MAX_DEPTH:
        return Unknown("too deep")
    scope.depth += 1
    try:
        value = _evaluate(expr, scope)
    except RecursionError:
        return Unknown("too deep")
    except Exception as exc:  # an evaluator gap must cost one value, never the scan
        _limit(expr, f"a Terraform expression could not be evaluated "
                     f"({type(exc).__name__}); its value is treated as unknown",
               "evaluation-error")
        return Unknown("error")
    finally:
        scope.depth -= 1
    if isinstance(value, str) and len(value) > limits.MAX_STRING:
        _limit(expr, f"an evaluated string is over {limits.MAX_STRING} characters; "
                     "treated as unknown")
        return Unknown("too large")
    if isinstance(value, (list, dict)) and len(value) > limits.MAX_ITEMS:
        _limit(expr, f"an evaluated collection has over {limits.MAX_ITEMS} items; "
                     "treated as unknown")
        return Unknown("too large")
    return value


def _limit(expr: Expr, message: str, code: str = "limit-exceeded") -> None:
    span = getattr(expr, "span", None)
    if span is not None:
        limits.notice(span.path, span.line, message, code)


def _evaluate(expr: Expr, scope: Scope) -> Any:
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Template):
        if len(expr.parts) == 1 and not isinstance(expr.parts[0], str):
            return _evaluate(expr.parts[0], scope)  # "${x}" keeps x's type, as Terraform does
        pieces: list[str] = []
        size = 0
        unknown = False
        for part in expr.parts:
            value = part if isinstance(part, str) else evaluate(part, scope)
            text = to_string(value)
            if text is None:
                unknown, text = True, UNKNOWN_PART
            size += len(text)
            if size > limits.MAX_STRING:  # checked before joining: never built
                _limit(expr, f"an evaluated string is over {limits.MAX_STRING} characters; "
                             "treated as unknown")
                return Unknown("too large")
            pieces.append(text)
        if unknown:
            # Keep the known text: an image's `:latest` tag after an unknown repository URL.
            return Unknown("template", text="".join(pieces))
        return "".join(pieces)
    if isinstance(expr, Ref):
        return _reference(expr, scope)
    if isinstance(expr, TupleExpr):
        return [evaluate(item, scope) for item in expr.items]
    if isinstance(expr, ObjectExpr):
        out: dict[str, Any] = {}
        for key_expr, value_expr in expr.items:
            key = evaluate(key_expr, scope)
            if not isinstance(key, (str, int, float, bool)):
                return Unknown("object key")
            out[to_string(key) or ""] = evaluate(value_expr, scope)
        return out
    if isinstance(expr, Conditional):
        condition = evaluate(expr.condition, scope)
        if isinstance(condition, bool):
            return evaluate(expr.then if condition else expr.otherwise, scope)
        return Unknown("condition")
    if isinstance(expr, Operation):
        return _operation(expr, scope)
    if isinstance(expr, Call):
        from mlaudit.terraform.functions import call

        return call(expr, scope)
    if isinstance(expr, Opaque):
        return Unknown(expr.kind)
    return Unknown("expression")


def _reference(ref: Ref, scope: Scope) -> Any:
    root, rest = str(ref.parts[0]), list(ref.parts[1:])
    if root in scope.bindings:
        return _index(scope.bindings[root], rest, ref)
    if root == "var" and rest:
        value = scope.variables.get(str(rest[0]), Unknown("variable", ref.dotted))
        return _index(value, rest[1:], ref)
    if root == "local" and rest:
        return _index(scope.local(str(rest[0])), rest[1:], ref)
    if root == "path" and rest and rest[0] in ("module", "root"):
        return scope.module_dir or "."
    return Unknown("reference", ref.dotted)


def _index(value: Any, steps: list[str | int], ref: Ref) -> Any:
    for step in steps:
        if isinstance(value, Unknown):
            return Unknown(value.reason, ref.dotted)
        if isinstance(value, dict) and str(step) in value:
            value = value[str(step)]
        elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            value = value[step]
        else:
            return Unknown("missing key", ref.dotted)
    return value


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b, ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "%": lambda a, b: a % b,
}


def _operation(expr: Operation, scope: Scope) -> Any:
    right = evaluate(expr.right, scope)
    if expr.left is None:
        if expr.operator == "!" and isinstance(right, bool):
            return not right
        if expr.operator == "-" and isinstance(right, (int, float)) \
                and not isinstance(right, bool):
            return -right
        return Unknown("operator")
    left = evaluate(expr.left, scope)
    if expr.operator in ("&&", "||"):
        # false && unknown is false, true || unknown is true: short-circuit like Terraform.
        if expr.operator == "&&" and (left is False or right is False):
            return False
        if expr.operator == "||" and (left is True or right is True):
            return True
        if isinstance(left, bool) and isinstance(right, bool):
            return left and right if expr.operator == "&&" else left or right
        return Unknown("operator")
    if expr.operator in ("==", "!=") and (left is None) != (right is None) and not \
            isinstance(left if right is None else right, Unknown):
        # A map or list is never null, whatever unknowns it holds (`var.x != null`).
        return expr.operator == "!="
    if not (is_known(left) and is_known(right)):
        return Unknown("operator")
    if expr.operator in ("==", "!="):
        return _COMPARE[expr.operator](left, right)
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
    if not numbers or (expr.operator in ("/", "%") and right == 0):
        return Unknown("operator")
    result = _COMPARE[expr.operator](left, right)
    if isinstance(result, int) and result.bit_length() > 4096:
        # Locals that square a number grow it without bound; Terraform's numbers stop at
        # 512 bits of precision anyway.
        _limit(expr, "an evaluated number is over 4096 bits; treated as unknown")
        return Unknown("too large")
    return result


def to_string(value: Any) -> str | None:
    """Terraform's string conversion of a primitive, or None when it has none (or unknown)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None


def module_file(scope: Scope, relpath: str) -> str | None:
    """A path named in `file()` made repo-relative, or None if it leaves the repository."""
    if relpath.startswith("/"):
        return None
    base = scope.module_dir
    # "${path.module}/x" is already repo-relative (path.module evaluates to the module's
    # repo-relative directory); a bare relative path is taken from the module directory.
    inside = not base or relpath == base or relpath.startswith((base + "/", "./" + base))
    joined = relpath if inside else posixpath.join(base, relpath)
    normal = posixpath.normpath(joined)
    if normal.startswith("..") or normal.startswith("/"):
        return None
    return normal
