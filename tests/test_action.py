"""The GitHub Action (`action.yml`) and the workflows: schemas, rules, and a local run.

The local run executes the action's steps as the runner would (tests/ci_steps.py): the
install step builds mlaudit from this checkout into a fresh virtualenv once (it needs the
package index, like the pre-commit test: MLAUDIT_OFFLINE=1 skips it), then the remaining
steps run on a bad and a clean fixture and on a fork's pull request whose upload fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.ci_steps import Runner, clean_env, load_yaml
from tests.helpers import REPO
from tests.reports.sarif_checks import github_problems, schema_errors

SCHEMAS = REPO.parent / "shared" / "schemas"
ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
EXAMPLES = sorted((REPO / "docs" / "ci").glob("*.yml"))
GITHUB_EXAMPLES = [p for p in EXAMPLES if not p.name.startswith("gitlab")]
SHA_PIN = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")


def _validator(name: str) -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    path = SCHEMAS / name
    if not path.is_file():
        pytest.skip(f"schema not found at {path} (shared/ beside the clone)")
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def _action() -> dict[str, Any]:
    data = load_yaml(ACTION)
    assert isinstance(data, dict)
    return data


# -- schemas ------------------------------------------------------------------------------

def test_action_validates_against_the_schema() -> None:
    errors = [e.message for e in _validator("github-action.json").iter_errors(_action())]
    assert errors == []


@pytest.mark.parametrize("path", WORKFLOWS + GITHUB_EXAMPLES,
                         ids=[p.relative_to(REPO).as_posix() for p in WORKFLOWS + GITHUB_EXAMPLES])
def test_workflow_validates_against_the_schema(path: Path) -> None:
    document = load_yaml(path)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in _validator("github-workflow.json").iter_errors(document)]
    assert errors == []


def test_the_expected_workflows_exist() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"ci.yml", "release.yml", "org-scan.yml"} <= names
    assert {"code-scanning.yml", "org-nightly.yml", "gitlab-ci.yml"} <= {p.name for p in EXAMPLES}


# -- what the action promises -------------------------------------------------------------

def test_action_shape() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"path", "fail-on", "config", "baseline", "sarif-file",
                                     "upload-sarif", "annotations", "summary", "with-checkov",
                                     "args"}
    for name, spec in action["inputs"].items():
        assert spec.get("description") and "default" in spec, name
    assert set(action["outputs"]) == {"sarif-file", "findings", "exit-code"}
    for spec in action["outputs"].values():
        assert spec["value"].startswith("${{ steps.scan.outputs.")
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step.get("shell") == "bash", step["name"]
            # Inputs reach scripts through env: only; an expression in a script is an
            # injection point.
            assert "${{" not in step["run"], step["name"]
        if "uses" in step:
            assert SHA_PIN.match(step["uses"].split()[0]), step["uses"]
    install = action["runs"]["steps"][0]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$ACTION_PATH"' in install["run"]


def test_upload_runs_unless_cancelled_and_the_gate_comes_after() -> None:
    steps = _action()["runs"]["steps"]
    names = [s.get("id") or s["name"] for s in steps]
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "!cancelled()" in upload["if"] and upload.get("continue-on-error") is True
    assert upload["with"]["category"] == "${{ inputs.category }}"
    gate = next(s for s in steps if s["name"] == "Enforce the gate")
    assert "!cancelled()" in gate["if"]
    assert names.index("Enforce the gate") > names.index("upload")


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_own_workflows_pin_actions_and_limit_permissions(path: Path) -> None:
    workflow = load_yaml(path)
    assert workflow["permissions"] == {}, "top-level permissions: {} (jobs ask for theirs)"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, name
        for step in job.get("steps", []):
            uses = step.get("uses", "")
            if uses and not uses.startswith("./"):
                assert SHA_PIN.match(uses.split()[0]), uses
            assert "${{" not in step.get("run", ""), f"{name}: expression inside run:"


def test_ci_runs_the_tests_and_scans_the_repository_with_its_own_action() -> None:
    ci = load_yaml(REPO / ".github" / "workflows" / "ci.yml")
    runs = [s.get("run", "") for job in ci["jobs"].values() for s in job["steps"]]
    assert "bash .ci/run" in runs
    own = [s for job in ci["jobs"].values() for s in job["steps"] if s.get("uses") == "./"]
    assert own and own[0]["with"]["config"] == ".github/mlaudit.toml"


def test_release_builds_checks_publishes_and_attaches() -> None:
    release = load_yaml(REPO / ".github" / "workflows" / "release.yml")
    assert release["on"]["push"]["tags"] == ["v*"]
    text = (REPO / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    assert "python -m build" in text and "twine check" in text
    publish = release["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert any(s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")
               for s in publish["steps"])
    assert "gh release create" in text
    assert 'path = "linter/mlaudit/__init__.py"' in (REPO / "pyproject.toml").read_text(
        encoding="utf-8")


def test_org_workflow_is_reusable_and_fans_out() -> None:
    org = load_yaml(REPO / ".github" / "workflows" / "org-scan.yml")
    assert "workflow_call" in org["on"]
    scan = org["jobs"]["scan"]
    assert scan["strategy"]["matrix"]["repository"] == "${{ fromJSON(inputs.repositories) }}"
    mlaudit = next(s for s in scan["steps"] if s.get("id") == "scan")
    assert "matrix.repository" in mlaudit["with"]["category"]
    assert org["jobs"]["summary"]["needs"] == "scan"
    example = load_yaml(REPO / "docs" / "ci" / "org-nightly.yml")
    assert example["jobs"]["audit"]["uses"].startswith(
        "mlaudit/mlaudit/.github/workflows/org-scan.yml@")


# -- the local run ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The install step, run once: mlaudit built from this checkout into a venv."""
    if os.environ.get("MLAUDIT_OFFLINE"):
        pytest.skip("MLAUDIT_OFFLINE: the install step needs the package index")
    temp = tmp_path_factory.mktemp("runner-temp")
    runner = _runner(temp, temp, {})
    install = _action()["runs"]["steps"][0]
    record = runner.run_step(install, clean_env())
    assert record.outcome == "success", record.stdout + record.stderr
    return {"temp": temp, "steps": runner.steps}


