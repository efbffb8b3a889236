"""One fact, one finding: identical findings a rule yields through two subjects merge."""

from __future__ import annotations

from mlaudit.engine import _merge_identical
from mlaudit.finding import Finding, Location, Related
from mlaudit.severity import Severity
from mlaudit.span import Span


def _finding(line: int, message: str, related_line: int) -> Finding:
    return Finding("MLA704", "app-server-proxy-headers-ignored", Severity.INFO, message,
                   Location(Span("Dockerfile", line, 1)),
                   (Related(Location(Span("nginx.conf", related_line, 1)), "proxies here"),))


def test_identical_findings_merge_with_their_related_locations() -> None:
    merged = _merge_identical([_finding(25, "uvicorn behind nginx", 15),
                               _finding(25, "uvicorn behind nginx", 30),
                               _finding(25, "uvicorn behind nginx", 15)])
    assert len(merged) == 1
    assert [r.location.span.line for r in merged[0].related if r.location.span] == [15, 30]


def test_different_lines_or_messages_stay_apart() -> None:
    found = [_finding(25, "a", 15), _finding(26, "a", 15), _finding(25, "b", 15)]
    assert _merge_identical(found) == found
