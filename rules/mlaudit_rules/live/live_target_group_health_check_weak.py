"""Live target group health check is disabled or only asks for `/`

## What it flags
An HTTP or HTTPS target group whose health check is disabled, or whose path is `/`.

Not flagged: TCP, UDP, TLS and GENEVE target groups (no path to set); Lambda target
groups with their health check off (the default for them); any other path.

## Why it matters
`/` usually answers 200 as soon as the web framework starts, long before the model is
loaded, and keeps answering when inference is broken: the load balancer sends traffic to
tasks that cannot serve it. A disabled health check never takes a dead target out.

## How to fix
Point the health check at a readiness endpoint that checks the model is loaded (`/ready`,
`/health`), and keep it enabled.

## Example
```text
HealthCheckEnabled: true, HealthCheckPath: /
```

```text
HealthCheckEnabled: true, HealthCheckPath: /ready
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA806",
    name="live-target-group-health-check-weak",
    title="Live target group health check is disabled or only asks for `/`",
    severity=Severity.MEDIUM,
    category=Category.HEALTH,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "aws", "load-balancer", "health"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for group in state.facts.target_groups:
        if group.protocol.upper() not in ("HTTP", "HTTPS"):
            continue
        if not group.health_check_enabled:
            what = "has its health check disabled"
        elif group.health_check_path == "/":
            what = "checks health on / (answers before the model is loaded)"
        else:
            continue
        yield report(ctx, state, f"target group {group.name} ({group.region}) {what}",
                     group.arn)
