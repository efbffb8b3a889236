"""A source rewrite that works around a rego-cpp compiler bug in policy tests."""

from __future__ import annotations

import re

_WITH_RE = re.compile(r"\bwith\s+(input(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s+as\s+")


def rewrite_with_input(text: str) -> str:
    """Make `with input ... as VALUE` mean what OPA means under rego-cpp 1.5.

    Two rego-cpp compiler bugs bite policy tests: a rule that calls a built-in function
    under `with input as <object>` fails to compile ("shape rego-localref has no field
    rego-refhead"), and `with input.nodes as some_rule` silently replaces the input with
    nothing, so a test of a policy passes for the wrong reason. Replacing the input key by
    key from local variables works. So, in a statement on one line:

        found := deny with input as {"nodes": nodes, "edges": []}

    becomes

        __in1_0 := nodes; __in1_1 := []; found := deny with input["nodes"] as __in1_0 \
            with input["edges"] as __in1_1      (one line)

    In a test the real input is empty, so both forms mean the same. Only object literals
    whose keys are all string literals are split; line breaks are kept, so a statement
    keeps its line number (the first of it).
    """
    edits: list[tuple[int, int, int, str, str]] = []  # indent end, start, end, hoisted, clauses
    position = 0
    for match in _WITH_RE.finditer(text):
        if match.start() < position or _in_comment_or_string(text, match.start()):
            continue
        target = match.group(1)
        value_end = _value_end(text, match.end())
        if value_end is None:
            continue
        value = text[match.end():value_end]
        pairs: list[tuple[str, str]] | None = None
        if target == "input" and value.startswith("{"):
            pairs = _object_pairs(value[1:-1])
        if pairs is None:
            pairs = [("", value)]
        names = [f"__in{len(edits) + 1}_{i}" for i in range(len(pairs))]
        clauses = " ".join(
            f"with {target}[{key}] as {name}" if key else f"with {target} as {name}"
            for (key, _), name in zip(pairs, names, strict=True))
        hoisted = "".join(f"{name} := {' '.join(val.split())}; "
                          for (_, val), name in zip(pairs, names, strict=True))
        line_start = text.rfind("\n", 0, match.start()) + 1
        rest = text[line_start:]
        indent_end = line_start + len(rest) - len(rest.lstrip(" \t"))
        edits.append((indent_end, match.start(), value_end, hoisted, clauses))
        position = value_end
    out: list[str] = []
    position = 0
    for index, (indent_end, start, end, _, clauses) in enumerate(edits):
        if index == 0 or edits[index - 1][0] != indent_end:  # first `with` of its line
            out.append(text[position:indent_end])
            out.append("".join(e[3] for e in edits if e[0] == indent_end))
            position = indent_end
        original = text[start:end]
        out.append(text[position:start])
        out.append(clauses + "\n" * original.count("\n"))
        position = end
    out.append(text[position:])
    return "".join(out)


def _value_end(text: str, start: int) -> int | None:
    """Where the expression after `as` ends: at depth 0, a line break, `;`, a closing
    bracket of an enclosing expression, or the next `with`."""
    depth = 0
    quote = ""
    i = start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\" and quote == '"':
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"`":
            quote = char
        elif char == "#" and depth == 0:
            break
        elif char in "{[(":
            depth += 1
        elif char in "}])":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (char in "\n;" or text.startswith(" with ", i)):
            break
        i += 1
    if quote or depth:
        return None
    end = i
    while end > start and text[end - 1] in " \t":
        end -= 1
    return end if end > start else None


def _in_comment_or_string(text: str, index: int) -> bool:
    line_start = text.rfind("\n", 0, index) + 1
    state = _scan(text[line_start:index])
    return state != "code"


def _scan(fragment: str) -> str:
    """Whether the end of a one-line fragment is in code, a string or a comment."""
    quote = ""
    i = 0
    while i < len(fragment):
        char = fragment[i]
        if quote:
            if char == "\\" and quote == '"':
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"`":
            quote = char
        elif char == "#":
            return "comment"
        i += 1
    return "string" if quote else "code"


def _object_pairs(body: str) -> list[tuple[str, str]] | None:
    """Top-level `"key": value` pairs of an object literal's body, or None when a key is
    not a string literal (then the text is left alone)."""
    items: list[str] = []
    depth = 0
    quote = ""
    current: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        current.append(char)
        if quote:
            if char == "\\" and quote == '"' and i + 1 < len(body):
                current.append(body[i + 1])
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"`":
            quote = char
        elif char == "#":
            newline = body.find("\n", i)
            newline = len(body) if newline < 0 else newline
            current.pop()
            i = newline
            continue
        elif char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
        elif char == "," and depth == 0:
            current.pop()
            items.append("".join(current))
            current = []
        i += 1
    if "".join(current).strip():
        items.append("".join(current))
    pairs: list[tuple[str, str]] = []
    for item in items:
        match = re.match(r'\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*:(.*)\Z', item, re.S)
        if match is None:
            return None
        pairs.append((match.group(1), match.group(2).strip()))
    return pairs
