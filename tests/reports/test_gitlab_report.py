"""`--format gitlab`: GitLab Code Quality JSON, checked against GitLab's documented fields.

GitLab's Code Quality documentation ("Code Quality report format") lists, for each issue
of the JSON array: `description`, `check_name`, `fingerprint`, `severity` (one of info,
minor, major, critical, blocker) and `location.path` with `location.lines.begin` (or
`location.positions.begin.line`). The schema below says exactly that; GitLab keeps only
the first issue of several that share a fingerprint, so uniqueness is checked too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from mlaudit.finding import Finding, Location
from mlaudit.severity import Severity
from mlaudit.span import Span
from mlaudit_reports import ReportContext, gitlab
from tests.helpers import FIXTURES, REPO, scan_dir

CODE_QUALITY_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^/"}},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1},
                                       "end": {"type": "integer", "minimum": 1}},
                    },
                    "positions": {"type": "object"},
                },
                "anyOf": [{"required": ["lines"]}, {"required": ["positions"]}],
            },
        },
    },
}


def _validate(document: Any) -> list[str]:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(CODE_QUALITY_SCHEMA)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_bad_project_report_matches_gitlabs_fields() -> None:
    result = scan_dir(FIXTURES / "projects" / "bad-fastapi-service")
    document = json.loads(gitlab.render(result, ReportContext(fail_on=Severity.LOW)))
    assert document, "the bad project must report something"
    assert _validate(document) == []
    fingerprints = [issue["fingerprint"] for issue in document]
    assert len(set(fingerprints)) == len(fingerprints)
    by_rule = {issue["check_name"]: issue for issue in document}
    assert all(issue["description"].startswith(issue["check_name"] + ": ")
               for issue in document)
    assert len(by_rule) >= 2


def test_severity_mapping_and_live_findings_left_out() -> None:
    span = Span("Dockerfile", 3, 1, 5, 0)
    ours = [Finding(f"MLA{n}", "x", severity, "msg", Location(span), fingerprint=f"f{n}")
            for n, severity in zip(range(101, 106), Severity, strict=True)]
    live = Finding("MLA999", "x", Severity.HIGH, "live", Location(resource="arn:aws:..."),
                   fingerprint="live")
    from mlaudit.engine import ScanResult

    result = ScanResult(REPO, [*ours, live], [], [], 1)
    document = json.loads(gitlab.render(result, ReportContext(fail_on=None)))
    assert [i["severity"] for i in document] == ["blocker", "critical", "major", "minor",
                                                 "info"]
    assert document[0]["location"] == {"path": "Dockerfile", "lines": {"begin": 3, "end": 5}}
    assert _validate(document) == []


def test_clean_project_is_an_empty_array_from_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "mlaudit", "scan", "--format", "gitlab",
                           str(FIXTURES / "projects" / "good-ml-service")], cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_gitlab_example_job_uses_the_report() -> None:
    from tests.ci_steps import load_yaml

    job = load_yaml(REPO / "docs" / "ci" / "gitlab-ci.yml")["mlaudit"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["artifacts"]["when"] == "always"
    assert any("--format gitlab --output gl-code-quality-report.json" in line
               for line in job["script"])
