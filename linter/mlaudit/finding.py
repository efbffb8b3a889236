"""Findings and diagnostics: what a scan produces.

A `Finding` is immutable and is only built through `RuleContext.finding`, which fills in the
rule id and the effective severity, so a rule never writes them by hand. Its message and
evidence are redacted at construction time, so no reporter can ever see a raw secret.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, replace

from mlaudit.severity import Severity
from mlaudit.span import Span


class Origin(enum.Enum):
    STATIC = "static"
    LIVE = "live"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points: a file span, and/or a live cloud resource.

    Static findings always have `span`. Live findings (drift, live AWS state) carry the
    resource's ARN or id in `resource`, and a `span` at the IaC line that declares it when
    one exists; reporters that need a file (SARIF) anchor there.
    """

    span: Span | None = None
    resource: str | None = None
    symbol: str | None = None  # symbolic path, e.g. resource.aws_security_group.api.ingress[0]

    @property
    def path(self) -> str | None:
        return self.span.path if self.span else None

    @property
    def line(self) -> int:
        return self.span.line if self.span else 1

    def describe(self) -> str:
        if self.span is not None:
            return str(self.span)
        return self.resource or "<unknown>"


@dataclass(frozen=True, slots=True)
class Related:
    """A secondary location with a note saying why it matters (cross-file evidence)."""

    location: Location
    note: str


class SuppressionKind(enum.Enum):
    INLINE = "inline"
    CONFIG = "config"
    BASELINE = "baseline"


@dataclass(frozen=True, slots=True)
class Suppression:
    kind: SuppressionKind
    reason: str = ""
    span: Span | None = None  # the comment that suppressed it, for inline suppressions


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    location: Location
    related: tuple[Related, ...] = ()
    fingerprint: str = ""
    origin: Origin = Origin.STATIC
    suppression: Suppression | None = None
    # Stable identity of the fact, independent of line numbers (resource address, stage
    # name, normalised line text). Never a raw secret.
    key: str = ""
    # The primary line's source text, for reporters that show it (text output), with every
    # secret the scan found in any file masked. Not part of the identity of a finding.
    excerpt: str = ""

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    def with_suppression(self, suppression: Suppression) -> Finding:
        return replace(self, suppression=suppression)

    def sort_key(self) -> tuple[str, int, int, str]:
        span = self.location.span
        return (
            span.path if span else "~" + (self.location.resource or ""),
            span.line if span else 0,
            span.column if span else 0,
            self.rule_id,
        )


def fingerprint(rule_id: str, path: str, key: str, occurrence: int = 1) -> str:
    """A tool-owned fingerprint that survives line shifts.

    It hashes the rule, the file and the finding's stable key (never a line number and
    never a raw secret: keys are built from redacted text), plus an occurrence counter
    for repeats of the same key in one file.
    """
    digest = hashlib.sha256(f"{rule_id}\0{path}\0{key}\0{occurrence}".encode()).hexdigest()
    return digest[:32]


class DiagnosticLevel(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something about the scan itself: an unparseable file, a skipped file, a notice.

    Diagnostics never change the exit code on their own; they become SARIF
    `toolExecutionNotifications` and a section of the text report.
    """

    message: str
    span: Span | None = None
    level: DiagnosticLevel = DiagnosticLevel.WARNING
    code: str = "parse-error"

    def describe(self) -> str:
        where = f"{self.span}: " if self.span else ""
        return f"{where}{self.message}"
