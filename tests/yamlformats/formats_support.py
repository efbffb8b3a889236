"""Helpers for the format parser tests: parse a fixture or inline text the way the engine does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlaudit.parsers import parser_for
from mlaudit.sources import FileKind, SourceFile, classify

REPO = Path(__file__).resolve().parents[2]
FORMATS = REPO / "fixtures" / "formats"


def parse_fixture(relative: str) -> Any:
    """Parse fixtures/formats/<relative> with the parser its name selects."""
    path = f"fixtures/formats/{relative}"
    kind = classify(path)
    assert kind is not None
    found = parser_for(kind)
    assert found is not None
    return found[0](SourceFile(path, REPO / path, kind))


def parse_text(tmp_path: Path, name: str, text: str, kind: FileKind | None = None) -> Any:
    """Write `text` as `name` under tmp_path and parse it (path `name`, repo-relative)."""
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    resolved = kind or classify(name)
    assert resolved is not None
    found = parser_for(resolved)
    assert found is not None
    return found[0](SourceFile(name, target, resolved))


def line_of(relative: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line containing `needle` in a fixture file."""
    seen = 0
    lines = (FORMATS / relative).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in {relative}")
