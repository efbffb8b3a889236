"""A scanned repository's config cannot choose where mlaudit reads cached data."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlaudit.cli import main


def test_repository_config_cache_dir_is_ignored(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".mlaudit.toml").write_text('cache-dir = "shipped-cache"\n', encoding="utf-8")
    (repo / "Dockerfile").write_text("FROM python:3.12-slim\n", encoding="utf-8")
    user_cache = tmp_path / "user-cache"
    monkeypatch.setenv("MLAUDIT_CACHE_DIR", str(user_cache))
    assert main(["scan", str(repo), "--root", str(repo), "--fail-on", "none"]) == 0
    assert not (repo / "shipped-cache").exists()
    assert user_cache.exists()
    assert "'cache-dir' is ignored" in capsys.readouterr().err
