"""The real process: exit statuses, colour, progress on a TTY only, library conflicts.

These run `python -m mlaudit` in a child process because the behaviour under test depends
on the process boundary (isatty, environment variables, interpreter exit).
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from mlaudit import __version__
from mlaudit.compat import ensure_genuine, foreign_distributions
from tests.cli.conftest import BAD_DOCKERFILE, BASE_RULES, make_repo, run_process

ANSI = "\033["


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "svc", {"Dockerfile": BAD_DOCKERFILE})


def _clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in (result.stderr or ""), result.stderr


def test_version_and_exit_statuses(repo: Path) -> None:
    version = run_process(["--version"], repo)
    assert (version.returncode, version.stdout.strip()) == (0, f"mlaudit {__version__}")
    found = run_process(["scan", "--select", BASE_RULES, "."], repo)
    assert found.returncode == 1 and "MLA201" in found.stdout
    clean = run_process(["scan", "--select", BASE_RULES, "--fail-on", "none", "."], repo)
    assert clean.returncode == 0
    usage = run_process([], repo)
    assert usage.returncode == 2
    bad = run_process(["scan", "--select", "MLA9999", "."], repo)
    assert bad.returncode == 2 and bad.stderr.startswith("mlaudit: error:")
    for result in (version, found, clean, usage, bad):
        _clean(result)


def test_no_colour_when_piped(repo: Path) -> None:
    result = run_process(["scan", "--select", BASE_RULES, "."], repo)
    assert result.returncode == 1 and "MLA201" in result.stdout
    assert ANSI not in result.stdout and ANSI not in result.stderr


def test_force_color_and_its_overrides(repo: Path) -> None:
    coloured = run_process(["scan", "--select", BASE_RULES, "."], repo, {"FORCE_COLOR": "1"})
    assert ANSI in coloured.stdout
    for args, env in (
        (["--no-color"], {"FORCE_COLOR": "1"}),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}),
        ([], {"FORCE_COLOR": "1", "PRE_COMMIT": "1"}),
    ):
        plain = run_process(["scan", *args, "--select", BASE_RULES, "."], repo, env)
        assert plain.returncode == 1
        assert ANSI not in plain.stdout, (args, env)


def _many_dockerfiles(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "many", {f"svc{i:02d}/Dockerfile": BAD_DOCKERFILE
                                         for i in range(30)})


def _stderr_on_a_tty(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal (stdout piped); return code, stdout, tty text."""
    master, slave = pty.openpty()
    try:
        result = run_process(args, cwd, {"MLAUDIT_CACHE_DIR": str(cwd / ".." / "cache")},
                             stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child side is closed and drained
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if slave != -1:
            os.close(slave)
        os.close(master)
    return result.returncode, result.stdout, b"".join(chunks).decode("utf-8", "replace")


def test_progress_only_on_a_tty_and_not_when_quiet(tmp_path: Path) -> None:
    repo = _many_dockerfiles(tmp_path)
    args = ["scan", "--no-cache", "--select", BASE_RULES, "."]
    code, out, tty = _stderr_on_a_tty(args, repo)
    assert code == 1 and "svc00/Dockerfile" in out
    assert "parsed" in tty and "/30 files" in tty, repr(tty)
    assert "parsed" not in out  # progress never pollutes the report

    code, out, tty = _stderr_on_a_tty(["scan", "--quiet", *args[1:]], repo)
    assert code == 1 and "parsed" not in tty

    piped = run_process(args, repo)
    assert piped.returncode == 1 and piped.stderr == ""


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    repo = _many_dockerfiles(tmp_path)
    sources = [str(Path(__file__).resolve().parents[2] / d) for d in ("linter", "rules", "reports")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sources))
    proc = subprocess.Popen([sys.executable, "-m", "mlaudit", "scan", "--select", BASE_RULES,
                             "-f", "json", "."], cwd=repo, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # like `mlaudit scan | head -c 10`
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "Exception ignored" not in err, err


# ---- checkov's forks under the same import names --------------------------------------

def _fake_distribution(site: Path, name: str, import_name: str) -> None:
    dist_info = site / f"{name.replace('-', '_')}-0.4.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.4.0\n", encoding="utf-8")
    (dist_info / "top_level.txt").write_text(f"{import_name}\n", encoding="utf-8")
    (dist_info / "RECORD").write_text(
        f"{import_name}/__init__.py,,\n{dist_info.name}/METADATA,,\n", encoding="utf-8")


def test_genuine_libraries_pass_here() -> None:
    assert foreign_distributions("hcl2") == ()
    ensure_genuine("hcl2")
    ensure_genuine("detect_secrets")


def test_checkov_fork_of_hcl2_is_refused_when_terraform_is_scanned(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _fake_distribution(site, "bc-python-hcl2", "hcl2")
    tf = make_repo(tmp_path / "tf", {"main.tf": 'resource "aws_s3_bucket" "b" {}\n',
                                     "Dockerfile": BAD_DOCKERFILE})

    # The fake site goes after the source roots, where an installed fork would sit.
    result = run_process(["scan", "--no-cache", "--select", BASE_RULES, "."], tf,
                         {"PYTHONPATH": _with_sources(site)})
    assert result.returncode == 2, result.stdout + result.stderr
    _clean(result)
    message = result.stderr.strip()
    assert message.startswith("mlaudit: error:") and len(message.splitlines()) == 1
    assert "bc-python-hcl2" in message and "python-hcl2" in message
    assert "pipx" in message and "pre-commit" in message
    assert result.stdout == ""

    # No Terraform in the scan: python-hcl2 is never needed, so the fork does not matter.
    docker_only = make_repo(tmp_path / "docker", {"Dockerfile": BAD_DOCKERFILE})
    result = run_process(["scan", "--no-cache", "--select", BASE_RULES, "."], docker_only,
                         {"PYTHONPATH": _with_sources(site)})
    assert result.returncode == 1 and "MLA201" in result.stdout


def test_checkov_fork_of_detect_secrets_is_named(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _fake_distribution(site, "bc-detect-secrets", "detect_secrets")
    code = ("from mlaudit.compat import ensure_genuine\n"
            "from mlaudit.errors import UsageError\n"
            "try:\n    ensure_genuine('detect_secrets')\nexcept UsageError as e:\n"
            "    print(e)\n    raise SystemExit(3)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=_with_sources(site)),
                            check=False, timeout=60)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "bc-detect-secrets" in result.stdout and "checkov" in result.stdout


def _with_sources(site: Path) -> str:
    sources = [str(Path(__file__).resolve().parents[2] / d) for d in ("linter", "rules", "reports")]
    return os.pathsep.join([*sources, str(site)])
