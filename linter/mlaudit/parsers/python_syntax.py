"""Tell syntax newer than the running Python from a syntax error.

`ast` parses with the grammar of the interpreter that runs mlaudit, and `feature_version`
only goes backwards, so a file written for a newer Python fails to parse. Such a file is
not broken: it deserves a notice, not an error. To decide, each construct newer than the
running interpreter is rewritten, line count intact, into an older equivalent (a `type`
alias into an assignment, a type parameter list away, a PEP 701 f-string into a plain
string) and the file is parsed again: if it then parses, the failure was the newer syntax;
if it still fails, the remaining error is real in every version and is reported as one.

The table starts at the oldest Python mlaudit supports (3.10); constructs of 3.10 and
older can never be the cause.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

Version = tuple[int, int]


@dataclass(frozen=True)
class NewerSyntax:
    feature: str  # e.g. "a PEP 695 type statement"
    version: Version  # the first Python that accepts it
    line: int  # 1-based, where the construct is


@dataclass
class _Rewrite:
    text: str
    found: list[NewerSyntax]


def newer_syntax(text: str, error: SyntaxError,
                 running: Version | None = None) -> NewerSyntax | SyntaxError | None:
    """What made `text` fail to parse with `error`.

    A `NewerSyntax` when every failure is a construct newer than `running` (default: this
    interpreter); a `SyntaxError` (lines as in `text`) when, with the newer constructs
    rewritten, a real error remains; None when no newer construct is involved.
    """
    version = running or (sys.version_info[0], sys.version_info[1])
    state = _Rewrite(text, [])
    for rewriter in _REWRITERS:
        rewriter(state, version)
    if not state.found:
        return None
    try:
        ast.parse(state.text)
    except SyntaxError as remaining:
        return remaining
    except (ValueError, RecursionError):
        return None
    line = error.lineno or 0
    at_error = [f for f in state.found if f.line == line]
    return max(at_error or state.found, key=lambda f: f.version)


# ---- line-shaped constructs ---------------------------------------------------------

_TYPE_STMT_RE = re.compile(r"^([ \t]*)type[ \t]+([A-Za-z_]\w*)[ \t]*(?=[\[=])", re.M)
_GENERIC_DEF_RE = re.compile(r"^([ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+[A-Za-z_]\w*[ \t]*)\[",
                             re.M)
_EXCEPT_STAR_RE = re.compile(r"^([ \t]*)except[ \t]*\*", re.M)
_EXCEPT_LIST_RE = re.compile(r"^([ \t]*except[ \t]+)([^\s(:#][^:#\n]*,[^:#\n]*?)([ \t]*:)", re.M)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _bracket_end(text: str, start: int) -> int | None:
    """Index after the `]` matching the `[` at `start` (quotes skipped)."""
    depth, i, n = 0, start, len(text)
    while i < n:
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1 if ch == "]" else None
        elif ch in "\"'":
            close = text.find(ch, i + 1)
            if close < 0:
                return None
            i = close
        i += 1
    return None


def _erase(text: str) -> str:
    """A span's replacement: nothing, its line breaks kept as explicit continuations."""
    return " \\\n" * text.count("\n")


def _type_parameters(state: _Rewrite, running: Version) -> None:
    """PEP 695 type parameter lists (3.12; defaults, PEP 696: 3.13) on def and class."""
    out, last = [], 0
    text = state.text
    for match in _GENERIC_DEF_RE.finditer(text):
        start = match.end() - 1
        end = _bracket_end(text, start)
        if end is None or start < last:
            continue
        since = (3, 13) if "=" in text[start:end] else (3, 12)
        if since <= running:
            continue
        out.append(text[last:start] + _erase(text[start:end]))
        last = end
        feature = ("a PEP 695 type parameter list" if since == (3, 12)
                   else "a PEP 696 type parameter default")
        state.found.append(NewerSyntax(feature, since, _line_of(text, start)))
    state.text = "".join(out) + text[last:]


def _type_statements(state: _Rewrite, running: Version) -> None:
    """PEP 695 `type X[T] = ...` (3.12): an assignment to X."""
    out, last = [], 0
    text = state.text
    for match in _TYPE_STMT_RE.finditer(text):
        end = match.end()
        params = ""
        if text.startswith("[", end):
            close = _bracket_end(text, end)
            if close is None:
                continue
            params, end = text[end:close], close
        since = (3, 13) if "=" in params else (3, 12)
        if since <= running or match.start() < last:
            continue
        out.append(text[last:match.start()] + f"{match.group(1)}{match.group(2)} "
                   + _erase(params))
        last = end
        state.found.append(NewerSyntax("a PEP 695 type statement", since,
                                       _line_of(text, match.start())))
    state.text = "".join(out) + text[last:]


def _except_star(state: _Rewrite, running: Version) -> None:
    """PEP 654 `except*` (3.11)."""
    if running >= (3, 11):
        return
    for match in _EXCEPT_STAR_RE.finditer(state.text):
        state.found.append(NewerSyntax("PEP 654 except*", (3, 11),
                                       _line_of(state.text, match.start())))
    state.text = _EXCEPT_STAR_RE.sub(r"\1except ", state.text)


