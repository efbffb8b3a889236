"""Human output: grouped by file, one line per finding, related evidence beneath, summary.

Colour only when asked (the CLI decides: a TTY, no --no-color, no NO_COLOR).
"""

from __future__ import annotations

import re
from collections import defaultdict

from mlaudit.engine import ScanResult
from mlaudit.finding import Finding
from mlaudit.severity import Severity
from mlaudit_reports import ReportContext
from mlaudit_reports.summary import headline, summarise, threshold_name

_COLORS = {
    Severity.CRITICAL: "\033[1;35m",
    Severity.HIGH: "\033[1;31m",
    Severity.MEDIUM: "\033[33m",
    Severity.LOW: "\033[36m",
    Severity.INFO: "\033[2m",
}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


# C0 and C1 control characters (and DEL): a file name or a value read from a file must
# never move the cursor, recolour the terminal or start a line of its own (a fake
# `::error` annotation in a CI log).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _safe(text: str) -> str:
    """Repository-derived text with control characters shown, not obeyed."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(0), f"\\x{ord(m.group(0)):02x}"), text)


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def _finding_lines(finding: Finding, color: bool) -> list[str]:
    loc = finding.location
    position = f"{loc.span.line}:{loc.span.column}" if loc.span else (loc.resource or "")
    severity = _paint(f"{finding.severity.value:<8}", _COLORS[finding.severity], color)
    rule = _paint(f"{finding.rule_id}", _BOLD, color)
    lines = [f"  {_safe(position):<8} {severity} {rule}  {_safe(finding.message)}"]
    for related in finding.related:
        lines.append(_paint(f"{'':11}↳ {_safe(related.location.describe())}: "
                            f"{_safe(related.note)}", _DIM, color))
    if finding.suppression is not None:
        reason = f" ({_safe(finding.suppression.reason)})" if finding.suppression.reason \
            else ""
        lines.append(_paint(f"{'':11}suppressed: {finding.suppression.kind.value}{reason}",
                            _DIM, color))
    return lines


def render(result: ScanResult, ctx: ReportContext) -> str:
    shown = result.findings if ctx.include_suppressed else result.active
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in shown:
        by_file[finding.location.path or finding.location.resource or "<live>"].append(finding)
    out: list[str] = []
    for path in sorted(by_file):
        out.append(_paint(_safe(path), _BOLD, ctx.color))
        for finding in by_file[path]:
            out.extend(_finding_lines(finding, ctx.color))
        out.append("")
    if result.diagnostics:
        out.append(_paint("Diagnostics (files that could not be fully scanned):", _BOLD,
                          ctx.color))
        for diag in result.diagnostics:
            out.append(f"  {diag.level.value:<8} {_safe(diag.describe())}")
        out.append("")
    summary = summarise(result, ctx.fail_on)
    line = headline(summary)
    if summary.failing:
        verdict = _paint(f"failed: {summary.failing} at or above {threshold_name(ctx.fail_on)}",
                         _COLORS[Severity.HIGH], ctx.color)
    else:
        verdict = _paint(f"passed (fail-on {threshold_name(ctx.fail_on)})", "\033[32m",
                         ctx.color)
    out.extend(_safe(note) for note in result.notes)  # e.g. checkov's dropped results
    out.append(f"{line} — {verdict}")
    return "\n".join(out) + "\n"