def _runner(temp: Path, workspace: Path, inputs: dict[str, str],
            github: dict[str, Any] | None = None) -> Runner:
    defaults = {k: str(v.get("default", "")) for k, v in _action()["inputs"].items()}
    context = {"action_path": str(REPO), "workspace": str(workspace), "event_name": "push",
               "actor": "octocat", "repository": "acme/scorer",
               "event": {"pull_request": {"head": {"repo": {"full_name": ""}}}}}
    return Runner(REPO, workspace, temp, {**defaults, **inputs}, {**context, **(github or {})})


def _run(installed: dict[str, Any], tmp_path: Path, fixture: str, inputs: dict[str, str],
         upload: str = "success", github: dict[str, Any] | None = None) -> Runner:
    workspace = tmp_path / "workspace"
    shutil.copytree(REPO / "fixtures" / "projects" / fixture, workspace)
    temp = tmp_path / "runner"
    temp.mkdir()
    runner = _runner(temp, workspace, inputs, github)
    runner.steps["install"] = installed["steps"]["install"]
    runner.uses_outcome = {"github/codeql-action/upload-sarif": upload}
    runner.run_steps(_action()["runs"]["steps"][1:], clean_env())
    return runner


def test_action_on_a_bad_fixture(installed: dict[str, Any], tmp_path: Path) -> None:
    runner = _run(installed, tmp_path, "bad-fastapi-service", {"fail-on": "high"})
    scan = runner.step("Scan")
    assert scan.outcome == "success", scan.stdout + scan.stderr
    outputs = runner.steps["scan"]["outputs"]
    assert outputs["exit-code"] == "1"
    assert int(outputs["findings"]) >= 1
    sarif = Path(outputs["sarif-file"])
    assert sarif == runner.workspace / "mlaudit.sarif"
    document = json.loads(sarif.read_text(encoding="utf-8"))
    assert schema_errors(document) == [] and github_problems(document) == []
    assert document["runs"][0]["automationDetails"]["id"] == "mlaudit/"
    assert re.search(r"^::error file=\S+,line=\d+", scan.stdout, re.M)  # annotations
    summary = runner.summary.read_text(encoding="utf-8")
    assert "## mlaudit deployment audit" in summary and "failed" in summary
    # The upload ran, with the scan's SARIF and the category, before the gate failed.
    upload = runner.step("Upload SARIF")
    assert upload.ran and upload.with_ == {"sarif_file": str(sarif), "category": "mlaudit"}
    gate = runner.step("Enforce the gate")
    assert gate.ran and gate.returncode == 1
    assert runner.runs.index(upload) < runner.runs.index(gate)
    assert runner.job_failed


