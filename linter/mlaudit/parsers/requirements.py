"""pip requirements files (requirements*.txt / *.in): one PEP 508 requirement per line.

The line structure (comments, `\\` continuations, `-r`/`-c` includes, global options,
per-requirement `--hash`) follows pip's documented requirements-file format; each
requirement string itself is parsed by `packaging` (the PyPA's reference implementation
of PEP 508). Included files are recorded, not read: a parser reads only its own file.
"""

from __future__ import annotations

import re
import shlex

from mlaudit.models.packages import PipOption, Requirement, RequirementInclude, Requirements
from mlaudit.models.packages import normalise_name as _normalise
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "1"

_INCLUDES = {"-r": False, "--requirement": False, "-c": True, "--constraint": True}
_LONG = {"-i": "--index-url", "-f": "--find-links", "-e": "--editable"}
_EGG_RE = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def _strip_comment(line: str) -> str:
    """The line without its comment: a `#` at the start or after whitespace, and the
    whitespace before it (string operations: the `(^|\\s+)#` pattern was quadratic on a
    long run of blanks)."""
    at = line.find("#")
    while at != -1:
        if at == 0 or line[at - 1].isspace():
            return line[:at].rstrip()
        at = line.find("#", at + 1)
    return line


def _logical_lines(text: str) -> list[tuple[int, int, str]]:
    """(line, column, text) per logical line: comments stripped, continuations joined."""
    out: list[tuple[int, int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw)
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        joined = " ".join(part.strip() for part in pending).strip()
        first = next((p for p in pending if p.strip()), "")
        column = len(first) - len(first.lstrip()) + 1
        pending = []
        if joined:
            out.append((start, column, joined))
    if pending and " ".join(pending).strip():  # a trailing backslash at end of file
        first = next((p for p in pending if p.strip()), "")
        out.append((start, len(first) - len(first.lstrip()) + 1, " ".join(pending).strip()))
    return out


def _split_options(line: str) -> tuple[str, list[str]]:
    """pip's rule: the requirement is every token before the first one starting with '-'."""
    tokens = line.split(" ")
    for index, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:index]).strip(), _shlex(" ".join(tokens[index:]))
    return line, []


def _shlex(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # unbalanced quote: fall back to whitespace
        return text.split()


def _hashes(options: list[str]) -> tuple[str, ...]:
    found = []
    for index, token in enumerate(options):
        if token.startswith("--hash="):
            found.append(token.split("=", 1)[1])
        elif token == "--hash" and index + 1 < len(options):
            found.append(options[index + 1])
    return tuple(found)


def parse_requirement(text: str, span: Span, *, group: str | None = None,
                      editable: bool = False, hashes: tuple[str, ...] = ()
                      ) -> Requirement | None:
    """One PEP 508 string (or a URL with `#egg=name`) -> Requirement; None if unnamed."""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    try:
        parsed = Pep508(text)
    except InvalidRequirement:
        egg = _EGG_RE.search(text)
        if egg is None:
            return None  # a bare path or URL: cannot tell which project it installs
        return Requirement(_normalise(egg.group(1)), "", span, text, url=text,
                           editable=editable, group=group, hashes=hashes)
    return Requirement(_normalise(parsed.name), str(parsed.specifier), span, text,
                       tuple(sorted(parsed.extras)),
                       str(parsed.marker) if parsed.marker else None, parsed.url,
                       hashes, editable, group)


def parse(source: SourceFile) -> Requirements:
    packages: list[Requirement] = []
    includes: list[RequirementInclude] = []
    options: list[PipOption] = []
    for line, column, text in _logical_lines(source.text):
        span = Span(source.path, line, column)
        if text.startswith("-"):
            tokens = _shlex(text)
            flag, _, inline = tokens[0].partition("=")
            value = inline or (tokens[1] if len(tokens) > 1 else "")
            if flag in _INCLUDES:
                includes.append(RequirementInclude(value, _INCLUDES[flag], span))
            elif _LONG.get(flag, flag) == "--editable":
                requirement = parse_requirement(value, span, editable=True)
                if requirement is not None:
                    packages.append(requirement)
            else:
                options.append(PipOption(_LONG.get(flag, flag), value, span))
            continue
        requirement_text, extra = _split_options(text)
        requirement = parse_requirement(requirement_text, span, hashes=_hashes(extra))
        if requirement is not None:
            packages.append(requirement)
    return Requirements(source.path, tuple(packages), tuple(includes), tuple(options))
