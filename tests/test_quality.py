"""The repository is ruff- and mypy --strict-clean (configuration in pyproject.toml).

Run as subprocesses of the current interpreter, from the repository root, exactly as a
contributor runs `ruff check . && mypy`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                          text=True, check=False, timeout=600)


def test_ruff_clean() -> None:
    pytest.importorskip("ruff")
    out = _run("ruff", "check", "--no-cache", ".")
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_strict_clean() -> None:
    pytest.importorskip("mypy")
    out = _run("mypy")
    assert out.returncode == 0, out.stdout + out.stderr
