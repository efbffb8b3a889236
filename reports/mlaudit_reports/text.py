"""Human output, in the style of ruff and zizmor.

    Dockerfile:1:1: medium MLA201 [dockerfile-no-healthcheck] serving image has no HEALTHCHECK
      |
    1 | FROM python:3.12-slim
      | ^^^^^^^^^^^^^^^^^^^^^
      = Dockerfile:5:1: EXPOSE 8000
      help: Add a HEALTHCHECK that probes the readiness route. (mlaudit explain MLA201)

The first line of a finding is `path:line:col: ...`, so terminals and editors can jump to
it; paths are relative to the current directory when it holds them (SARIF and JSON stay
relative to the repository root). The source excerpt comes from `Finding.excerpt`, which
the engine masked when it built the finding. Long lines wrap under their own indent when
a width is given (the CLI gives the terminal's width only to a terminal). Colour only
when asked (the CLI decides: a TTY, --color, NO_COLOR).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

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
_BLUE, _GREEN, _RED = "\033[34m", "\033[32m", "\033[1;31m"
_GLUE = "\ue000"  # a space that wrapping must not break at (a private-use character)
_MAX_EXCERPT = 160  # characters of a source line shown around the column


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


class _Paths:
    """Repository paths as the user can open them: relative to the current directory
    (`base`), like ruff; root-relative when no base is given."""

    def __init__(self, root: Path, base: Path | None) -> None:
        self.root = str(root.resolve()) if base is not None else None
        self.base = str(base.resolve()) if base is not None else None
        self.memo: dict[str, str] = {}

    def show(self, path: str) -> str:
        if self.root is None or self.base is None:
            return path
        shown = self.memo.get(path)
        if shown is None:
            try:
                shown = os.path.relpath(os.path.join(self.root, path), self.base)
            except ValueError:  # another drive on Windows
                shown = path
            shown = self.memo[path] = shown.replace(os.sep, "/")
        return shown


_HINTS: dict[str, str] = {}


def _fix_hint(rule: Any) -> str:
    """The first paragraph of the rule's "How to fix", on one line (its first sentence
    when the paragraph is long). Memoised: parsing a rule's docs per finding is slow."""
    if rule is None:
        return ""
    known = _HINTS.get(rule.id)
    if known is None:
        known = _HINTS[rule.id] = _first_paragraph(rule)
    return known


def _first_paragraph(rule: Any) -> str:
    try:
        fix = rule.parsed_docs.fix
    except AttributeError:
        return ""
    paragraph = " ".join(fix.strip().split("\n\n")[0].split())
    if len(paragraph) > 160 and ". " in paragraph:
        paragraph = paragraph[: paragraph.index(". ") + 1]
    return paragraph


