"""GitLab Code Quality report (`--format gitlab`), for `artifacts: reports: codequality:`.

GitLab reads a JSON array of issues, a subset of the Code Climate spec. Its documented
fields, all of which each issue carries: `description`, `check_name`, `fingerprint`
(unique per issue: GitLab shows only the first of several with one fingerprint), `severity`
(one of info, minor, major, critical, blocker) and `location.path` (repo-relative) with
`location.lines.begin`. Findings that point at no file (live cloud findings) have no
place in the merge request diff and are left out; suppressed ones too.
"""

from __future__ import annotations

import json
from typing import Any

from mlaudit.engine import ScanResult
from mlaudit.finding import Finding
from mlaudit.severity import Severity
from mlaudit_reports import ReportContext

SEVERITY = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}


def issue(finding: Finding) -> dict[str, Any] | None:
    span = finding.location.span
    if span is None or not span.path:
        return None
    lines: dict[str, int] = {"begin": span.line}
    if span.end_line and span.end_line > span.line:
        lines["end"] = span.end_line
    return {
        "description": f"{finding.rule_id}: {finding.message}",
        "check_name": finding.rule_id,
        "fingerprint": finding.fingerprint,
        "severity": SEVERITY[finding.severity],
        "location": {"path": span.path, "lines": lines},
    }


def render(result: ScanResult, ctx: ReportContext) -> str:
    issues = [i for i in (issue(f) for f in result.active) if i is not None]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