def _except_list(state: _Rewrite, running: Version) -> None:
    """PEP 758 `except A, B:` without parentheses (3.14)."""
    if running >= (3, 14):
        return

    def wrap(match: re.Match[str]) -> str:
        if re.search(r"\bas\b", match.group(2)):
            return match.group(0)  # `except A, B as e:` is an error in every version
        state.found.append(NewerSyntax("a PEP 758 except list", (3, 14),
                                       _line_of(state.text, match.start())))
        return f"{match.group(1)}({match.group(2)}){match.group(3)}"

    state.text = _EXCEPT_LIST_RE.sub(wrap, state.text)


# ---- f-strings (PEP 701, 3.12) and t-strings (PEP 750, 3.14) ------------------------

_STRING_START_RE = re.compile(r"(?<![\w])([rRbBuUfFtT]{0,2})('''|\"\"\"|'|\")")


def _string_end(text: str, start: int, match: re.Match[str]) -> int | None:
    """Index after the string literal `match` opens at `start`, read with the newest
    grammar: a replacement field may hold any expression, quotes included."""
    prefix, quote = match.group(1).lower(), match.group(2)
    formatted = "f" in prefix or "t" in prefix
    i, n = start + len(match.group(0)), len(text)
    while i < n:
        if text.startswith(quote, i):
            return i + len(quote)
        ch = text[i]
        if ch == "\n" and len(quote) == 1:
            return None
        if ch == "\\":
            i += 2
            continue
        if formatted and ch in "{}":
            if text.startswith(ch * 2, i):
                i += 2
                continue
            if ch == "}":
                return None
            end = _field_end(text, i + 1)
            if end is None:
                return None
            i = end
            continue
        i += 1
    return None


def _field_end(text: str, i: int) -> int | None:
    """Index after the `}` closing a replacement field whose expression starts at `i`;
    None when the expression is not one any Python accepts."""
    depth, n = 0, len(text)
    expr: list[str] = []
    while i < n:
        ch = text[i]
        match = _STRING_START_RE.match(text, i) if ch in "\"'rRbBuUfFtT" else None
        if match and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = _string_end(text, i, match)
            if end is None:
                return None
            nested = "f" in match.group(1).lower() or "t" in match.group(1).lower()
            expr.append('""' if nested else text[i:end])
            i = end
            continue
        if ch == "#":
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "}":
            if depth == 0:
                return i + 1 if _expression(expr) else None
            depth -= 1
        elif depth == 0 and (ch == ":" or (ch == "!" and not text.startswith("!=", i))):
            # a conversion or a format spec ends the expression
            return _spec_end(text, i + 1) if _expression(expr) else None
        elif (depth == 0 and ch == "=" and not text.startswith("==", i)
              and (not expr or expr[-1] not in "=!<>")):
            i += 1  # the self-documenting `{x=}`
            continue
        expr.append(ch)
        i += 1
    return None


def _spec_end(text: str, i: int) -> int | None:
    """Index after the `}` that ends a conversion or format spec (nested fields allowed)."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "}":
            return i + 1
        if ch == "{":
            end = _field_end(text, i + 1)
            if end is None:
                return None
            i = end
            continue
        if ch == "\n":
            return None
        i += 1
    return None


def _expression(parts: list[str]) -> bool:
    source = "".join(parts)
    if not source.strip():
        return False
    try:
        ast.parse(f"(\n{source}\n)", mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def _accepted(literal: str) -> bool:
    try:
        ast.parse(literal, mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def _formatted_strings(state: _Rewrite, running: Version) -> None:
    """f-strings this Python rejects but PEP 701 accepts, and t-strings: plain strings."""
    if running >= (3, 14):
        return
    text, n = state.text, len(state.text)
    out, last, i = [], 0, 0
    while i < n:
        ch = text[i]
        if ch == "#":
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
            continue
        match = _STRING_START_RE.match(text, i) if ch in "\"'rRbBuUfFtT" else None
        if match is None or (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            i += 1
            continue
        end = _string_end(text, i, match)
        if end is None:
            i += len(match.group(0))  # broken here in every version: left for ast to report
            continue
        prefix = match.group(1).lower()
        literal = text[i:end]
        feature: tuple[str, Version] | None = None
        if "t" in prefix:
            feature = ("a PEP 750 t-string", (3, 14))
        elif "f" in prefix and running < (3, 12) and not _accepted(literal):
            feature = ("a PEP 701 f-string", (3, 12))
        if feature is not None:
            state.found.append(NewerSyntax(feature[0], feature[1], _line_of(text, i)))
            out.append(text[last:i] + ('""' if "\n" not in literal
                                       else '"""' + "\n" * literal.count("\n") + '"""'))
            last = end
        i = end
    state.text = "".join(out) + text[last:]


_REWRITERS: tuple[Callable[[_Rewrite, Version], None], ...] = (
    _formatted_strings, _type_statements, _type_parameters, _except_star, _except_list)
