"""Shared helpers of the load balancer rules: listeners and the load balancer they serve."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import Resource, TerraformModule, Unknown

LB_TYPES = ("aws_lb", "aws_alb")
LISTENER_TYPES = ("aws_lb_listener", "aws_alb_listener")


def referenced(module: TerraformModule, value: object, types: tuple[str, ...]
               ) -> Resource | None:
    """The resource of this module an unresolved `aws_lb.web.arn` points at, if any."""
    if not isinstance(value, Unknown) or not value.ref:
        return None
    parts = [p.split("[", 1)[0] for p in value.ref.split(".")]
    if len(parts) < 2 or parts[0] not in types:
        return None
    return next((r for r in module.resources_of(*types) if r.name == parts[1]), None)


def load_balancer_of(module: TerraformModule, listener: Resource) -> Resource | None:
    return referenced(module, listener.get("load_balancer_arn"), LB_TYPES)


def is_application(lb: Resource) -> bool | None:
    """True for an ALB (the default type), False for NLB/GWLB; None: cannot tell."""
    kind = lb.get("load_balancer_type", "application")
    return kind == "application" if isinstance(kind, str) else None


def is_public(lb: Resource) -> bool | None:
    internal = lb.get("internal", False)
    return (internal is not True) if isinstance(internal, bool) else None


def protocol(listener: Resource, lb: Resource | None) -> str | None:
    """The listener protocol as AWS applies it; None: cannot tell. Without a protocol an
    ALB listener is HTTP; so is any listener on port 80."""
    value = listener.get("protocol")
    if isinstance(value, str):
        return value.upper()
    if value is None and (listener.get("port") == 80
                          or (lb is not None and is_application(lb) is True)):
        return "HTTP"
    return None


def once(findings: Iterable[Finding]) -> Iterator[Finding]:
    """Drop repeats of one fact (`count = 2` gives two instances of the same line)."""
    seen: set[tuple[str, int, str]] = set()
    for finding in findings:
        marker = (finding.location.path or "", finding.location.line, finding.key)
        if marker not in seen:
            seen.add(marker)
            yield finding
