"""Diagnostics say what is true about a file: a notice for what mlaudit chose not to read
(a broken link, syntax newer than the running Python, a JSON-with-comments settings file),
an error only for a file that is broken. No diagnostic ever changes the exit status."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import BAD_DOCKERFILE, CliRunner, make_repo

needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges")


def _diagnostics(out: str) -> dict[str, dict[str, Any]]:
    """path -> diagnostic of a JSON report."""
    data = json.loads(out)
    return {(d.get("location") or {}).get("path"): d for d in data["diagnostics"]}


# ---- symbolic links ---------------------------------------------------------------------

@needs_symlinks
def test_broken_links_are_notices_and_never_change_the_exit_code(
        cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {})
    (repo / "backend.tf").symlink_to("generated/backend.tf")  # not generated yet
    (repo / "a.yaml").symlink_to("b.yaml")
    (repo / "b.yaml").symlink_to("a.yaml")  # a loop
    (repo / "self.json").symlink_to("self.json")
    run = cli("scan", "-f", "json", "--fail-on", "low", ".", cwd=repo)
    assert run.code == 0, run.all
    diags = _diagnostics(run.out)
    assert diags["backend.tf"]["level"] == "note"
    assert diags["backend.tf"]["message"] == "skipped: symbolic link to a missing target"
    for loop in ("a.yaml", "b.yaml", "self.json"):
        assert diags[loop]["level"] == "note"
        assert diags[loop]["message"] == "skipped: symbolic link loop"
    run = cli("scan", "--fail-on", "low", ".", cwd=repo)
    assert run.code == 0 and "backend.tf:1:1: note: skipped" in run.out, run.all


@needs_symlinks
def test_broken_link_to_a_file_mlaudit_would_not_read_is_silent(
        cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {})
    (repo / "latest").symlink_to("runs/2024-01-01")  # a results link, no format of ours
    run = cli("scan", "-f", "json", ".", cwd=repo)
    assert run.code == 0 and json.loads(run.out)["diagnostics"] == [], run.all


@needs_symlinks
def test_broken_links_beside_findings_keep_the_findings_exit_code(
        cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"Dockerfile": BAD_DOCKERFILE})
    (repo / "compose.yaml").symlink_to("deploy/compose.yaml")
    run = cli("scan", "-f", "json", ".", cwd=repo)
    assert run.code == 1, run.all  # from the Dockerfile's findings
    assert _diagnostics(run.out)["compose.yaml"]["level"] == "note"
    run = cli("scan", "--fail-on", "none", ".", cwd=repo)
    assert run.code == 0, run.all


@needs_symlinks
def test_broken_link_named_on_the_command_line_is_a_notice_once(
        cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"Dockerfile": "FROM python:3.12-slim\nUSER 1000\n"})
    (repo / "main.tf").symlink_to("missing.tf")
    (repo / "loop.tf").symlink_to("loop.tf")
    run = cli("scan", "-f", "json", "main.tf", "loop.tf", cwd=repo)
    assert run.code == 0, run.all
    data = json.loads(run.out)
    assert [(d["location"]["path"], d["level"]) for d in data["diagnostics"]] == [
        ("main.tf", "note"), ("loop.tf", "note")]


@needs_symlinks
def test_notices_are_github_notices(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {})
    (repo / "main.tf").symlink_to("missing.tf")
    run = cli("scan", "-f", "github", ".", cwd=repo)
    assert run.code == 0, run.all
    assert run.out.startswith("::notice file=main.tf"), run.out


# ---- notices from parsers -----------------------------------------------------------------

def test_newer_python_and_jsonc_never_fail_a_scan(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {
        "app/types.py": "type Vector = list[float]\n\n\ndef first[T](xs: list[T]) -> T:\n"
                        "    return xs[0]\n",
        "web/tsconfig.json": '{\n  // strict\n  "compilerOptions": {"strict": true,},\n}\n',
    })
    run = cli("scan", "-f", "json", "--fail-on", "low", ".", cwd=repo)
    assert run.code == 0, run.all
    diags = _diagnostics(run.out)
    assert "web/tsconfig.json" not in diags
    if sys.version_info < (3, 12):
        assert diags["app/types.py"]["level"] == "note"
        assert diags["app/types.py"]["code"] == "newer-python-syntax"
    else:
        assert "app/types.py" not in diags
