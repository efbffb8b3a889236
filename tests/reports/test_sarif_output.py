"""SARIF output: the official schema, GitHub's ingestion rules, and the shapes that matter."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mlaudit.engine import ScanResult
from mlaudit.errors import UsageError
from mlaudit.finding import Diagnostic, Finding, Location, Related, Suppression, SuppressionKind
from mlaudit.severity import Severity
from mlaudit.span import Span
from mlaudit_reports import ReportContext, sarif
from tests.helpers import FIXTURES, REGISTRY, REPO, RULE_FIXTURES, scan_dir
from tests.reports.sarif_checks import VALIDATOR_PATH, github_problems, schema_errors

RULES = list(REGISTRY.rules)


def _ctx(**kwargs: Any) -> ReportContext:
    return ReportContext(fail_on=kwargs.pop("fail_on", Severity.HIGH), rules=RULES, **kwargs)


def _sarif(result: ScanResult, **kwargs: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(sarif.render(result, _ctx(**kwargs)))
    assert schema_errors(document) == []
    assert github_problems(document) == []
    return document


def _run(document: dict[str, Any]) -> dict[str, Any]:
    run: dict[str, Any] = document["runs"][0]
    return run


@pytest.fixture(scope="module")
def fixtures_scan() -> ScanResult:
    return scan_dir(FIXTURES, root=REPO, paths=[FIXTURES])


def _result_with(findings: list[Finding], diagnostics: list[Diagnostic] | None = None
                 ) -> ScanResult:
    return ScanResult(REPO, findings, diagnostics or [], RULES, files_scanned=1)


def _finding(path: str = "Dockerfile", line: int = 3, **kwargs: Any) -> Finding:
    kwargs.setdefault("location", Location(span=Span(path, line, 1, line, 9)))
    return Finding(rule_id="MLA201", rule_name="dockerfile-healthcheck-missing",
                   severity=kwargs.pop("severity", Severity.MEDIUM),
                   message=kwargs.pop("message", "no HEALTHCHECK"),
                   fingerprint="f" * 32, **kwargs)


def test_fixtures_tree_is_valid_and_complete(fixtures_scan: ScanResult) -> None:
    document = _sarif(fixtures_scan)
    assert document["version"] == "2.1.0" and document["$schema"].startswith("https://")
    run = _run(document)
    driver = run["tool"]["driver"]
    assert driver["name"] == "mlaudit" and driver["semanticVersion"]
    assert [r["id"] for r in driver["rules"]] == [r.id for r in RULES]
    with_file = [f for f in fixtures_scan.active if f.location.span is not None]
    assert len(run["results"]) == len(with_file) > 0
    assert "automationDetails" not in run
    assert run["columnKind"] == "unicodeCodePoints"
    notes = run["invocations"][0].get("toolExecutionNotifications", [])
    assert len(notes) == len(fixtures_scan.diagnostics)
    for result in run["results"]:
        assert result["partialFingerprints"]["mlaudit/v1"]
        assert "primaryLocationLineHash" not in result["partialFingerprints"]


def test_rule_metadata_for_github(fixtures_scan: ScanResult) -> None:
    rules = {r["id"]: r for r in _run(_sarif(fixtures_scan))["tool"]["driver"]["rules"]}
    for rule in RULES:
        entry = rules[rule.id]
        props = entry["properties"]
        assert entry["helpUri"].startswith("https://") and "#mla" in entry["helpUri"]
        assert entry["help"]["markdown"] and entry["fullDescription"]["text"]
        if rule.is_security and rule.severity is not Severity.INFO:
            assert props["security-severity"] == {
                Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                Severity.LOW: "2.0"}[rule.severity]
            assert "security" in props["tags"]
        else:
            assert "security-severity" not in props
            assert props["problem.severity"] in ("error", "warning", "recommendation")


def test_clean_directory_has_empty_results(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hello')\n", encoding="utf-8")
    run = _run(_sarif(scan_dir(tmp_path)))
    assert run["results"] == []
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_malformed_dockerfile_becomes_a_notification(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("# comment\nRUN echo before any FROM\n",
                                         encoding="utf-8")
    (tmp_path / "settings.py").write_text('KEY = "ASIAY34FZKBOKMUTVV7A"\n', encoding="utf-8")
    run = _run(_sarif(scan_dir(tmp_path)))
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] in ("error", "warning", "note") and note["message"]["text"]
    location = note["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "Dockerfile"
    assert location["region"]["startLine"] == 2
    codes = [d["id"] for d in run["tool"]["driver"]["notifications"]]
    assert codes[note["descriptor"]["index"]] == note["descriptor"]["id"]
    assert [r["ruleId"] for r in run["results"]] == ["MLA101"]  # the rest was still scanned


def test_suppressed_findings_left_out_unless_asked() -> None:
    case = RULE_FIXTURES / "MLA001" / "good_used"
    result = scan_dir(case)
    assert result.suppressed, "the case should hold an inline suppression"
    assert len(_run(_sarif(result))["results"]) == len(result.active)
    shown = _run(_sarif(result, include_suppressed=True))["results"]
    suppressed = [r for r in shown if "suppressions" in r]
    assert len(suppressed) == len(result.suppressed)
    [entry] = suppressed[0]["suppressions"]
    assert entry["kind"] == "inSource" and entry["justification"]


def test_config_and_baseline_suppressions_are_external() -> None:
    findings = [
        _finding(line=1, suppression=Suppression(SuppressionKind.BASELINE, "in baseline")),
        _finding(line=2, suppression=Suppression(SuppressionKind.CONFIG, "")),
    ]
    results = _run(_sarif(_result_with(findings), include_suppressed=True))["results"]
    assert [r["suppressions"][0]["kind"] for r in results] == ["external", "external"]
    assert all(r["suppressions"][0]["justification"] for r in results)


def test_uri_is_percent_encoded() -> None:
    path = "deploy dir/nginx:1.23/Dockerfile ü%"
    run = _run(_sarif(_result_with([_finding(path)])))
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "deploy%20dir/nginx%3A1.23/Dockerfile%20%C3%BC%25"
    # The format checker is really on: the raw path would be rejected.
    broken = json.loads(sarif.render(_result_with([_finding(path)]), _ctx()))
    _run(broken)["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"] = path
    assert any("uri-reference" in e for e in schema_errors(broken))
    # A colon in the first segment passes uri-reference (it reads as a scheme) but not
    # GitHub; the encoder must never produce one.
    location = _run(broken)["results"][0]["locations"][0]["physicalLocation"]
    location["artifactLocation"]["uri"] = "nginx:1.23/Dockerfile"
    assert any("not repo-relative" in p for p in github_problems(broken))
    assert sarif.artifact_uri("nginx:1.23/Dockerfile") == "nginx%3A1.23/Dockerfile"


def test_regions_are_one_based_and_consistent() -> None:
    multi = _finding(location=Location(span=Span("a.tf", 4, 3, 9, 2)))
    backwards = _finding(location=Location(span=Span("a.tf", 4, 7, 4, 2)))
    whole_file = _finding(location=Location(span=Span("b.tf", 0, 0)))
    results = _run(_sarif(_result_with([multi, backwards, whole_file])))["results"]
    regions = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] + str(i):
               r["locations"][0]["physicalLocation"]["region"] for i, r in enumerate(results)}
    assert list(regions.values()) == [
        {"startLine": 4, "startColumn": 3, "endLine": 9, "endColumn": 2},
        {"startLine": 4, "startColumn": 7, "endLine": 4},
        {"startLine": 1, "startColumn": 1},
    ]


def test_related_locations_are_linked_and_unique() -> None:
    port = Location(span=Span("Dockerfile", 5, 1, 5, 12))
    finding = _finding(message="port [8000] is closed",
                       related=(Related(port, "EXPOSE 8000"), Related(port, "EXPOSE 8000"),
                                Related(Location(resource="arn:aws:ec2:sg-1"), "live")))
    [result] = _run(_sarif(_result_with([finding])))["results"]
    assert [r["id"] for r in result["relatedLocations"]] == [1]
    assert result["relatedLocations"][0]["message"]["text"] == "EXPOSE 8000"
    text = result["message"]["text"]
    assert "[Dockerfile:5:1](1)" in text and "\\[8000\\]" in text


def test_finding_without_file_is_a_notification_not_a_result() -> None:
    live = _finding(location=Location(resource="arn:aws:ecs:eu-west-1:1:service/x"),
                    severity=Severity.HIGH)
    run = _run(_sarif(_result_with([live])))
    assert run["results"] == []
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["associatedRule"]["id"] == "MLA201" and note["level"] == "error"
    rules = run["tool"]["driver"]["rules"]
    assert rules[note["associatedRule"]["index"]]["id"] == "MLA201"
    assert "arn:aws:ecs" in note["message"]["text"]


def test_result_level_follows_the_effective_severity() -> None:
    [result] = _run(_sarif(_result_with([_finding(severity=Severity.CRITICAL)])))["results"]
    assert result["level"] == "error"  # MLA201 defaults to warning; config raised it


def test_category_only_when_asked() -> None:
    run = _run(_sarif(_result_with([]), sarif_category="mlaudit-prod"))
    assert run["automationDetails"] == {"id": "mlaudit-prod/"}


def test_fail_on_none_is_accepted(fixtures_scan: ScanResult) -> None:
    assert _run(_sarif(fixtures_scan, fail_on=None))["results"]


def test_too_many_results_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    findings = [_finding(line=n) for n in range(1, 4)]
    with pytest.raises(UsageError, match="limit"):
        sarif.render(_result_with(findings), _ctx())


def test_output_is_deterministic(fixtures_scan: ScanResult) -> None:
    shuffled = ScanResult(fixtures_scan.root, list(reversed(fixtures_scan.findings)),
                          list(reversed(fixtures_scan.diagnostics)), fixtures_scan.rules,
                          fixtures_scan.files_scanned)
    assert sarif.render(fixtures_scan, _ctx()) == sarif.render(shuffled, _ctx())


def test_long_descriptions_are_truncated() -> None:
    assert len(sarif.truncate("x" * 5000, 1024)) == 1024


def test_real_sarif_validator_accepts_the_fixtures_tree(fixtures_scan: ScanResult,
                                                       tmp_path: Path) -> None:
    if not VALIDATOR_PATH.is_file():
        pytest.skip(f"SARIF validator not available at {VALIDATOR_PATH}")
    target = tmp_path / "mlaudit.sarif"
    target.write_text(sarif.render(fixtures_scan, _ctx()), encoding="utf-8")
    done = subprocess.run([str(VALIDATOR_PATH), str(target)], capture_output=True, text=True,
                          timeout=900, check=False)
    if done.returncode == 2:
        pytest.skip(f"SARIF validator could not be set up: {done.stderr.strip()}")
    assert done.returncode == 0, done.stdout + done.stderr
