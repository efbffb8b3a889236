"""Bad config or baseline input is a clear usage error (exit 2), never "internal error"."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlaudit.cli import main

BAD = {
    "not-utf8": b"\xff\xfe garbage",
    "deep": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n", encoding="utf-8")
    (tmp_path / "base.json").write_bytes(BAD[name])
    code = main(["scan", str(tmp_path), "--root", str(tmp_path), "--no-cache",
                 "--baseline", str(tmp_path / "base.json")])
    err = capsys.readouterr().err
    assert code == 2 and "not a valid mlaudit baseline" in err and "internal" not in err


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n", encoding="utf-8")
    (tmp_path / ".mlaudit.toml").write_bytes(b"a = " + BAD[name] if name == "deep"
                                             else BAD[name])
    code = main(["scan", str(tmp_path), "--root", str(tmp_path), "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2 and "invalid TOML" in err and "internal" not in err