def _excerpt(finding: Finding, color: bool) -> list[str]:
    span = finding.location.span
    line = finding.excerpt
    if span is None or not line.strip():
        return []
    column = min(span.column, len(line) + 1)
    indent = len(line) - len(line.lstrip())
    if span.end_line == span.line and span.end_column > span.column:
        width = min(span.end_column, len(line) + 1) - column
    elif column <= indent + 1:
        width = len(line.rstrip()) - indent  # about the whole line: underline its text
        column = indent + 1
    else:
        words = line[column - 1:].split()
        width = len(words[0]) if words else 1  # the word at the column
    width = max(1, width)
    start = 0
    if len(line) > _MAX_EXCERPT:  # show the part around the column
        start = max(0, column - 1 - _MAX_EXCERPT // 2)
        line = line[start:start + _MAX_EXCERPT]
    shown_line = _safe(line.replace("\t", " "))
    before = _safe(line[: max(0, column - 1 - start)].replace("\t", " "))
    under = _safe(line[column - 1 - start: column - 1 - start + width].replace("\t", " "))
    gutter = str(span.line)
    pad = " " * len(gutter)
    bar = _paint("|", _BLUE, color)
    carets = _paint("^" * max(1, len(under)), _COLORS[finding.severity], color)
    return [
        f"{pad} {bar}",
        f"{_paint(gutter, _BLUE, color)} {bar} {shown_line.rstrip()}",
        f"{pad} {bar} {' ' * len(before)}{carets}",
    ]


def _wrap(text: str, width: int | None, indent: str, first_indent: str = "") -> list[str]:
    """`text` wrapped to `width` with continuation lines under `indent` (never at column
    0, which would break the layout); unwrapped when no width is set (piped output stays
    one line per fact for grep)."""
    if not width:
        return [first_indent + text]
    import textwrap  # only on a terminal: piped output (pre-commit, CI) is not wrapped

    return textwrap.wrap(text, width=max(width, len(indent) + 20), initial_indent=first_indent,
                         subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False) or [first_indent]


def _finding_lines(finding: Finding, ctx: ReportContext, paths: _Paths,
                   rules: dict[str, Any]) -> list[str]:
    color = ctx.color
    loc = finding.location
    if loc.span is not None:
        where = f"{_safe(paths.show(loc.span.path))}:{loc.span.line}:{loc.span.column}"
    else:
        where = _safe(loc.resource or "<unknown>")
    severity = finding.severity.value
    head_plain = f"{where}: {severity} {finding.rule_id} [{finding.rule_name}] "
    message = _safe(finding.message)
    wrapped = _wrap(head_plain + message, ctx.width, "    ")
    # Paint the parts of the first line (wrapping was measured on the plain text).
    first = wrapped[0]
    if color and first.startswith(head_plain):
        first = (f"{_paint(where, _BOLD, True)}: "
                 f"{_paint(severity, _COLORS[finding.severity], True)} "
                 f"{_paint(finding.rule_id, _BOLD, True)} "
                 f"{_paint('[' + finding.rule_name + ']', _DIM, True)} "
                 + first[len(head_plain):])
    lines = [first, *wrapped[1:]]
    if ctx.show_source:
        lines.extend(_excerpt(finding, color))
    for related in finding.related:
        rloc = related.location
        target = (f"{_safe(paths.show(rloc.span.path))}:{rloc.span.line}:{rloc.span.column}"
                  if rloc.span is not None else _safe(rloc.describe()))
        for text in _wrap(f"= {target}: {_safe(related.note)}", ctx.width, "      ", "  "):
            lines.append(_paint(text, _DIM, color))
    if finding.suppression is not None:
        reason = f" ({_safe(finding.suppression.reason)})" if finding.suppression.reason \
            else ""
        lines.append(_paint(f"  suppressed: {finding.suppression.kind.value}{reason}", _DIM,
                            color))
    else:
        hint = _fix_hint(rules.get(finding.rule_id))
        # Kept on one line when wrapping: the command is copied as a whole.
        explain = f"(mlaudit{_GLUE}explain{_GLUE}{finding.rule_id})"
        help_text = f"{hint} {explain}" if hint else explain
        help_lines = [ln.replace(_GLUE, " ") for ln in
                      _wrap(f"help: {help_text}", ctx.width, "        ", "  ")]
        if color:
            help_lines[0] = help_lines[0].replace("help:", _paint("help:", _GREEN, True), 1)
        lines.extend(help_lines)
    return lines


def _statistics(shown: list[Finding], color: bool) -> list[str]:
    """Counts by rule, most frequent first (`--statistics`, as in ruff)."""
    counts = Counter((f.rule_id, f.rule_name, f.severity) for f in shown)
    if not counts:
        return []
    width = len(str(max(counts.values())))
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    out = []
    for (rule_id, name, severity), count in rows:
        sev = _paint(f"{severity.value:<8}", _COLORS[severity], color)
        out.append(f"{count:>{width}}  {_paint(rule_id, _BOLD, color)}  {sev}  [{name}]")
    return out


def render(result: ScanResult, ctx: ReportContext) -> str:
    shown = result.findings if ctx.include_suppressed else result.active
    paths = _Paths(result.root, ctx.base)
    rules = {rule.id: rule for rule in (ctx.rules or result.rules)}
    out: list[str] = []
    if ctx.statistics:
        out.extend(_statistics(shown, ctx.color))
        if out:
            out.append("")
    else:
        for finding in shown:
            out.extend(_finding_lines(finding, ctx, paths, rules))
            out.append("")
    if result.diagnostics:
        out.append(_paint("Diagnostics (files that could not be fully scanned):", _BOLD,
                          ctx.color))
        for diag in result.diagnostics:
            where = (f"{_safe(paths.show(diag.span.path))}:{diag.span.line}:{diag.span.column}: "
                     if diag.span else "")
            out.extend(_wrap(f"{where}{diag.level.value}: {_safe(diag.message)}", ctx.width,
                             "      ", "  "))
        out.append("")
    summary = summarise(result, ctx.fail_on)
    line = headline(summary)
    if summary.failing:
        verdict = _paint(f"failed: {summary.failing} at or above {threshold_name(ctx.fail_on)}",
                         _RED, ctx.color)
    else:
        verdict = _paint(f"passed (fail-on {threshold_name(ctx.fail_on)})", _GREEN, ctx.color)
    out.extend(_safe(note) for note in result.notes)  # e.g. checkov's dropped results
    out.append(f"{line} — {verdict}")
    return "\n".join(out) + "\n"
