"""Text output in the style of ruff and zizmor: clickable `path:line:col:` lines, the
source line with a caret, related locations, a help line, wrapping that keeps the layout,
counts by rule; colour and the excerpt on a terminal, plain when piped."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlaudit.cli import main
from tests.cli.conftest import BAD_DOCKERFILE, REPO, CliRunner, make_repo, run_process

GOLDEN = REPO / "tests" / "golden" / "compose-ec2-text.txt"
PROJECT = REPO / "fixtures" / "projects" / "compose-ec2"
GOLDEN_RULES = "MLA201,MLA202,MLA203,MLA320,MLA701"


def _golden_run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                *extra: str) -> str:
    monkeypatch.chdir(PROJECT)
    capsys.readouterr()
    code = main(["scan", ".", "--no-cache", "--select", GOLDEN_RULES, "--color", "never",
                 *extra])
    assert code == 1
    return capsys.readouterr().out


def test_text_output_golden(capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole layout, pinned on a realistic project (run from inside it: paths are
    relative to the current directory)."""
    out = _golden_run(capsys, monkeypatch, "--show-source")
    if os.environ.get("MLAUDIT_UPDATE_GOLDEN"):
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8"), (
        "text output changed: rerun with MLAUDIT_UPDATE_GOLDEN=1 if that is intended")


def test_golden_holds_every_part_of_a_finding() -> None:
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    first = ("Dockerfile:1:1: medium MLA201 [dockerfile-healthcheck-missing] final stage "
             "FROM python:3.10 runs gunicorn and defines no HEALTHCHECK")
    at = lines.index(first)
    assert lines[at + 1:at + 4] == ["  |", "1 | FROM python:3.10", "  | ^^^^^^^^^^^^^^^^"]
    assert lines[at + 4].startswith("  = docker-compose.yml:2:3: ")
    assert lines[at + 5].startswith("  help: ") and lines[at + 5].endswith(
        "(mlaudit explain MLA201)")
    assert "   |     ^^^^^^^^^^^^^^^^^^^" in lines  # the caret under `image: nginx:latest`


