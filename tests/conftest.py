"""Shared pytest configuration. Fixture data lives in ../fixtures and is never imported."""

from __future__ import annotations

import os

import pytest

# Tests must never write to the user's cache or read a stale one.
os.environ.setdefault("MLAUDIT_CACHE_DIR", os.path.join(os.path.dirname(__file__), ".cache-unused"))


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                    ) -> None:
    monkeypatch.setenv("MLAUDIT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "mlaudit-cache"))
    monkeypatch.delenv("PRE_COMMIT", raising=False)
