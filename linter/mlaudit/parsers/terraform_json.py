"""`*.tf.json` files: Terraform's JSON syntax mapped onto the same `TerraformFile` model.

Strings are templates in this syntax (`"${var.x}"`), so each is split like an HCL string.
JSON cannot tell a nested block from an object attribute; nested blocks therefore arrive
as object (or list-of-object) attributes, which the evaluated `Resource.blocks()` accepts
in place of blocks.
"""

from __future__ import annotations

from typing import Any

from mlaudit.models.terraform_syntax import (
    Attribute,
    Block,
    Expr,
    Literal,
    ObjectExpr,
    TerraformFile,
    TupleExpr,
)
from mlaudit.parsers import ParseError
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "1"

# Block type -> number of labels it takes in the JSON nesting.
_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1,
           "locals": 0, "terraform": 0, "moved": 0, "import": 0, "check": 1}
_MAX_DEPTH = 64


def parse(source: SourceFile) -> TerraformFile:
    from mlaudit.parsers import yaml_source

    try:
        data = yaml_source.load(source.text)
    except ParseError:
        # The file is JSON: say what JSON finds wrong, not what the YAML reader does.
        from mlaudit.parsers.ecs_task_definition import decode_json

        decode_json(source.text)
        raise
    if data is None:
        return TerraformFile(source.path, ())
    if not isinstance(data, dict):
        raise ParseError("a .tf.json file must hold a JSON object", 1, 1)
    blocks: list[Block] = []
    for block_type, content in data.items():
        labels = _LABELS.get(str(block_type))
        if labels is None:
            continue
        span = key_span(source.path, data, block_type)
        for item in content if isinstance(content, list) else [content]:
            blocks.extend(_blocks(source.path, str(block_type), item, labels, (), span))
    return TerraformFile(source.path, tuple(blocks))


def _blocks(path: str, block_type: str, content: Any, labels: int, got: tuple[str, ...],
            span: Span) -> list[Block]:
    if not isinstance(content, dict):
        return []
    if labels > 0:
        out: list[Block] = []
        for label, inner in content.items():
            inner_span = key_span(path, content, label)
            for item in inner if isinstance(inner, list) else [inner]:
                out.extend(_blocks(path, block_type, item, labels - 1, (*got, str(label)),
                                   inner_span))
        return out
    attributes: list[Attribute] = []
    nested: list[Block] = []
    for name, value in content.items():
        at = key_span(path, content, name)
        if block_type == "terraform" and name in ("backend", "cloud") and isinstance(value, dict):
            nested.extend(_blocks(path, str(name), value, 1 if name == "backend" else 0, (), at))
        elif name != "//":  # "//" is the JSON syntax's comment key
            attributes.append(Attribute(str(name), json_expr(value, at), at))
    return [Block(block_type, got, tuple(attributes), tuple(nested), span,
                  getattr(content, "end_line", 0))]


def key_span(path: str, mapping: Any, key: Any) -> Span:
    """The position of `key` in a line-aware mapping from yaml_source (1:1 otherwise)."""
    line_of = getattr(mapping, "line_of", None)
    column_of = getattr(mapping, "column_of", None)
    if callable(line_of) and callable(column_of):
        return Span(path, line_of(key), column_of(key))
    return Span(path)


def json_expr(value: Any, span: Span, templates: bool = True, depth: int = 0) -> Expr:
    """A JSON value as an expression; strings are templates unless `templates` is off."""
    if depth > _MAX_DEPTH:
        raise ParseError("JSON nested too deeply", span.line, span.column)
    if isinstance(value, dict):
        items = tuple(
            (Literal(str(k), key_span(span.path, value, k)),
             json_expr(v, key_span(span.path, value, k), templates, depth + 1))
            for k, v in value.items())
        return ObjectExpr(items, span)
    if isinstance(value, list):
        return TupleExpr(tuple(json_expr(v, span, templates, depth + 1) for v in value), span)
    if isinstance(value, str) and templates and "${" in value:
        from mlaudit.parsers.terraform_hcl import parse_template

        return parse_template(value, span)
    return Literal(value, span)
