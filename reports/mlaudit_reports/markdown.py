"""GitHub-flavoured Markdown job summary (`--format markdown`, and `$GITHUB_STEP_SUMMARY`).

GitHub rejects a step summary over 1 MiB (the upload fails with an error annotation), so
the report is built against a byte budget well below that and says when it cut rows.
Every cell is escaped: a `|` or a newline in a message would otherwise break the table.
"""

from __future__ import annotations

from typing import Any

from mlaudit.engine import ScanResult
from mlaudit.finding import Finding
from mlaudit.rule import Rule
from mlaudit.severity import Severity
from mlaudit_reports import ReportContext
from mlaudit_reports.rule_docs import anchor
from mlaudit_reports.summary import Summary, summarise, threshold_name

# The rule reference as published with the project; every rule has an anchor in it.
RULES_DOC_URL = "https://github.com/mlaudit/mlaudit/blob/main/rules/README.md"

# Half of GitHub's 1 MiB per-step limit: room for other steps' summaries is not ours
# to take, and a huge table is unreadable anyway.
DEFAULT_MAX_BYTES = 512 * 1024
MAX_ROWS = 500
MAX_DIAGNOSTICS = 100
_ICON = {
    Severity.CRITICAL: "🟣",
    Severity.HIGH: "🔴",
    Severity.MEDIUM: "🟠",
    Severity.LOW: "🔵",
    Severity.INFO: "⚪",
}


def rule_help_uri(rule: Rule[Any] | None) -> str:
    """Absolute link to a rule's section of the reference (the bare page when unknown);
    a checkov check's own guideline; "" for a policy's or plugin's rule, which mlaudit's
    reference does not document."""
    if rule is not None and rule.options.get("help_uri"):  # a checkov check's guideline
        return str(rule.options["help_uri"])
    if rule is not None and rule.origin != "mlaudit":
        return ""
    return f"{RULES_DOC_URL}#{anchor(rule)}" if rule is not None else RULES_DOC_URL


def cell(text: str) -> str:
    """Escape text for one table cell: HTML specials, pipes, and line breaks."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def _where(finding: Finding) -> str:
    loc = finding.location
    if loc.span is not None:
        return f"{loc.span.path}:{loc.span.line}"
    return loc.resource or "(no file)"


def _row(finding: Finding, rules: dict[str, Rule[Any]]) -> str:
    rule = rules.get(finding.rule_id)
    uri = rule_help_uri(rule)
    link = f"[{finding.rule_id}]({uri})" if uri else finding.rule_id
    severity = f"{_ICON[finding.severity]} {finding.severity.value}"
    if finding.suppression is not None:
        severity += f" (suppressed: {finding.suppression.kind.value})"
    return (f"| {severity} | {link} | {cell(_where(finding))} | "
            f"{cell(finding.message)} |\n")


def _verdict(summary: Summary, fail_on: Severity | None) -> str:
    if fail_on is None:
        return "✅ **passed**: fail threshold is `none`, findings never fail this run"
    if summary.failing:
        noun = "finding" if summary.failing == 1 else "findings"
        return (f"❌ **failed**: {summary.failing} {noun} at or above "
                f"`{fail_on.value}`")
    return f"✅ **passed**: no finding at or above `{fail_on.value}`"


def _head(result: ScanResult, ctx: ReportContext, summary: Summary) -> list[str]:
    out = ["## mlaudit deployment audit\n\n",
           f"{_verdict(summary, ctx.fail_on)}\n\n",
           f"{summary.total} active finding{'s' if summary.total != 1 else ''} in "
           f"{summary.files} scanned file{'s' if summary.files != 1 else ''}; "
           f"fail threshold `{threshold_name(ctx.fail_on)}`.\n\n",
           "| Severity | Count |\n| --- | ---: |\n"]
    out += [f"| {_ICON[s]} {s.value} | {n} |\n" for s, n in summary.by_severity.items()]
    out.append("\n")
    quiet = []
    if summary.suppressed:
        quiet.append(f"{summary.suppressed} suppressed ({summary.suppressed_inline} inline, "
                     f"{summary.suppressed_config} by configuration)")
    if summary.baselined:
        quiet.append(f"{summary.baselined} in the baseline")
    if quiet:
        out.append("Not counted: " + "; ".join(quiet) + ".\n\n")
    out += [f"{cell(note)}.\n\n" for note in result.notes]  # e.g. checkov's dropped results
    return out


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key(), f.message))


def render_limited(result: ScanResult, ctx: ReportContext,
                   max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The summary, never longer than `max_bytes` UTF-8 bytes (rows are cut to fit)."""
    summary = summarise(result, ctx.fail_on)
    rules = {r.id: r for r in [*result.rules, *ctx.rules]}
    findings = _ordered(result.findings if ctx.include_suppressed else result.active)
    head = "".join(_head(result, ctx, summary))
    tail = _diagnostics(result)
    # Reserve room for the truncation note so adding it can never break the budget.
    budget = max_bytes - len(head.encode()) - len(tail.encode()) - 400
    body: list[str] = []
    if findings:
        table = ("### Findings\n\n| Severity | Rule | Location | Message |\n"
                 "| --- | --- | --- | --- |\n")
        used = len(table.encode())
        shown = 0
        for finding in findings[:MAX_ROWS]:
            row = _row(finding, rules)
            if used + len(row.encode()) > budget:
                break
            table += row
            used += len(row.encode())
            shown += 1
        body.append(table + "\n")
        if shown < len(findings):
            body.append(f"> **Note:** {len(findings) - shown} more finding"
                        f"{'s' if len(findings) - shown != 1 else ''} not shown (this summary "
                        "is kept well below GitHub's 1 MiB limit). Run `mlaudit scan` with "
                        "`--format json` or `--format sarif` for the full list.\n\n")
    text = head + "".join(body) + tail
    if len(text.encode()) > max_bytes:  # a tiny budget: keep whole characters only
        text = text.encode()[:max_bytes].decode(errors="ignore")
    return text


def _diagnostics(result: ScanResult) -> str:
    if not result.diagnostics:
        return ""
    out = ["### Diagnostics\n\nThese files could not be fully scanned:\n\n"]
    diags = sorted(result.diagnostics, key=lambda d: (d.span.path if d.span else "",
                                                      d.span.line if d.span else 0, d.message))
    for diag in diags[:MAX_DIAGNOSTICS]:
        out.append(f"- {diag.level.value}: {cell(diag.describe())}\n")
    if len(diags) > MAX_DIAGNOSTICS:
        out.append(f"- … and {len(diags) - MAX_DIAGNOSTICS} more\n")
    out.append("\n")
    return "".join(out)


def render(result: ScanResult, ctx: ReportContext) -> str:
    return render_limited(result, ctx)
