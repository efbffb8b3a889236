"""`--format markdown`: verdict, counts, escaped table, truncation, diagnostics."""

from __future__ import annotations

from typing import Any

from mlaudit.engine import ScanResult
from mlaudit.finding import Diagnostic, Finding, Location, Suppression, SuppressionKind
from mlaudit.severity import Severity
from mlaudit.span import Span
from mlaudit_reports import ReportContext, markdown
from tests.helpers import REGISTRY, REPO

RULES = list(REGISTRY.rules)


def _finding(line: int = 3, severity: Severity = Severity.MEDIUM, **kwargs: Any) -> Finding:
    return Finding(rule_id="MLA201", rule_name="dockerfile-healthcheck-missing",
                   severity=severity, message=kwargs.pop("message", "no HEALTHCHECK"),
                   location=Location(span=Span("app/Dockerfile", line, 1)), **kwargs)


def _render(findings: list[Finding], diagnostics: list[Diagnostic] | None = None,
            max_bytes: int = markdown.DEFAULT_MAX_BYTES, **kwargs: Any) -> str:
    result = ScanResult(REPO, findings, diagnostics or [], RULES, files_scanned=4)
    ctx = ReportContext(fail_on=kwargs.pop("fail_on", Severity.HIGH), rules=RULES, **kwargs)
    return markdown.render_limited(result, ctx, max_bytes=max_bytes)


def test_verdict_against_threshold() -> None:
    assert "**failed**: 1 finding at or above `high`" in _render([_finding(1, Severity.HIGH)])
    assert "**passed**: no finding at or above `high`" in _render([_finding(1)])
    assert "threshold is `none`" in _render([_finding(1, Severity.CRITICAL)], fail_on=None)


def test_counts_and_linked_rule() -> None:
    text = _render([_finding(1, Severity.HIGH), _finding(2), _finding(3)])
    assert "| 🔴 high | 1 |" in text and "| 🟠 medium | 2 |" in text
    assert ("[MLA201](https://github.com/mlaudit/mlaudit/blob/main/rules/README.md"
            "#mla201-dockerfile-healthcheck-missing)") in text
    assert "| app/Dockerfile:1 |" in text
    # Most severe first.
    assert text.index("app/Dockerfile:1 ") < text.index("app/Dockerfile:2 ")


def test_cells_are_escaped() -> None:
    text = _render([_finding(message="a | b\nc <script> `x`")])
    row = next(line for line in text.splitlines() if "MLA201](" in line)
    assert row.endswith("| a \\| b<br>c &lt;script&gt; \\`x\\` |")
    assert row.count(" | ") == 3  # four cells, no stray separators


def test_suppressed_and_baselined_counts() -> None:
    findings = [_finding(1, suppression=Suppression(SuppressionKind.INLINE, "ok")),
                _finding(2, suppression=Suppression(SuppressionKind.BASELINE, "in baseline")),
                _finding(3)]
    text = _render(findings)
    assert "1 suppressed (1 inline, 0 by configuration); 1 in the baseline" in text
    assert text.count("MLA201](") == 1
    assert "(suppressed: inline)" in _render(findings, include_suppressed=True)


def test_truncated_below_budget_with_note() -> None:
    findings = [_finding(n, message="m" * 2000) for n in range(1, 200)]
    text = _render(findings, max_bytes=64 * 1024)
    assert len(text.encode()) <= 64 * 1024
    assert "more findings not shown" in text
    assert len(markdown.render(ScanResult(REPO, findings, [], RULES, 1),
                               ReportContext(fail_on=None)).encode()) < 1024 * 1024


def test_diagnostics_listed() -> None:
    text = _render([], [Diagnostic("invalid YAML | here", Span("ci.yml", 9))])
    assert "### Diagnostics" in text and "ci.yml:9:1: invalid YAML \\| here" in text
    assert "### Findings" not in text
