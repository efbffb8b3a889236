"""Helpers for the CLI tests: tiny repositories built in tmp dirs, and ways to run mlaudit.

Most tests call `mlaudit.cli.main` in-process (fast); a few run the real console entry in
a subprocess where the process boundary matters (TTY, colour, exit status, environment).
Scans select only the rules that exist from the start (MLA001, MLA101, MLA201-203) so
rules added later cannot change these expectations.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlaudit.cli import main

REPO = Path(__file__).resolve().parents[2]
BASE_RULES = "MLA001,MLA101,MLA201,MLA202,MLA203"

# A serving image with no HEALTHCHECK (MLA201) and no USER (MLA202), both medium; the FROM
# is the last line's anchor for both.
BAD_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY . /app
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""
GOOD_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY . /app
USER 10001
HEALTHCHECK --start-period=60s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""
# MLA203 (mutable tag) as well as MLA201/MLA202.
LATEST_DOCKERFILE = BAD_DOCKERFILE.replace("python:3.12-slim", "python:latest")


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def all(self) -> str:
        return self.out + self.err


def make_repo(root: Path, files: dict[str, str]) -> Path:
    """A git repository holding these files."""
    root.mkdir(parents=True, exist_ok=True)
    # A real repository: the root (and so every reported path) is its git top level.
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS",
                 "MLAUDIT_DEBUG", "PRE_COMMIT"):
        monkeypatch.delenv(name, raising=False)


CliRunner = Callable[..., Run]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """cli(*args, cwd=dir, select=True): run `mlaudit args` in-process."""

    def run(*args: str, cwd: Path | None = None, select: bool = True) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        argv = list(args)
        if select and argv and argv[0] in {"scan", "baseline"} and not any(
                a.startswith("--select") for a in argv):
            argv[1:1] = ["--select", BASE_RULES]
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err, captured.err
        return Run(code, captured.out, captured.err)

    return run


def run_process(args: list[str], cwd: Path, env: dict[str, str] | None = None,
                **kwargs: object) -> subprocess.CompletedProcess[str]:
    """The real entry point in a child process (stdout/stderr piped unless overridden)."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in {"NO_COLOR", "FORCE_COLOR", "PRE_COMMIT", "GITHUB_STEP_SUMMARY"}}
    # The child imports the same source tree the in-process tests do, not whatever copy
    # happens to be installed.
    sources = [str(REPO / d) for d in ("linter", "rules", "reports")]
    full_env["PYTHONPATH"] = os.pathsep.join([*sources, full_env.get("PYTHONPATH", "")])
    full_env.update(env or {})
    options: dict[str, object] = {"capture_output": True}
    options.update(kwargs)
    if "stderr" in options or "stdout" in options:
        options.pop("capture_output")
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "mlaudit", *args], cwd=cwd, env=full_env, text=True,
        check=False, timeout=120, **options)
