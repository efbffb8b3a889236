"""Text output shows control characters from the repository instead of obeying them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlaudit.cli import main


def test_a_crafted_file_name_cannot_inject_escapes_or_lines(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "api\x1b[2J\n::error file=x::owned"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM python:latest\n", encoding="utf-8")
    assert main(["scan", str(tmp_path), "--root", str(tmp_path), "--select", "MLA203",
                 "--no-cache", "--no-color"]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert not any(line.startswith("::error") for line in out.splitlines())
    assert "api\\x1b[2J\\n::error file=x::owned/Dockerfile" in out
