"""Scan each fixture project once per test session (no rules: the model only)."""

from __future__ import annotations

from pathlib import Path

from mlaudit.engine import ScanResult
from tests.helpers import FIXTURES, scan_dir

PROJECTS = FIXTURES / "projects"
_CACHE: dict[str, ScanResult] = {}


def scanned(name: str, rules: list[str] | None = None) -> ScanResult:
    key = f"{name}:{rules}"
    if key not in _CACHE:
        path: Path = PROJECTS / name
        _CACHE[key] = scan_dir(path, rules=rules or ["MLA001"])
    return _CACHE[key]

