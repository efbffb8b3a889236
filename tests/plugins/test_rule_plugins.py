"""Rule plugins: a real package (tests/plugins/example_plugin) is installed with pip into a
temporary directory that a fresh mlaudit process gets on its path, the way a user's
`pip install acme-mlaudit-rules` makes its entry points visible. The plugin has a working
rule (EXP001), a rule whose check raises (EXP002) and an entry point that fails to import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

PLUGIN = Path(__file__).resolve().parent / "example_plugin"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("plugin-site")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check",
         "--no-input", "-q", "--target", str(target), str(PLUGIN)],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return target


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(
        "FROM ubuntu:22.04\nRUN apt-get update\nCMD [\"uvicorn\", \"app:app\", \"--host\", "
        "\"0.0.0.0\"]\n", encoding="utf-8")
    return tmp_path


def _mlaudit(plugin_path: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(plugin_path), *(str(REPO / d) for d in ("linter", "rules", "reports"))]))
    return subprocess.run([sys.executable, "-m", "mlaudit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_plugin_rules_run_and_failures_are_isolated(plugin_path: Path, repo: Path) -> None:
    done = _mlaudit(plugin_path, repo, "scan", ".", "--no-cache", "-f", "json",
                    "--select", "EXP,MLA201")
    report = json.loads(done.stdout)
    found = {(f["rule"], f["location"]["path"], f["location"]["line"])
             for f in report["findings"]}
    # The working plugin rule and the built-in rule both report.
    assert ("EXP001", "Dockerfile", 1) in found
    assert any(rule == "MLA201" for rule, _, _ in found)
    messages = [d["message"] for d in report["diagnostics"] if d["code"] == "plugin-error"]
    # The raising rule and the entry point that cannot be imported are named, not hidden.
    assert any("EXP002" in m and "mlaudit-example-plugin" in m and "example plugin bug" in m
               for m in messages), messages
    assert any("'broken'" in m and "ModuleNotFoundError" in m for m in messages), messages
    assert done.returncode == 2, done.stderr  # results are missing: documented exit 2
    assert "Traceback" not in done.stderr


def test_plugin_rules_are_listed_with_their_origin(plugin_path: Path, repo: Path) -> None:
    done = _mlaudit(plugin_path, repo, "rules", "--format", "json")
    rules = {r["id"]: r for r in json.loads(done.stdout)}
    assert rules["EXP001"]["origin"] == "plugin mlaudit-example-plugin"
    assert rules["MLA201"]["origin"] == "mlaudit"
    table = _mlaudit(plugin_path, repo, "rules").stdout
    assert any(line.startswith("EXP001") and "plugin mlaudit-example-plugin" in line
               for line in table.splitlines())
    assert "'broken'" in done.stderr  # the broken entry point is reported here too
    explain = _mlaudit(plugin_path, repo, "explain", "base-image-ubuntu")
    assert explain.returncode == 0 and "origin: plugin mlaudit-example-plugin" in explain.stdout


def test_plugin_rules_are_selected_like_built_ins(plugin_path: Path, repo: Path) -> None:
    # Ignoring the raising rule leaves only the import failure of the broken entry point.
    done = _mlaudit(plugin_path, repo, "scan", ".", "--no-cache", "-f", "json",
                    "--select", "image", "--ignore", "EXP002,MLA2")
    report = json.loads(done.stdout)
    assert {f["rule"] for f in report["findings"]} == {"EXP001"}
    codes = [d["message"] for d in report["diagnostics"] if d["code"] == "plugin-error"]
    assert len(codes) == 1 and "'broken'" in codes[0]
    # Inline suppressions and severity overrides apply to plugin rules as to built-ins.
    (repo / "Dockerfile").write_text(
        "# mlaudit: ignore[EXP001] platform image is not published yet\n"
        + (repo / "Dockerfile").read_text(encoding="utf-8"), encoding="utf-8")
    done = _mlaudit(plugin_path, repo, "scan", ".", "--no-cache", "-f", "json",
                    "--select", "EXP001", "--include-suppressed")
    findings = json.loads(done.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["EXP001"]
    assert findings[0]["suppression"]["kind"] == "inline"
