"""A source rewrite that works around a rego-cpp compiler bug in policy tests."""

from __future__ import annotations

import re

_WITH_INPUT_RE = re.compile(r"\bwith\s+input\s+as\s+(?=\{)")


def rewrite_with_input(text: str) -> str:
    """`with input as {"a": A, "b": B}` -> `with input["a"] as A with input["b"] as B`.

    rego-cpp 1.5 fails to compile a rule that calls a built-in function under
    `with input as <object>` ("shape rego-localref has no field rego-refhead"), while
    replacing the input key by key works. In a test the real input is empty, so both mean
    the same. Only object literals whose keys are all string literals are rewritten;
    line breaks are kept, so every line number stays where it was.
    """
    out: list[str] = []
    position = 0
    for match in _WITH_INPUT_RE.finditer(text):
        if match.start() < position or _in_comment_or_string(text, match.start()):
            continue
        end = _matching_brace(text, match.end())
        if end is None:
            continue
        pairs = _object_pairs(text[match.end() + 1:end])
        if pairs is None:
            continue
        replacement = " ".join(f"with input[{key}] as {value}" for key, value in pairs)
        if not pairs:
            replacement = "with input as {}"
        original = text[match.start():end + 1]
        replacement += "\n" * (original.count("\n") - replacement.count("\n"))
        out.append(text[position:match.start()])
        out.append(replacement)
        position = end + 1
    out.append(text[position:])
    return "".join(out)


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


def _matching_brace(text: str, start: int) -> int | None:
    """Index of the `}` closing the `{` at `start` (strings and comments skipped)."""
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
        elif char == "#":
            newline = text.find("\n", i)
            if newline < 0:
                return None
            i = newline
            continue
        elif char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
            if depth == 0:
                return i if char == "}" else None
        i += 1
    return None


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
