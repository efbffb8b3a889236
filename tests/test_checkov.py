"""`mlaudit scan --with-checkov`, with the real checkov run as a separate program.

checkov comes from `$MLAUDIT_CHECKOV` (`.ci/run` installs checkov==3.3.30 into a virtual
environment of its own, once per CI run, and points this at it), else `checkov` on PATH.
Without either the tests that need it skip, unless MLAUDIT_REQUIRE_CHECKOV=1 (set by
.ci/run), where this session installs it into its own virtual environment instead: CI
never skips them. Each checkov run costs seconds, so each scenario runs it once (module
fixtures) and checks several things on that one report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest

from mlaudit import checkov
from mlaudit.severity import Category, Severity
from tests.helpers import REPO
from tests.reports.sarif_checks import VALIDATOR_PATH, github_problems, schema_errors

CHECKOV_VERSION = "3.3.30"
FIXTURE = REPO / "fixtures" / "checkov"


def _install(where: Path) -> Path:
    venv.EnvBuilder(with_pip=True).create(where)
    python = where / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    f"checkov=={CHECKOV_VERSION}"], check=True, timeout=1500)
    return where / "bin" / "checkov"


@pytest.fixture(scope="session")
def checkov_bin(tmp_path_factory: pytest.TempPathFactory) -> str:
    explicit = os.environ.get("MLAUDIT_CHECKOV")
    found = explicit if explicit and Path(explicit).is_file() else shutil.which("checkov")
    if found:
        return found
    if os.environ.get("MLAUDIT_REQUIRE_CHECKOV") == "1":
        return str(_install(tmp_path_factory.mktemp("checkov-venv")))
    pytest.skip("checkov is not installed (set MLAUDIT_CHECKOV, or MLAUDIT_REQUIRE_CHECKOV=1 "
                "to install it for this session)")


def _mlaudit(*args: str, cwd: Path, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlaudit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def _env(checkov_bin: str, cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["MLAUDIT_CHECKOV"] = checkov_bin
    env["MLAUDIT_CACHE_DIR"] = str(cache)  # module fixtures run outside _isolated_cache
    return env


def _copy(name: str, target: Path) -> Path:
    shutil.copytree(FIXTURE / name, target / name)
    return target / name


# -- the Terraform fixture: one SARIF with both tools' findings ----------

@pytest.fixture(scope="module")
def terraform_sarif(checkov_bin: str, tmp_path_factory: pytest.TempPathFactory
                    ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]:
    tree = _copy("terraform", tmp_path_factory.mktemp("tf"))
    out = tree.parent / "merged.sarif"
    done = _mlaudit("scan", ".", "--with-checkov", "--format", "sarif", "--output", str(out),
                    cwd=tree, env=_env(checkov_bin, tree.parent / "cache"))
    document = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    return done, document, out


def test_one_sarif_holds_both_tools_findings(terraform_sarif: Any) -> None:
    done, document, _ = terraform_sarif
    assert done.returncode == 1, done.stderr
    results = document["runs"][0]["results"]
    ids = [r["ruleId"] for r in results]
    assert {"MLA305", "MLA320", "MLA304"} <= set(ids)
    assert {"CKV_AWS_21", "CKV_AWS_18", "CKV2_AWS_6"} <= set(ids)  # checkov's alone
    for result in results:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
            "main.tf"
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}
    assert "checkov" in rules["CKV_AWS_21"]["properties"]["tags"]
    assert rules["CKV_AWS_21"]["helpUri"].startswith("https://www.checkov.io/")


def test_a_fact_both_report_appears_once(terraform_sarif: Any) -> None:
    _, document, _ = terraform_sarif
    results = document["runs"][0]["results"]
    ids = [r["ruleId"] for r in results]
    # SSH from 0.0.0.0/0, a public database, mutable ECR tags: mlaudit's finding wins...
    assert not {"CKV_AWS_24", "CKV_AWS_17", "CKV_AWS_51"} & set(ids)
    assert ids.count("MLA320") == ids.count("MLA304") == ids.count("MLA305") == 1
    # ...and names the checkov check it covers.
    text = {r["ruleId"]: r["message"]["text"] for r in results}
    assert "CKV_AWS_24" in text["MLA320"]
    assert "CKV_AWS_17" in text["MLA304"]
    assert "CKV_AWS_51" in text["MLA305"]
    # checkov findings on the same resource that mlaudit does not cover stay.
    assert "CKV_AWS_382" in ids


def test_mlaudit_suppression_applies_to_a_checkov_check(terraform_sarif: Any) -> None:
    _, document, _ = terraform_sarif
    ids = [r["ruleId"] for r in document["runs"][0]["results"]]
    assert "CKV_AWS_144" not in ids  # `# mlaudit: ignore[CKV_AWS_144]` above the bucket
    assert "MLA001" not in ids  # and that suppression is used, not unknown


def test_merged_sarif_validates(terraform_sarif: Any) -> None:
    _, document, path = terraform_sarif
    assert schema_errors(document) == []
    assert github_problems(document) == []
    if not VALIDATOR_PATH.is_file():
        pytest.skip(f"SARIF validator not available at {VALIDATOR_PATH}")
    done = subprocess.run([str(VALIDATOR_PATH), str(path)], capture_output=True, text=True,
                          timeout=900, check=False)
    if done.returncode == 2:
        pytest.skip(f"SARIF validator could not be set up: {done.stderr.strip()}")
    assert done.returncode == 0, done.stdout + done.stderr


# -- configuration, baseline ----------

def test_config_severity_ignore_and_baseline(checkov_bin: str, tmp_path: Path) -> None:
    tree = _copy("terraform", tmp_path)
    (tree / ".mlaudit.toml").write_text(
        'with-checkov = true\nignore = ["CKV2_AWS_61"]\n'
        '[severity]\nCKV_AWS_21 = "critical"\n'
        '[per-path-ignores]\n"*.tf" = ["CKV_AWS_18"]\n', encoding="utf-8")
    env = _env(checkov_bin, tmp_path / "cache")
    done = _mlaudit("scan", ".", "--format", "json", cwd=tree, env=env)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert by_rule["CKV_AWS_21"]["severity"] == "critical"
    assert by_rule["CKV_AWS_136"]["severity"] == "low"  # the table's default
    assert "CKV2_AWS_61" not in by_rule  # --skip-check
    assert "CKV_AWS_18" not in by_rule  # per-path-ignores
    done = _mlaudit("baseline", ".", "--quiet", cwd=tree, env=env)
    assert done.returncode == 0, done.stderr
    done = _mlaudit("scan", ".", "--baseline", ".mlaudit-baseline.json", "--format", "json",
                    cwd=tree, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    again = json.loads(done.stdout)
    assert again["findings"] == []
    assert again["summary"]["baselined"] == report["summary"]["findings"]


# -- Dockerfile HEALTHCHECK/USER false positives ----------

def test_dockerfile_false_positives_dropped_and_counted(checkov_bin: str, tmp_path: Path
                                                        ) -> None:
    tree = _copy("docker", tmp_path)
    done = _mlaudit("scan", ".", "--with-checkov", "--format", "json", cwd=tree,
                    env=_env(checkov_bin, tmp_path / "cache"))
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    found = {(f["location"]["path"], f["rule"]) for f in report["findings"]}
    # Lambda base image: Lambda ignores HEALTHCHECK and USER.
    assert not {r for p, r in found if p == "lambda/Dockerfile"}
    # The compose service declares the check and the user.
    assert not {r for p, r in found if p == "compose/Dockerfile" and r.startswith("CKV")}
    # A plain serving image: mlaudit's rules report it, naming checkov's ids.
    assert ("plain/Dockerfile", "MLA201") in found and ("plain/Dockerfile", "MLA202") in found
    assert not {r for p, r in found if r in ("CKV_DOCKER_2", "CKV_DOCKER_3")}
    notes = " ".join(report["summary"]["notes"])
    assert "4 known false positives dropped" in notes
    assert "Lambda base image" in notes and "compose service" in notes


# -- without checkov ----------

def test_without_checkov_exit_2_with_the_install_command(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "MLAUDIT_CHECKOV"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + "/usr/bin:/bin"
    if shutil.which("checkov", path=env["PATH"]):
        pytest.skip("checkov is installed beside this Python")
    done = _mlaudit("scan", ".", "--with-checkov", cwd=tmp_path, env=env)
    assert done.returncode == 2
    assert "pipx install checkov" in done.stderr
    assert "Traceback" not in done.stderr
    (tmp_path / ".mlaudit.toml").write_text("with-checkov = true\n", encoding="utf-8")
    done = _mlaudit("scan", ".", cwd=tmp_path, env=env)
    assert done.returncode == 2 and "pipx install checkov" in done.stderr


def test_checkov_without_a_json_report_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "bin" / "checkov"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\necho 'Traceback: something broke' >&2\nexit 1\n",
                      encoding="utf-8")
    broken.chmod(0o755)
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n', encoding="utf-8")
    done = _mlaudit("scan", ".", "--with-checkov", "--checkov-path", str(broken),
                    cwd=tmp_path)
    assert done.returncode == 2
    assert "checkov exited 1 without a JSON report: Traceback: something broke" in done.stderr


def test_checkov_path_is_not_repository_config(tmp_path: Path) -> None:
    (tmp_path / ".mlaudit.toml").write_text('checkov = "./evil.sh"\n', encoding="utf-8")
    done = _mlaudit("scan", ".", cwd=tmp_path)
    assert done.returncode == 2 and "unknown key 'checkov'" in done.stderr


# -- the tables ----------

def test_category_table() -> None:
    assert checkov.classify("CKV_SECRET_2") == (Category.SECRETS, Severity.HIGH)
    assert checkov.classify("CKV_DOCKER_2") == (Category.HEALTH, Severity.MEDIUM)
    assert checkov.classify("CKV_DOCKER_22") == (Category.IMAGE, Severity.LOW)
    assert checkov.classify("CKV_AWS_24") == (Category.EXPOSURE, Severity.HIGH)
    assert checkov.classify("CKV_AWS_241") == (Category.IAC, Severity.LOW)
    assert checkov.classify("CKV2_GHA_1") == (Category.CICD, Severity.MEDIUM)
    assert checkov.is_check_id("CKV2_AWS_6") and checkov.is_check_id("ckv_aws_20")
    assert not checkov.is_check_id("MLA101")


def test_covered_mlaudit_rules_exist() -> None:
    from mlaudit_rules import ALL_RULES

    ids = {rule.id for rule in ALL_RULES}
    assert set(checkov.COVERS) <= ids


def test_checkov_is_never_imported() -> None:
    source = (REPO / "linter" / "mlaudit" / "checkov.py").read_text(encoding="utf-8")
    assert "import checkov" not in source and "from checkov" not in source
    assert "checkov" not in sys.modules
