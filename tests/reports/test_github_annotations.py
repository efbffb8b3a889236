"""`--format github`: workflow-command escaping, caps, and the job summary file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlaudit.engine import ScanResult
from mlaudit.finding import Diagnostic, Finding, Location, Related
from mlaudit.severity import Severity
from mlaudit.span import Span
from mlaudit_reports import ReportContext, github
from tests.helpers import REGISTRY, REPO

RULES = list(REGISTRY.rules)


def _finding(line: int = 3, severity: Severity = Severity.MEDIUM, **kwargs: Any) -> Finding:
    kwargs.setdefault("location", Location(span=Span("app/Dockerfile", line, 5, line, 12)))
    return Finding(rule_id="MLA201", rule_name="dockerfile-healthcheck-missing",
                   severity=severity, message=kwargs.pop("message", "no HEALTHCHECK"),
                   fingerprint=f"{line:032d}", **kwargs)


def _render(findings: list[Finding], diagnostics: list[Diagnostic] | None = None,
            **kwargs: Any) -> list[str]:
    result = ScanResult(REPO, findings, diagnostics or [], RULES, files_scanned=1)
    ctx = ReportContext(fail_on=kwargs.pop("fail_on", Severity.HIGH), rules=RULES, **kwargs)
    return github.render(result, ctx).splitlines()


@pytest.fixture(autouse=True)
def _no_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def test_escaping_of_message_and_properties() -> None:
    assert github.escape_data("50% done\r\nnext\nline") == "50%25 done%0D%0Anext%0Aline"
    assert github.escape_property("a:b,c%d\n") == "a%3Ab%2Cc%25d%0A"
    # `%` is escaped first, so an already-escaped-looking sequence survives literally.
    assert github.escape_data("%0A") == "%250A"


def test_nasty_message_stays_on_one_line() -> None:
    nasty = "port 8000: open, to 0.0.0.0/0\n::error::injected 100%\r\nend"
    [line] = _render([_finding(message=nasty,
                               location=Location(span=Span("dir, x/a:b.tf", 2, 1, 2, 4)))])
    assert line.startswith("::warning file=dir%2C x/a%3Ab.tf,line=2,endLine=2,col=1,"
                           "endColumn=4,title=MLA201 ")
    message = line.split("::", 2)[2]
    assert message == ("port 8000: open, to 0.0.0.0/0%0A::error::injected 100%25%0D%0Aend")


def test_severity_mapping_and_title() -> None:
    lines = _render([_finding(1, Severity.CRITICAL), _finding(2, Severity.HIGH),
                     _finding(3, Severity.MEDIUM), _finding(4, Severity.LOW),
                     _finding(5, Severity.INFO)])
    assert [line.split(" ", 1)[0] for line in lines] == [
        "::error", "::error", "::warning", "::notice", "::notice"]
    assert "title=MLA201 Serving image has no HEALTHCHECK::" in lines[0]


def test_columns_only_on_single_line_spans() -> None:
    multi = _finding(location=Location(span=Span("main.tf", 4, 3, 9, 2)))
    [line] = _render([multi])
    assert "line=4,endLine=9," in line and "col=" not in line and "endColumn" not in line


def test_related_evidence_is_part_of_the_message() -> None:
    port = Location(span=Span("Dockerfile", 5, 1))
    [line] = _render([_finding(related=(Related(port, "EXPOSE 8000"),))])
    assert line.endswith("::no HEALTHCHECK%0A↳ Dockerfile:5:1: EXPOSE 8000")


def test_caps_most_severe_first_and_overflow_notice() -> None:
    findings = ([_finding(n, Severity.LOW) for n in range(1, 61)]
                + [_finding(100 + n, Severity.MEDIUM) for n in range(15)]
                + [_finding(200 + n, Severity.CRITICAL) for n in range(12)])
    diagnostics = [Diagnostic("bad YAML", Span("x.yml", 3))]
    lines = _render(findings, diagnostics)
    levels = [line.split(" ", 1)[0] for line in lines]
    assert levels.count("::error") == 10
    assert levels.count("::warning") == 10
    assert len(lines) == 50
    assert levels[:10] == ["::error"] * 10 and levels[10:20] == ["::warning"] * 10
    total = len(findings) + len(diagnostics)
    assert lines[-1].startswith("::notice title=mlaudit%3A more findings::")
    assert f"{total - 49} more mlaudit annotations" in lines[-1]


def test_diagnostics_are_warnings_and_suppressed_findings_are_silent() -> None:
    from mlaudit.finding import Suppression, SuppressionKind

    hidden = _finding(suppression=Suppression(SuppressionKind.INLINE, "ok"))
    lines = _render([hidden], [Diagnostic("cannot parse: bad, bad", Span("a b.tf", 7))],
                    include_suppressed=True)
    assert lines == ["::warning file=a b.tf,line=7,title=mlaudit could not fully scan this "
                     "file (parse-error)::cannot parse: bad, bad"]


def test_finding_without_file_annotates_the_run() -> None:
    [line] = _render([_finding(location=Location(resource="arn:aws:ecs:eu-west-1:1:x"))])
    assert line.startswith("::warning title=") and "arn:aws:ecs" in line
    assert "file=" not in line


def test_clean_run_prints_nothing() -> None:
    assert _render([], fail_on=None) == []


def test_step_summary_is_appended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("## earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    _render([_finding(1, Severity.CRITICAL)])
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## earlier step\n## mlaudit")
    assert "failed" in text and "MLA201" in text


def test_step_summary_respects_the_size_limit(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    long = "x" * 4000
    _render([_finding(n, Severity.HIGH, message=long) for n in range(1, 400)])
    size = summary.stat().st_size
    assert size <= github.SUMMARY_BUDGET < github.SUMMARY_LIMIT
    assert "more findings not shown" in summary.read_text(encoding="utf-8")
    # A file that is already nearly full is left alone, with a warning instead.
    summary.write_text("y" * (github.SUMMARY_LIMIT - 100), encoding="utf-8")
    lines = _render([_finding(1)])
    assert summary.stat().st_size == github.SUMMARY_LIMIT - 100
    assert lines[-1].startswith("::warning title=mlaudit job summary::")


def test_unwritable_summary_is_a_warning_not_a_crash(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing-dir" / "summary.md"))
    lines = _render([_finding(1)])
    assert lines[-1].startswith("::warning title=mlaudit job summary::could not write")
