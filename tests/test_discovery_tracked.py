"""Files git tracks are read even when a .gitignore lists them; untracked ignored files are
not; config excludes always apply. Real temporary git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from mlaudit import discovery
from mlaudit.discovery import discover

BACKEND = 'terraform {\n  backend "s3" {\n    bucket = "state-example"\n  }\n}\n'


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """backend.tf and infra/ are in .gitignore; backend.tf and infra/main.tf are tracked."""
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q")
    files = {".gitignore": "backend.tf\ninfra/\n*.log\n", "backend.tf": BACKEND,
             "infra/main.tf": BACKEND, "infra/local.tf": BACKEND, "run.log": "x\n",
             "app.py": "print(1)\n"}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    _git(root, "add", ".gitignore", "app.py")
    _git(root, "add", "-f", "backend.tf", "infra/main.tf")  # committed before the ignore
    return root


def _paths(found: discovery.Discovery) -> set[str]:
    return {f.path for f in found.files}


def test_tracked_files_are_read_though_gitignored(repo: Path) -> None:
    found = discover([repo], repo, [])
    assert _paths(found) == {"backend.tf", "infra/main.tf", "app.py"}
    assert found.diagnostics == []


def test_a_subdirectory_scan_reads_only_its_tracked_files(repo: Path) -> None:
    assert _paths(discover([repo / "infra"], repo, [])) == {"infra/main.tf"}


def test_config_excludes_still_apply_to_tracked_files(repo: Path) -> None:
    assert _paths(discover([repo], repo, ["backend.tf", "infra"])) == {"app.py"}


def test_without_gitignore_nothing_changes(repo: Path) -> None:
    found = discover([repo], repo, [], respect_gitignore=False)
    assert "infra/local.tf" in _paths(found) and "backend.tf" in _paths(found)


def test_deleted_tracked_file_is_not_an_error(repo: Path) -> None:
    (repo / "backend.tf").unlink()
    found = discover([repo], repo, [])
    assert "backend.tf" not in _paths(found) and found.diagnostics == []


def _no_process(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("git was run")


def test_nothing_ignored_starts_no_process(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "clean"
    root.mkdir()
    _git(root, "init", "-q")
    (root / ".gitignore").write_text("*.log\n", encoding="utf-8")
    (root / "main.tf").write_text(BACKEND, encoding="utf-8")
    monkeypatch.setattr(subprocess, "run", _no_process)
    assert _paths(discover([root], root, [])) == {"main.tf"}


def test_outside_a_work_tree_starts_no_process(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / ".gitignore").write_text("backend.tf\n", encoding="utf-8")
    (root / "backend.tf").write_text(BACKEND, encoding="utf-8")
    monkeypatch.setattr(subprocess, "run", _no_process)
    monkeypatch.setattr(discovery, "_in_work_tree", lambda root: False)  # tmp may sit in one
    assert _paths(discover([root], root, [])) == set()


@pytest.mark.parametrize("failure", [
    OSError(2, "No such file or directory: 'git'"),
    subprocess.TimeoutExpired(["git"], 10),
])
def test_git_failure_keeps_the_walk(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                    failure: Exception) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise failure

    monkeypatch.setattr(subprocess, "run", fail)
    assert _paths(discover([repo], repo, [])) == {"app.py"}


def test_git_refusing_keeps_the_walk(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        return subprocess.CompletedProcess(args, 128, b"", b"fatal: detected dubious ownership")

    monkeypatch.setattr(subprocess, "run", refuse)
    assert _paths(discover([repo], repo, [])) == {"app.py"}
