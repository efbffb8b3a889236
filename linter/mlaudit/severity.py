"""Severity, confidence, kind and category: the fixed scales every rule and finding uses."""

from __future__ import annotations

import enum


class Severity(enum.Enum):
    """How bad a finding is. Ordered: CRITICAL > HIGH > MEDIUM > LOW > INFO."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Confidence(enum.Enum):
    """How sure a rule is that a finding is real; maps to SARIF `precision`."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Kind(enum.Enum):
    """Security rules get a SARIF security-severity; the others a problem.severity."""

    SECURITY = "security"
    RELIABILITY = "reliability"
    COST = "cost"


class Category(enum.Enum):
    """The fixed taxonomy. Every catalogue rule belongs to exactly one of these.

    `META` is reserved for the MLA0xx rules that are about mlaudit itself (an unused
    suppression): they describe the audit, not the deployment.
    """

    SECRETS = "secrets"
    HEALTH = "health"
    EXPOSURE = "exposure"
    EDGE = "edge"
    SCALING = "scaling"
    SERVERLESS = "serverless"
    CICD = "cicd"
    IMAGE = "image"
    IAC = "iac"
    ROLLOUT = "rollout"
    DRIFT = "drift"
    META = "meta"
