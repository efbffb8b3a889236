"""Terraform source as written: blocks, attributes and an expression tree, with positions.

This is what the HCL (`*.tf`), JSON (`*.tf.json`) and tfvars parsers produce, one model per
file. Nothing here is evaluated: `var.x` is a `Ref`, `"a-${var.x}"` a `Template`. The
evaluated view (variables resolved, modules bound, `count` expanded) lives in
`mlaudit.models.terraform` and is built by `mlaudit.terraform.evaluate`.

Expressions are a small closed set of node classes (`Expr`); constructs rules never need
to look into (for expressions, splats, template directives) become `Opaque`, which
evaluates to an unknown value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mlaudit.span import Span, compact_pickle


@compact_pickle
@dataclass(frozen=True, slots=True)
class Literal:
    """A number, bool, null or a string with no interpolation."""

    value: Any
    span: Span


@compact_pickle
@dataclass(frozen=True, slots=True)
class Template:
    """A string with interpolations (quoted string, heredoc, or a template file).

    `parts` alternate freely between literal text (`str`) and expressions.
    """

    parts: tuple[str | Expr, ...]
    span: Span


@compact_pickle
@dataclass(frozen=True, slots=True)
class Ref:
    """A traversal: `var.x`, `local.cfg.port`, `aws_lb.this.arn`, `each.value["k"]`.

    `parts[0]` is the root name; later parts are attribute names (str) or literal indices
    (int/str from `[0]` / `["k"]`). A non-literal index makes the whole thing `Opaque`.
    """

    parts: tuple[str | int, ...]
    span: Span

    @property
    def dotted(self) -> str:
        out = str(self.parts[0])
        for part in self.parts[1:]:
            out += f"[{part}]" if isinstance(part, int) else f".{part}"
        return out


@compact_pickle
@dataclass(frozen=True, slots=True)
class Call:
    """A function call; `expand` is true for `f(list...)`."""

    name: str
    args: tuple[Expr, ...]
    span: Span
    expand: bool = False


@compact_pickle
@dataclass(frozen=True, slots=True)
class TupleExpr:
    items: tuple[Expr, ...]
    span: Span


@compact_pickle
@dataclass(frozen=True, slots=True)
class ObjectExpr:
    """`{ key = value }`; a bare-word key is a `Literal` string, as Terraform reads it."""

    items: tuple[tuple[Expr, Expr], ...]
    span: Span


@compact_pickle
@dataclass(frozen=True, slots=True)
class Conditional:
    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span


@compact_pickle
@dataclass(frozen=True, slots=True)
class Operation:
    """A unary (`!x`, `-x`: `left` is None) or binary operator application."""

    operator: str
    left: Expr | None
    right: Expr
    span: Span


@compact_pickle
@dataclass(frozen=True, slots=True)
class Opaque:
    """Something not modelled (for expression, splat, directive): always unknown."""

    kind: str
    span: Span


Expr = (Literal | Template | Ref | Call | TupleExpr | ObjectExpr | Conditional | Operation
        | Opaque)


@compact_pickle
@dataclass(frozen=True, slots=True)
class Attribute:
    """`name = expression`; `span` is where the name starts."""

    name: str
    expr: Expr
    span: Span


@compact_pickle
@dataclass(frozen=True, slots=True)
class Block:
    """`type "label" ... { body }`. `span` is the block's first line; `end_line` its last."""

    type: str
    labels: tuple[str, ...]
    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]
    span: Span
    end_line: int = 0

    def attribute(self, name: str) -> Attribute | None:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        return None

    def blocks_of(self, block_type: str) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.type == block_type)


def walk_expr(expr: Expr) -> Iterator[Expr]:
    """An expression and every expression inside it, depth first."""
    yield expr
    children: list[Any] = []
    if isinstance(expr, Template):
        children = [p for p in expr.parts if not isinstance(p, str)]
    elif isinstance(expr, Call):
        children = list(expr.args)
    elif isinstance(expr, TupleExpr):
        children = list(expr.items)
    elif isinstance(expr, ObjectExpr):
        children = [x for pair in expr.items for x in pair]
    elif isinstance(expr, Conditional):
        children = [expr.condition, expr.then, expr.otherwise]
    elif isinstance(expr, Operation):
        children = [x for x in (expr.left, expr.right) if x is not None]
    for child in children:
        yield from walk_expr(child)


@compact_pickle
@dataclass(frozen=True, slots=True)
class TerraformFile:
    """One `.tf` / `.tf.json` file: its top-level blocks, in source order."""

    path: str
    blocks: tuple[Block, ...]

    def blocks_of(self, block_type: str) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.type == block_type)

    def declaration(self, mode: str, resource_type: str, name: str) -> Block | None:
        """The `resource` (mode "managed") or `data` block declaring `type.name`, as written:
        the evaluated model keeps values, this keeps the expressions (references)."""
        kind = "data" if mode == "data" else "resource"
        return next((b for b in self.blocks_of(kind) if b.labels[:2] == (resource_type, name)),
                    None)


@compact_pickle
@dataclass(frozen=True, slots=True)
class TfvarsFile:
    """One `*.tfvars` / `*.tfvars.json` file: variable assignments."""

    path: str
    attributes: tuple[Attribute, ...]

    @property
    def is_auto(self) -> bool:
        """Terraform loads it without `-var-file`: `terraform.tfvars[.json]`, `*.auto.tfvars`."""
        name = self.path.rsplit("/", 1)[-1]
        return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith(
            (".auto.tfvars", ".auto.tfvars.json"))
