"""Shared helpers of the hardening tests: a bounded in-process scan and a planted secret
in a sibling file that every hostile-input test expects still reported."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# A GitHub token in a Dockerfile: reported by MLA102 whatever else the repository holds.
SIBLING_TOKEN = "ghp_Q7mZ2xL9vK4pW8nT3bJ6yH1cS5dF0gA2eU9r"
SIBLING_RULE = "MLA102"


def plant_sibling(root: Path) -> None:
    (root / "sibling").mkdir(exist_ok=True)
    (root / "sibling" / "Dockerfile").write_text(
        f"FROM python:3.12-slim\nENV GITHUB_TOKEN={SIBLING_TOKEN}\n", encoding="utf-8")


def sibling_reported(findings: list) -> bool:  # type: ignore[type-arg]
    return any(f.rule_id == SIBLING_RULE and f.location.path == "sibling/Dockerfile"
               for f in findings)


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block runs longer than `seconds`."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - Windows
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def sibling(tmp_path: Path) -> Path:
    plant_sibling(tmp_path)
    return tmp_path
