"""`*.tf` files: python-hcl2's Lark parse tree walked into `TerraformFile`.

python-hcl2's dict API drops the line of most values and leaves expressions as strings,
so we take its raw Lark tree (`hcl2.parses_to_tree`: tokens keep line/column) and walk it
ourselves. Walking the raw tree also skips the library's rule transformer, which is most
of its cost. Heredoc bodies and template files are split into text and `${...}` parts;
each interpolation is parsed with the same grammar.
"""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Callable
from typing import Any

from mlaudit.models.terraform_syntax import (
    Attribute,
    Block,
    Call,
    Conditional,
    Expr,
    Literal,
    ObjectExpr,
    Opaque,
    Operation,
    Ref,
    Template,
    TerraformFile,
    TupleExpr,
)
from mlaudit.parsers import ParseError
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "2"

_NL = "new_line_or_comment"
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def parse(source: SourceFile) -> TerraformFile:
    return parse_text(source.path, source.text)


def parse_text(path: str, text: str) -> TerraformFile:
    """Parse HCL text into a `TerraformFile`; raises ParseError with the error's position."""
    # A parse allocates a tree of tens of thousands of objects and frees it whole: the
    # collections it would trigger find no cycles and walk everything alive (~8%).
    collecting = gc.isenabled()
    gc.disable()
    try:
        body = _tree(text)
        blocks, _ = _Walker(path).body(body)
    finally:
        if collecting:
            gc.enable()
    return TerraformFile(path, tuple(blocks))


def parse_attributes(path: str, text: str) -> tuple[Attribute, ...]:
    """Top-level `name = value` pairs of an HCL file (a tfvars file)."""
    _, attributes = _Walker(path).body(_tree(text))
    return tuple(attributes)


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    """python-hcl2's own grammar and post-lexer, built without `propagate_positions`.

    `hcl2.parses_to_tree` is this parser with position propagation on; that bookkeeping
    was a quarter of the parse time of a large repository, and every node's position is
    already on its first token (see `_first_token`). None: build it the library's way.
    """
    import logging

    # Lark logs a traceback when it meets an unexpected option: never to a user.
    lark_log = logging.getLogger("lark")
    level = lark_log.level
    lark_log.setLevel(logging.CRITICAL + 1)
    try:
        from mlaudit.parsers.hcl_tables import FastParser, load_parser

        # Tables shipped as JSON data: no pickle, and nothing in the temporary directory.
        parser = load_parser()
        try:
            return FastParser(parser)
        except Exception:  # a Lark whose internals moved: its own parse loop
            return parser
    except Exception:  # a future python-hcl2 layout: fall back to its public API
        return None
    finally:
        lark_log.setLevel(level)


def _tree(text: str) -> Any:
    import hcl2
    from lark.exceptions import LarkError, UnexpectedInput

    parser = _parser()
    try:
        # The trailing newline is python-hcl2's own workaround (lark issue 237).
        start = parser.parse(text + "\n") if parser is not None else hcl2.parses_to_tree(text)
    except UnexpectedInput as exc:
        line = getattr(exc, "line", 1)
        column = getattr(exc, "column", 1)
        if not isinstance(line, int) or line < 1:  # unexpected end of file
            line, column = text.count("\n") + 1, 1
        raise ParseError(f"invalid HCL: {_first_line(str(exc))}", line, column) from None
    except LarkError as exc:
        raise ParseError(f"invalid HCL: {_first_line(str(exc))}") from None
    return start.children[0]


def _first_token(node: Any) -> Any:
    """The first token under a tree node, depth first (a token is its own first token)."""
    # Down the first children: the answer unless a subtree on the way is empty.
    current = node
    while True:
        children = getattr(current, "children", None)
        if children is None:
            return current
        if not children:
            break
        current = children[0]
    stack = [node]
    while stack:
        current = stack.pop()
        children = getattr(current, "children", None)
        if children is None:
            return current  # a Token: it carries line and column
        stack.extend(reversed(children))
    return None


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "syntax error"


