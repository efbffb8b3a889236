"""pyproject.toml dependencies: PEP 621 `[project]`, PEP 735 `[dependency-groups]` and Poetry.

`tomllib` parses the document; it gives no positions, so each dependency's line is found by
scanning the text for the exact string (PEP 508 list entries) or the table key (Poetry),
taking occurrences in order so a name declared twice maps to two different lines.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from mlaudit.models.packages import Requirement, Requirements
from mlaudit.parsers import ParseError
from mlaudit.parsers.requirements import parse_requirement
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "1"

_TOML_POS_RE = re.compile(r"\(at line (\d+), column (\d+)\)")


class _Locator:
    """Finds the span of a dependency string or key, never reusing an occurrence."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.used: set[int] = set()

    def find(self, pattern: str, start: int = 0) -> Span:
        for match in re.finditer(pattern, self.text[start:], re.M):
            offset = start + match.start(1)
            if offset not in self.used:
                self.used.add(offset)
                line = self.text.count("\n", 0, offset) + 1
                column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
                return Span(self.path, line, column)
        return Span(self.path)  # not found verbatim (escapes, multi-line strings)

    def string(self, value: str) -> Span:
        escaped = re.escape(value)
        return self.find(rf"""["']({escaped})["']""")

    def key(self, name: str, section: str) -> Span:
        header = re.search(rf"^\s*\[\s*{re.escape(section)}\s*\]", self.text, re.M)
        start = header.end() if header else 0
        return self.find(rf"""^\s*(["']?{re.escape(name)}["']?)\s*=""", start)


def _poetry_requirement(name: str, value: Any, span: Span, group: str | None) -> Requirement:
    from mlaudit.models.packages import normalise_name

    spec = ""
    extras: tuple[str, ...] = ()
    marker = url = None
    if isinstance(value, str):
        spec = value
    elif isinstance(value, dict):
        spec = str(value.get("version", ""))
        extras = tuple(str(e) for e in value.get("extras", ()) if isinstance(e, str))
        marker = str(value["markers"]) if "markers" in value else None
        url = next((str(value[k]) for k in ("git", "url", "path") if k in value), None)
        if group is None and value.get("optional") is True:
            group = "optional"
    return Requirement(normalise_name(name), "" if spec == "*" else spec, span, f"{name}",
                       extras, marker, url, group=group)


def _strings(items: Any) -> list[str]:
    return [i for i in items if isinstance(i, str)] if isinstance(items, list) else []


def parse(source: SourceFile) -> Requirements:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(source.text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POS_RE.search(str(exc))
        line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        raise ParseError(f"invalid TOML: {_TOML_POS_RE.sub('', str(exc)).strip()}",
                         line, column) from None
    locate = _Locator(source.path, source.text)
    packages: list[Requirement] = []

    def add_pep508(items: Any, group: str | None) -> None:
        for item in _strings(items):
            requirement = parse_requirement(item, locate.string(item), group=group)
            if requirement is not None:
                packages.append(requirement)

    project = data.get("project")
    if isinstance(project, dict):
        add_pep508(project.get("dependencies"), None)
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for group, items in optional.items():
                add_pep508(items, str(group))
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for group, items in groups.items():
            add_pep508(items, str(group))
    poetry = data.get("tool", {}).get("poetry") if isinstance(data.get("tool"), dict) else None
    if isinstance(poetry, dict):
        tables: list[tuple[str, str | None, Any]] = [
            ("tool.poetry.dependencies", None, poetry.get("dependencies")),
            ("tool.poetry.dev-dependencies", "dev", poetry.get("dev-dependencies")),
        ]
        for group, body in (poetry.get("group") or {}).items():
            if isinstance(body, dict):
                tables.append((f"tool.poetry.group.{group}.dependencies", str(group),
                               body.get("dependencies")))
        for section, group, table in tables:
            if not isinstance(table, dict):
                continue
            for name, value in table.items():
                if name.lower() == "python":
                    continue  # the interpreter constraint, not a package
                packages.append(_poetry_requirement(name, value, locate.key(name, section),
                                                    group))
    return Requirements(source.path, tuple(packages), source="pyproject")