def test_paths_are_relative_to_the_current_directory_in_text_only(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = _golden_run(capsys, monkeypatch)
    assert out.startswith("Dockerfile:1:1: ")
    monkeypatch.chdir(PROJECT / "terraform")
    main(["scan", "..", "--no-cache", "--select", "MLA320", "--color", "never"])
    assert capsys.readouterr().out.startswith("main.tf:47:5: high MLA320 ")
    main(["scan", "..", "--no-cache", "--select", "MLA320", "--format", "json"])
    paths = {f["location"]["path"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert paths == {"fixtures/projects/compose-ec2/terraform/main.tf"}


def test_piped_output_has_no_excerpt_unless_asked(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _golden_run(capsys, monkeypatch)
    assert " | " not in plain and "^^^" not in plain
    assert "help: " in plain
    shown = _golden_run(capsys, monkeypatch, "--show-source").splitlines()
    assert len([ln for ln in shown if ln.rstrip().endswith("^^^")]) == 5
    assert "^^^" not in _golden_run(capsys, monkeypatch, "--no-show-source")


def test_statistics_count_findings_by_rule(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a/Dockerfile": BAD_DOCKERFILE,
                                      "b/Dockerfile": BAD_DOCKERFILE,
                                      "c/Dockerfile": BAD_DOCKERFILE.replace(
                                          "python:3.12-slim", "python:latest")})
    run = cli("scan", "--no-cache", "--statistics", ".", cwd=repo)
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[:3] == ["3  MLA201  medium    [dockerfile-healthcheck-missing]",
                         "3  MLA202  medium    [dockerfile-user-root]",
                         "1  MLA203  medium    [image-tag-mutable]"]
    assert "Dockerfile:1:1" not in run.out
    assert lines[-1].startswith("7 findings")


def test_long_lines_wrap_under_their_indent(cli: CliRunner, tmp_path: Path) -> None:
    from mlaudit.severity import Severity
    from mlaudit_reports import ReportContext
    from mlaudit_reports.text import render
    from tests.helpers import scan_dir

    result = scan_dir(PROJECT, rules=["MLA701"], root=REPO, paths=[PROJECT])
    text = render(result, ReportContext(fail_on=Severity.LOW, width=72, base=REPO))
    body = [ln for ln in text.splitlines() if ln and not ln.startswith(("0", "1", "2"))]
    assert body and all(len(ln) <= 72 for ln in body[:-1]), text
    first = body[0]
    assert first.startswith("fixtures/projects/compose-ec2/terraform/main.tf:38:5: high MLA701")
    # Continuation lines are indented, never at column 0 (which would read as a new finding).
    continuation = body[1:body.index(next(ln for ln in body if ln.startswith("  = ")))]
    assert continuation and all(ln.startswith("    ") for ln in continuation)


def test_an_excerpt_never_shows_a_secret(tmp_path: Path, cli: CliRunner) -> None:
    repo = make_repo(tmp_path / "r", {"Dockerfile": (
        'FROM python:3.12-slim\nENV AWS_ACCESS_KEY_ID="AKIAZ7Q2WMBXK4TRD3PL"\n'
        'ENV API_TOKEN=9f8e7d6c5b4a39281716 PORT=8000\n')})
    for rules in ("MLA101", "MLA101,MLA102", "MLA202"):
        run = cli("scan", "--no-cache", "--show-source", "--select", rules, ".", cwd=repo)
        assert "AKIAZ7Q2WMBXK4TRD3PL" not in run.out and "9f8e7d6c5b4a39281716" not in run.out
    run = cli("scan", "--no-cache", "--show-source", "--select", "MLA101", ".", cwd=repo)
    assert '2 | ENV AWS_ACCESS_KEY_ID="AKIA****************"' in run.out


def _read_pty(master: int, process: subprocess.Popen[bytes]) -> str:
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    process.wait(timeout=60)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_terminal_gets_colour_and_the_caret(tmp_path: Path) -> None:
    """The real entry point, on a real pseudo-terminal (no flag): colour, the source line
    and the caret; the same run piped is plain."""
    repo = make_repo(tmp_path / "r", {"Dockerfile": BAD_DOCKERFILE})
    env = {k: v for k, v in os.environ.items()
           if k not in {"NO_COLOR", "FORCE_COLOR", "PRE_COMMIT"}}
    env["PYTHONPATH"] = os.pathsep.join(str(REPO / d) for d in ("linter", "rules", "reports"))
    env["MLAUDIT_CACHE_DIR"] = str(tmp_path / "cache")
    env["COLUMNS"] = "100"
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlaudit", "scan", "--select", "MLA201", "."], cwd=repo,
        env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    try:
        out = _read_pty(master, process)
    finally:
        os.close(master)
    assert process.returncode == 1, out
    assert "\x1b[1mDockerfile:1:1\x1b[0m: \x1b[33mmedium\x1b[0m" in out
    assert "\x1b[34m1\x1b[0m \x1b[34m|\x1b[0m FROM python:3.12-slim" in out
    assert "\x1b[33m^^^^^^^^^^^^^^^^^^^^^\x1b[0m" in out
    piped = run_process(["scan", "--select", "MLA201", "."], repo,
                        {"MLAUDIT_CACHE_DIR": str(tmp_path / "cache")})
    assert "\x1b" not in piped.stdout and "^^^" not in piped.stdout
    assert piped.stdout.startswith("Dockerfile:1:1: medium MLA201 ")


def test_color_always_and_never(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"Dockerfile": BAD_DOCKERFILE})
    assert "\x1b[" in cli("scan", "--no-cache", "--color", "always", ".", cwd=repo).out
    assert "\x1b[" not in cli("scan", "--no-cache", "--color", "never", ".", cwd=repo).out
    assert "\x1b[" not in cli("scan", "--no-cache", "--no-color", ".", cwd=repo).out
