"""Shared helpers of the Terraform rules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from mlaudit.finding import Finding


def once(findings: Iterable[Finding]) -> Iterator[Finding]:
    """Drop repeats of one fact: `count = 3` gives three instances of the same line, and
    a rule keyed on the config address should report that line once."""
    seen: set[tuple[str, int, str]] = set()
    for finding in findings:
        marker = (finding.location.path or "", finding.location.line, finding.key)
        if marker not in seen:
            seen.add(marker)
            yield finding