def test_action_on_a_clean_fixture(installed: dict[str, Any], tmp_path: Path) -> None:
    runner = _run(installed, tmp_path, "good-ml-service", {})
    outputs = runner.steps["scan"]["outputs"]
    assert outputs["exit-code"] == "0" and outputs["findings"] == "0"
    assert "passed" in runner.summary.read_text(encoding="utf-8")
    assert not runner.step("Report a failed upload").ran
    assert runner.step("Enforce the gate").returncode == 0
    assert not runner.job_failed


def test_failed_upload_on_a_fork_is_a_warning(installed: dict[str, Any], tmp_path: Path
                                              ) -> None:
    fork = {"event_name": "pull_request",
            "event": {"pull_request": {"head": {"repo": {"full_name": "someone/scorer"}}}}}
    runner = _run(installed, tmp_path, "good-ml-service", {}, upload="failure", github=fork)
    report = runner.step("Report a failed upload")
    assert report.ran and report.returncode == 0
    assert report.stdout.startswith("::warning")
    assert not runner.job_failed


def test_failed_upload_on_the_repository_itself_fails(installed: dict[str, Any],
                                                      tmp_path: Path) -> None:
    runner = _run(installed, tmp_path, "good-ml-service", {}, upload="failure")
    report = runner.step("Report a failed upload")
    assert report.returncode == 1 and report.stdout.startswith("::error")
    assert runner.job_failed


def test_inputs_cannot_inject_shell(installed: dict[str, Any], tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    runner = _run(installed, tmp_path, "good-ml-service",
                  {"path": f"$(touch {marker})", "args": f"; touch {marker}"})
    assert not marker.exists()
    assert runner.steps["scan"]["outputs"]["exit-code"] == "2"  # no such path: an error
    assert not runner.step("Upload SARIF").ran
    assert runner.step("Enforce the gate").returncode == 2


# -- the README ---------------------------------------------------------------------------

def _use_in_ci() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## Use in CI")
    return text[start:text.index("\n## ", start + 1)]


def test_readme_use_in_ci_shows_the_three_recipes() -> None:
    section = _use_in_ci()
    assert "uses: mlaudit/mlaudit@<commit-sha>" in section  # code scanning
    assert "codequality: gl-code-quality-report.json" in section  # GitLab
    assert "uses: mlaudit/mlaudit/.github/workflows/org-scan.yml@" in section  # fan-out
    for example in ("docs/ci/code-scanning.yml", "docs/ci/gitlab-ci.yml",
                    "docs/ci/org-nightly.yml"):
        assert f"]({example})" in section


def test_readme_install_commands_say_what_is_true_today() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "rev: v0.1.0" not in text  # a tag that does not exist
    for line in text.splitlines():
        if "pipx install mlaudit" in line or "mlaudit@vX.Y.Z" in line:
            assert "waiting" in line, line