def parse_template(text: str, span: Span) -> Expr:
    """Split template text (a heredoc body, a `templatefile` file) into a `Template`.

    Every part gets `span`: rules report at the attribute that uses the template.
    `%{...}` directives make the whole template opaque.
    """
    parts: list[str | Expr] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("$${", i) or text.startswith("%%{", i):
            buf.append(text[i + 1 : i + 3])
            i += 3
        elif text.startswith("%{", i):
            return Opaque("template-directive", span)
        elif text.startswith("${", i):
            end = _closing_brace(text, i + 2)
            if end < 0:
                return Opaque("template", span)
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append(_parse_expression(text[i + 2 : end].strip("~ \t\r\n"), span))
            i = end + 1
        else:
            # Up to the next `$` or `%`: nothing before it can start an interpolation.
            dollar, percent = text.find("$", i + 1), text.find("%", i + 1)
            end = min(dollar if dollar >= 0 else n, percent if percent >= 0 else n)
            buf.append(text[i:end])
            i = end
    if buf:
        parts.append("".join(buf))
    if all(isinstance(p, str) for p in parts):
        return Literal("".join(p for p in parts if isinstance(p, str)), span)
    return Template(tuple(parts), span)


def _closing_brace(text: str, start: int) -> int:
    """Index of the `}` closing an interpolation, skipping nested braces and strings."""
    depth, i, quoted = 0, start, False
    while i < len(text):
        char = text[i]
        if quoted:
            if char == "\\":
                i += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def _parse_expression(text: str, span: Span) -> Expr:
    try:
        _, attributes = _Walker(span.path, fixed=span).body(_tree(f"_ = {text}\n"))
    except ParseError:
        return Opaque("template", span)
    return attributes[0].expr if attributes else Opaque("template", span)


