"""Counting shared by the reporters: one place decides what the summary says."""

from __future__ import annotations

from dataclasses import dataclass

from mlaudit.engine import ScanResult
from mlaudit.finding import SuppressionKind
from mlaudit.severity import Severity


@dataclass(frozen=True)
class Summary:
    by_severity: dict[Severity, int]
    total: int
    suppressed_inline: int
    suppressed_config: int
    baselined: int
    failing: int
    files: int
    diagnostics: int

    @property
    def suppressed(self) -> int:
        return self.suppressed_inline + self.suppressed_config


def summarise(result: ScanResult, fail_on: Severity | None) -> Summary:
    counts = {s: 0 for s in Severity}
    for finding in result.active:
        counts[finding.severity] += 1
    kinds = [f.suppression.kind for f in result.suppressed if f.suppression]
    return Summary(
        by_severity=counts,
        total=sum(counts.values()),
        suppressed_inline=kinds.count(SuppressionKind.INLINE),
        suppressed_config=kinds.count(SuppressionKind.CONFIG),
        baselined=kinds.count(SuppressionKind.BASELINE),
        failing=len(result.failing(fail_on)) if fail_on is not None else 0,
        files=result.files_scanned,
        diagnostics=len(result.diagnostics),
    )


def threshold_name(fail_on: Severity | None) -> str:
    return fail_on.value if fail_on is not None else "none"


def severity_phrase(summary: Summary) -> str:
    parts = [f"{n} {s.value}" for s, n in summary.by_severity.items() if n]
    return ", ".join(parts)


def headline(summary: Summary) -> str:
    noun = "finding" if summary.total == 1 else "findings"
    text = f"{summary.total} {noun}"
    if summary.total:
        text += f" ({severity_phrase(summary)})"
    text += f" in {summary.files} file{'s' if summary.files != 1 else ''}"
    extras = []
    if summary.suppressed:
        extras.append(f"{summary.suppressed} suppressed")
    if summary.baselined:
        extras.append(f"{summary.baselined} in baseline")
    if summary.diagnostics:
        extras.append(f"{summary.diagnostics} diagnostic{'s' if summary.diagnostics != 1 else ''}")
    if extras:
        text += "; " + ", ".join(extras)
    return text
