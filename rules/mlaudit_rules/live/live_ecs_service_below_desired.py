"""Live ECS service runs fewer tasks than it wants

## What it flags
An ECS service whose running task count is below its desired count at the time of the
run.

Not flagged: services at or above their desired count.

## Why it matters
Tasks that never reach RUNNING mean capacity the deployment believes it has and does
not: an image that fails to pull, a container killed for memory while loading weights,
no capacity for the GPU instance type, a failing health check. The service is degraded
now, or one failure away from an outage.

## How to fix
Read the service's events and the stopped tasks' `stoppedReason`
(`aws ecs describe-services`, `aws ecs describe-tasks`), fix the cause, and alarm on
`RunningTaskCount < DesiredTaskCount`.

## Example
```text
service/ml/api: desired 3, running 1
```

```text
service/ml/api: desired 3, running 3
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
    id="MLA805",
    name="live-ecs-service-below-desired",
    title="Live ECS service runs fewer tasks than it wants",
    severity=Severity.HIGH,
    category=Category.HEALTH,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "aws", "ecs", "health"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for service in state.facts.ecs_services:
        if service.running < service.desired:
            yield report(ctx, state, f"ECS service {service.cluster}/{service.name} "
                         f"({service.region}) runs {service.running} of {service.desired} "
                         "desired tasks", service.arn)
