"""GitHub Actions workflow commands (`--format github`): annotations plus a job summary.

Each finding becomes one `::error|warning|notice file=...,line=...::message` line. The
runner shows at most 10 error and 10 warning annotations per step and 50 per job and
drops the rest silently, so the most severe are sent first and one final notice says how
many were left out; the full list goes to the job summary (`$GITHUB_STEP_SUMMARY`).
Escaping follows actions/toolkit `command.ts`: an unescaped newline would end the
command and print the rest of the message as plain log text.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mlaudit.engine import ScanResult
from mlaudit.finding import Diagnostic, DiagnosticLevel, Finding
from mlaudit.rule import Rule
from mlaudit.severity import Severity
from mlaudit_reports import ReportContext

MAX_ERRORS = 10
MAX_WARNINGS = 10
MAX_TOTAL = 50  # including the final "N more" notice
SUMMARY_LIMIT = 1024 * 1024  # GitHub's per-step limit for $GITHUB_STEP_SUMMARY
SUMMARY_BUDGET = 512 * 1024  # what mlaudit allows itself, well below the limit

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    """Escape a command's message: `%` first, then CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: like the message, plus `:` and `,` (the separators)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str | int | None) -> str:
    props = ",".join(f"{name}={escape_property(str(value))}"
                     for name, value in properties.items() if value is not None)
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}"


def _finding_command(finding: Finding, rules: dict[str, Rule[Any]]) -> str:
    rule = rules.get(finding.rule_id)
    title = f"{finding.rule_id} {rule.title if rule else finding.rule_name}"
    lines = [finding.message]
    lines += [f"↳ {r.location.describe()}: {r.note}" for r in finding.related]
    span = finding.location.span
    if span is None:  # a finding about a resource, not a file: annotate the run
        where = finding.location.resource
        return command(LEVEL[finding.severity], "\n".join(lines + ([where] if where else [])),
                       title=title)
    end_line = max(span.end_line or span.line, span.line)
    single = end_line == span.line
    # The runner rejects col/endColumn when the annotation spans several lines.
    end_column = span.end_column if single and span.end_column >= span.column else None
    return command(LEVEL[finding.severity], "\n".join(lines), file=span.path, line=span.line,
                   endLine=end_line, col=span.column if single else None,
                   endColumn=end_column, title=title)


def _diagnostic_level(diag: Diagnostic) -> str:
    # A note (a skipped link, syntax newer than the running Python) asks nothing of the
    # author: a notice, not a warning.
    return "notice" if diag.level is DiagnosticLevel.NOTE else "warning"


def _diagnostic_command(diag: Diagnostic) -> str:
    title = f"mlaudit could not fully scan this file ({diag.code})"
    level = _diagnostic_level(diag)
    if diag.span is None:
        return command(level, diag.message, title=title)
    return command(level, diag.message, file=diag.span.path, line=diag.span.line,
                   title=title)


def annotation_lines(result: ScanResult, ctx: ReportContext) -> list[str]:
    """The capped, most-severe-first list of workflow commands."""
    rules = {r.id: r for r in [*result.rules, *ctx.rules]}
    # Suppressed findings never annotate: an annotation is a request to act.
    findings = sorted(result.active, key=lambda f: (-f.severity.rank, f.sort_key(), f.message))
    candidates = [(LEVEL[f.severity], _finding_command(f, rules)) for f in findings]
    candidates += [(_diagnostic_level(d), _diagnostic_command(d)) for d in sorted(
        result.diagnostics, key=lambda d: (str(d.span) if d.span else "", d.message))]
    order = {"error": 0, "warning": 1, "notice": 2}
    candidates.sort(key=lambda item: order[item[0]])  # stable: severity order kept within
    caps = {"error": MAX_ERRORS, "warning": MAX_WARNINGS, "notice": MAX_TOTAL}
    used = {"error": 0, "warning": 0, "notice": 0}
    out: list[str] = []
    left_out = 0
    for level, line in candidates:
        # One slot stays free for the overflow notice.
        if used[level] >= caps[level] or len(out) >= MAX_TOTAL - 1:
            left_out += 1
            continue
        used[level] += 1
        out.append(line)
    if left_out:
        noun = "annotation" if left_out == 1 else "annotations"
        out.append(command(
            "notice", f"{left_out} more mlaudit {noun} not shown: GitHub displays at most "
            f"{MAX_ERRORS} errors and {MAX_WARNINGS} warnings per step. The job summary and "
            "`--format sarif` or `--format json` list every finding.",
            title="mlaudit: more findings"))
    return out


def write_step_summary(result: ScanResult, ctx: ReportContext, path: Path) -> str | None:
    """Append the Markdown summary to `path`; returns an error message instead of raising."""
    from mlaudit_reports.markdown import render_limited

    try:
        existing = path.stat().st_size if path.exists() else 0
        budget = min(SUMMARY_BUDGET, SUMMARY_LIMIT - existing - 1024)
        if budget < 2048:
            return f"{path} already holds {existing} bytes; the job summary was not written"
        text = render_limited(result, ctx, max_bytes=budget)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        return f"could not write the job summary to {path}: {exc.strerror or exc}"
    return None


def render(result: ScanResult, ctx: ReportContext) -> str:
    lines = annotation_lines(result, ctx)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        problem = write_step_summary(result, ctx, Path(summary_file))
        if problem:
            lines.append(command("warning", problem, title="mlaudit job summary"))
    return "\n".join(lines) + ("\n" if lines else "")
