"""Rego policies end to end: the example policies in docs/policies on the fixtures they
target (fixtures/policies/<ID>/bad_*|good_*, `# mlaudit-expect: <ID>` on the line before
each line that must fire), `mlaudit policy test`, failures (syntax error, evaluation
error, time limit, missing extra) and policy findings as ordinary findings."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlaudit.cli import main
from tests.helpers import FIXTURES, REPO

POLICIES = REPO / "docs" / "policies"
CASES = sorted(p for p in (FIXTURES / "policies").glob("*/*") if p.is_dir())
_EXPECT_RE = re.compile(r"(?:#|//)\s*mlaudit-expect:\s*([A-Z][A-Z0-9-]*)")


def _expected(case: Path) -> set[tuple[str, str, int]]:
    found = set()
    for path in sorted(case.rglob("*")):
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = _EXPECT_RE.search(line)
            if match:
                found.add((match.group(1), path.relative_to(case).as_posix(), number + 1))
    return found


def _scan(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["scan", str(root), "--root", str(root), "--no-cache", "-f", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def _findings(report: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {(f["rule"], f["location"]["path"], f["location"]["line"])
            for f in report["findings"]}


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_policy_fires_exactly_where_expected(case: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    rule = case.parent.name
    code, report = _scan(capsys, case, "--policy", str(POLICIES), "--select", rule)
    assert not report["diagnostics"], report["diagnostics"]
    expected = _expected(case)
    assert _findings(report) == expected
    assert bool(expected) == case.name.startswith("bad_")
    assert code == (1 if expected else 0)


def test_example_policies_on_a_fixture_project(capsys: pytest.CaptureFixture[str]) -> None:
    """Policies and built-in rules together on a realistic project: both report."""
    project = FIXTURES / "projects" / "ecs-fastapi-nginx"
    code, report = _scan(capsys, project, "--policy", str(POLICIES))
    found = _findings(report)
    assert ("ORG005", "infra/alb.tf", 16) in found  # health_check { path = "/" }
    assert ("ORG002", "docker-compose.yml", 13) in found  # nginx from Docker Hub
    assert not {f for f in found if f[0] == "ORG001"}  # desired_count = 2 and autoscaling
    assert any(rule.startswith("MLA") for rule, _, _ in found)
    assert code == 1 and not report["diagnostics"]


def test_policy_test_passes_on_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "test", str(POLICIES)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^(\d+) passed, 0 failed, 0 errors$", out, re.M), out
    assert int(out.split()[0]) >= 25


POLICY = '''# METADATA
# title: Security group rules open only 443 to the internet
# custom:
#   id: ACME001
#   severity: high
#   category: exposure
#   fix: Put the service behind the load balancer.
package acme.only_443

import rego.v1

deny contains {"msg": msg, "fact": node} if {
	some node in input.nodes
	node.kind == "security-group-rule"
	node.attributes.public == true
	node.attributes.from_port != 443
	msg := sprintf("%s opens port %v to the internet", [node.label, node.attributes.from_port])
}
'''

TESTS = '''package acme.only_443_test

import rego.v1

import data.acme.only_443.deny

rule(port) := {"kind": "security-group-rule", "label": "web",
	"attributes": {"public": true, "from_port": port}}

test_port_22_is_denied if {
	count(deny) == 1 with input as {"nodes": [rule(22)]}
}

test_port_443_passes if {
	count(deny) == 0 with input as {"nodes": [rule(443)]}
}
'''


def test_policy_test_reports_failures_and_errors(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "only_443.rego").write_text(POLICY, encoding="utf-8")
    (tmp_path / "only_443_test.rego").write_text(TESTS, encoding="utf-8")
    assert main(["policy", "test", str(tmp_path), "-v"]) == 0
    assert "PASS" in capsys.readouterr().out
    (tmp_path / "only_443_test.rego").write_text(
        TESTS.replace("count(deny) == 0", "count(deny) == 2"), encoding="utf-8")
    assert main(["policy", "test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "only_443_test.rego:14: test_port_443_passes" in out
    assert "1 passed, 1 failed, 0 errors" in out
    (tmp_path / "only_443_test.rego").write_text(
        TESTS.replace("count(deny) == 0", "count(deny) == 0 +"), encoding="utf-8")
    assert main(["policy", "test", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert re.search(r"ERROR \S*only_443_test\.rego:15:\d+: ", out), out
    assert main(["policy", "test", str(tmp_path / "nothing-here")]) == 2


def test_policy_with_a_syntax_error_is_reported_and_the_scan_goes_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "only_443.rego").write_text(POLICY, encoding="utf-8")
    (policies / "broken.rego").write_text(POLICY.replace("ACME001", "ACME002").replace(
        "acme.only_443", "acme.broken").replace("public == true", "public == == true"),
        encoding="utf-8")
    project = FIXTURES / "projects" / "ecs-fastapi-nginx"
    code, report = _scan(capsys, project, "--policy", str(policies))
    assert code == 2
    errors = [d["message"] for d in report["diagnostics"] if d["code"] == "policy-error"]
    assert len(errors) == 1 and re.search(r"ACME002 does not compile: \S*broken\.rego:15:\d+:",
                                          errors[0]), errors
    found = {rule for rule, _, _ in _findings(report)}
    assert "ACME001" in found  # the other policy still ran
    assert {r for r in found if r.startswith("MLA")}  # and every built-in rule


def test_evaluation_error_and_time_limit_are_reported(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "divide.rego").write_text(POLICY.replace("ACME001", "ACME003").replace(
        "acme.only_443", "acme.divide").replace(
        "node.attributes.from_port != 443", "count(input.nodes) / 0 > 1"), encoding="utf-8")
    (tmp_path / "slow.rego").write_text(POLICY.replace("ACME001", "ACME004").replace(
        "acme.only_443", "acme.slow").replace(
        "node.attributes.from_port != 443",
        # Seconds of work on any machine; rego-cpp gives up on it with an error after
        # several seconds, so the limit below must be well under that.
        "count([1 | some a in numbers.range(1, 2000); some b in numbers.range(1, 2000); "
        "a + b == 1]) > 100000000"), encoding="utf-8")
    (tmp_path / "only_443.rego").write_text(POLICY, encoding="utf-8")
    project = FIXTURES / "projects" / "ecs-fastapi-nginx"
    code, report = _scan(capsys, project, "--policy", str(tmp_path), "--policy-timeout", "2")
    assert code == 2
    errors = {d["message"] for d in report["diagnostics"] if d["code"] == "policy-error"}
    assert any(m.startswith("policy ACME003 ") and "divide.rego:12:" in m
               and "evaluation failed" in m for m in errors), errors
    assert any(m.startswith("policy ACME004 ") and "slow.rego:12:" in m
               and "time limit (2 s)" in m for m in errors), errors
    assert "ACME001" in {rule for rule, _, _ in _findings(report)}


def test_missing_extra_names_the_install_command(tmp_path: Path) -> None:
    """Without regopy (made unimportable in a fresh interpreter), a configured policy is
    exit 2 naming `pip install 'mlaudit[policy]'`, and the built-in findings still show."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "projects" / "ecs-fastapi-nginx", project)
    (project / ".mlaudit.toml").write_text('policies = ["../policies"]\n', encoding="utf-8")
    shutil.copytree(POLICIES, tmp_path / "policies")
    probe = ("import sys; sys.modules['regopy'] = None\n"
             "from mlaudit.cli import main\n"
             "sys.exit(main(['scan', '.', '--no-cache', '-f', 'json']))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    report = json.loads(done.stdout)
    messages = [d["message"] for d in report["diagnostics"] if d["code"] == "policy-error"]
    assert messages == ["policies are configured but the Rego engine is not installed: run "
                        "pip install 'mlaudit[policy]'"]
    assert any(f["rule"].startswith("MLA") for f in report["findings"])
    assert "Traceback" not in done.stderr


def test_policy_findings_are_ordinary_findings(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Config `policies` (relative to the config file), severity override, inline
    suppression, --ignore, the fail threshold and the baseline all apply."""
    case = tmp_path / "repo"
    shutil.copytree(FIXTURES / "policies" / "ORG003" / "bad_gpu_families", case)
    shutil.copytree(POLICIES, case / "org-policies")
    gpu = case / "gpu.tf"
    gpu.write_text(gpu.read_text(encoding="utf-8").replace(
        '  instance_type = "g4dn.xlarge"',
        '  instance_type = "g4dn.xlarge" # mlaudit: ignore[ORG003] reserved capacity until Q3'),
        encoding="utf-8")
    (case / ".mlaudit.toml").write_text(
        'policies = ["org-policies"]\nselect = ["ORG"]\n[severity]\nORG003 = "low"\n',
        encoding="utf-8")
    code, report = _scan(capsys, case, "--include-suppressed")
    by_line = {f["location"]["line"]: f for f in report["findings"]}
    assert set(by_line) == {4, 11, 22}
    assert by_line[11]["suppression"]["kind"] == "inline"
    assert {f["severity"] for f in report["findings"]} == {"low"}
    assert code == 1
    assert _scan(capsys, case, "--fail-on", "medium")[0] == 0
    assert _scan(capsys, case, "--ignore", "gpu-instances-g5-only")[1]["findings"] == []
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(case), "--root", str(case), "--no-cache", "-o",
                 str(baseline)]) == 0
    capsys.readouterr()
    code, report = _scan(capsys, case, "--baseline", str(baseline))
    assert code == 0 and report["findings"] == []


def test_sarif_with_policy_findings_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.reports.sarif_checks import VALIDATOR_PATH, github_problems, schema_errors

    project = FIXTURES / "projects" / "ecs-fastapi-nginx"
    code = main(["scan", str(project), "--root", str(project), "--no-cache", "-f", "sarif",
                 "--policy", str(POLICIES)])
    text = capsys.readouterr().out
    assert code == 1
    document = json.loads(text)
    assert schema_errors(document) == []
    assert github_problems(document) == []
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["ORG005"]["shortDescription"]["text"] == (
        "Every service behind a load balancer is health-checked on /healthz")
    assert "health_check" in rules["ORG005"]["help"]["text"]
    assert any(r["ruleId"] == "ORG005" for r in document["runs"][0]["results"])
    if not VALIDATOR_PATH.is_file():
        pytest.skip(f"{VALIDATOR_PATH} not found (shared/ beside the clone)")
    sarif = REPO / ".pytest-policy.sarif"
    try:
        sarif.write_text(text, encoding="utf-8")
        done = subprocess.run([str(VALIDATOR_PATH), str(sarif)], capture_output=True,
                              text=True, timeout=120, check=False)
    finally:
        sarif.unlink()
    assert done.returncode == 0, done.stdout + done.stderr


def test_rules_and_explain_list_policies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--policy", str(POLICIES), "--format", "json"]) == 0
    rules = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"ORG001", "ORG002", "ORG003", "ORG004", "ORG005"} <= set(rules)
    assert rules["ORG003"]["origin"].startswith("policy ") and rules["ORG003"]["severity"] == \
        "medium"
    assert main(["explain", "ORG001", "--policy", str(POLICIES)]) == 0
    out = capsys.readouterr().out
    assert "ORG001 public-service-min-tasks" in out and "## How to fix" in out
    assert "desired_count = 2" in out


def test_policy_input_matches_its_schema() -> None:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    from mlaudit.policy.input import build_input
    from tests.helpers import scan_dir

    schema = json.loads((REPO / "linter" / "mlaudit" / "policy" / "input-v1.schema.json")
                        .read_text(encoding="utf-8"))
    for name in ("ecs-fastapi-nginx", "lambda-sam-model", "monorepo"):
        result = scan_dir(FIXTURES / "projects" / name, rules=["MLA001"])
        document = json.loads(json.dumps(build_input(result.deployment)))
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(document)]
        assert errors == [], (name, errors[:3])
        assert document["input_schema"] == "mlaudit.policy-input/v1"