class _Walker:
    """Turns Lark subtrees into model nodes. `fixed` pins every span (template parts)."""

    def __init__(self, path: str, fixed: Span | None = None) -> None:
        self.path = path
        self.fixed = fixed
        self.handlers: dict[str, Callable[[Any, Span], Expr]] = {
            "expr_term": self._expr_term, "conditional": self._conditional,
            "binary_op": self._binary, "unary_op": self._unary,
            "int_lit": lambda t, s: Literal(int(t.children[0].value), s),
            "float_lit": lambda t, s: Literal(float(t.children[0].value), s),
            "literal_value": self._literal_value,
            "identifier": lambda t, s: Ref((str(t.children[0].value),), s),
            "string": self._string, "tuple": self._tuple, "object": self._object,
            "function_call": self._call, "heredoc_template": self._heredoc,
            "heredoc_template_trim": self._heredoc,
            "get_attr_expr_term": self._traverse, "index_expr_term": self._traverse,
        }

    def span(self, node: Any) -> Span:
        if self.fixed is not None:
            return self.fixed
        token = _first_token(node)
        line = getattr(token, "line", None) or 1
        column = getattr(token, "column", None) or 1
        return Span(self.path, line, column)

    def body(self, body: Any) -> tuple[list[Block], list[Attribute]]:
        blocks: list[Block] = []
        attributes: list[Attribute] = []
        for child in body.children:
            data = getattr(child, "data", None)
            if data == "attribute":
                name = self._name(child.children[0])
                attributes.append(Attribute(name, self.expr(child.children[2]), self.span(child)))
            elif data == "block":
                blocks.append(self._block(child))
        return blocks, attributes

    def _block(self, node: Any) -> Block:
        names: list[str] = []
        body = None
        end_line = 0
        for child in node.children:
            data = getattr(child, "data", None)
            if data == "body":
                body = child
            elif data in ("identifier", "keyword", "literal_value"):
                names.append(self._name(child))
            elif data == "string":
                label = self._string(child, self.span(child))
                names.append(label.value if isinstance(label, Literal) else "")
            elif getattr(child, "type", None) == "RBRACE":
                end_line = child.line
        blocks, attributes = self.body(body) if body is not None else ([], [])
        return Block(names[0], tuple(names[1:]), tuple(attributes), tuple(blocks),
                     self.span(node), end_line)

    @staticmethod
    def _name(node: Any) -> str:
        first = node.children[0]
        return str(getattr(first, "value", first))

    def expr(self, node: Any) -> Expr:
        data = getattr(node, "data", None)
        handler = self.handlers.get(str(data))
        if handler is None:
            return Opaque(str(data), self.span(node))
        return handler(node, self.span(node))

    def _subtrees(self, node: Any) -> list[Any]:
        return [c for c in node.children if hasattr(c, "data") and c.data != _NL]

    def _expr_term(self, node: Any, span: Span) -> Expr:
        inner = self._subtrees(node)
        return self.expr(inner[0]) if inner else Opaque("empty", span)

    def _conditional(self, node: Any, span: Span) -> Expr:
        cond, then, otherwise = self._subtrees(node)[:3]
        return Conditional(self.expr(cond), self.expr(then), self.expr(otherwise), span)

    def _binary(self, node: Any, span: Span) -> Expr:
        left, term = self._subtrees(node)[:2]
        operator, right = self._subtrees(term)[:2]
        return Operation(str(operator.children[0].value), self.expr(left), self.expr(right), span)

    def _unary(self, node: Any, span: Span) -> Expr:
        operator = str(node.children[0].value)
        operand = self.expr(node.children[1])
        if operator == "-" and isinstance(operand, Literal) and isinstance(operand.value,
                                                                           (int, float)):
            return Literal(-operand.value, span)
        return Operation(operator, None, operand, span)

    def _literal_value(self, node: Any, span: Span) -> Expr:
        word = str(node.children[0].value)
        return Literal({"true": True, "false": False}.get(word), span)

    def _string(self, node: Any, span: Span) -> Expr:
        parts: list[str | Expr] = []
        for part in node.children:
            if getattr(part, "data", None) != "string_part":
                continue
            inner = part.children[0]
            kind = getattr(inner, "type", None)
            if kind == "STRING_CHARS":
                parts.append(_unescape(str(inner.value)))
            elif kind in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                parts.append(str(inner.value)[1:])
            elif getattr(inner, "data", None) == "interpolation":
                parts.append(self.expr(self._subtrees(inner)[0]))
            else:
                return Opaque("template-directive", span)
        merged: list[str | Expr] = []
        for item in parts:
            if isinstance(item, str) and merged and isinstance(merged[-1], str):
                merged[-1] += item
            else:
                merged.append(item)
        if all(isinstance(p, str) for p in merged):
            return Literal("".join(p for p in merged if isinstance(p, str)), span)
        return Template(tuple(merged), span)

    def _tuple(self, node: Any, span: Span) -> Expr:
        return TupleExpr(tuple(self.expr(c) for c in self._subtrees(node)), span)

    def _object(self, node: Any, span: Span) -> Expr:
        items: list[tuple[Expr, Expr]] = []
        for elem in self._subtrees(node):
            key_node, value_node = self._subtrees(elem)[:2]
            key_inner = self._subtrees(key_node)
            key = self.expr(key_inner[0]) if key_inner else Literal(self._name(key_node), span)
            if getattr(key_inner[0] if key_inner else None, "data", None) == "keyword":
                key = Literal(self._name(key_inner[0]), self.span(key_node))
            if isinstance(key, Ref) and len(key.parts) == 1:
                key = Literal(str(key.parts[0]), key.span)  # bare word key: a string
            items.append((key, self.expr(value_node)))
        return ObjectExpr(tuple(items), span)

    def _call(self, node: Any, span: Span) -> Expr:
        names = [self._name(c) for c in node.children if getattr(c, "data", None) == "identifier"]
        args: list[Expr] = []
        expand = False
        for child in node.children:
            if getattr(child, "data", None) == "arguments":
                args = [self.expr(a) for a in self._subtrees(child)]
                expand = any(getattr(t, "type", None) == "ELLIPSIS" for t in child.children)
        return Call("::".join(names), tuple(args), span, expand)

    def _heredoc(self, node: Any, span: Span) -> Expr:
        raw = str(node.children[0].value)
        lines = raw.split("\n")
        body_lines = lines[1:-2]  # drop `<<EOT` and the closing marker line
        if node.data == "heredoc_template_trim":
            indents = [len(x) - len(x.lstrip()) for x in body_lines if x.strip()]
            cut = min(indents) if indents else 0
            body_lines = [x[cut:] for x in body_lines]
        text = "\n".join(body_lines) + ("\n" if body_lines else "")
        return parse_template(text, span)

    def _traverse(self, node: Any, span: Span) -> Expr:
        base_node, step = node.children[0], node.children[1]
        base = self.expr(base_node)
        if not isinstance(base, Ref):
            return Opaque("traversal", span)
        if step.data == "get_attr":
            return Ref((*base.parts, self._name(step.children[1])), base.span)
        if step.data == "short_index":
            return Ref((*base.parts, int(step.children[1].value)), base.span)
        index = self.expr(self._subtrees(step)[0])
        if isinstance(index, Literal) and isinstance(index.value, (int, str)):
            return Ref((*base.parts, index.value), base.span)
        return Opaque("index", span)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return _ESCAPE_RE.sub(replace, text)
