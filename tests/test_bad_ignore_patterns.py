"""One invalid .gitignore line is reported at its line and skipped; the scan goes on."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import scan_dir


def test_invalid_gitignore_lines_are_reported_and_the_rest_applies(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("[z-a]\n\\\n!\nbuild/\n", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM python:latest\n", encoding="utf-8")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "Dockerfile").write_text("FROM python:latest\n", encoding="utf-8")
    result = scan_dir(tmp_path, rules=["MLA203"])
    assert [f.location.path for f in result.active] == ["Dockerfile"]  # build/ still ignored
    bad = [d for d in result.diagnostics if d.code == "bad-ignore-pattern"]
    assert [(d.span.path, d.span.line) for d in bad if d.span] == [
        (".gitignore", 1), (".gitignore", 2), (".gitignore", 3)]
