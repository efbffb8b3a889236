"""Live ECS service has no autoscaling

## What it flags
A running ECS service (desired count above 0) with no scalable target registered in
Application Auto Scaling, or with a scalable target but no scaling policy.

Not flagged: services scaled to 0; services whose scaling could not be read (missing
`application-autoscaling:Describe*` permission: a notice says so).

## Why it matters
Inference traffic is bursty. A fixed task count either pays for idle GPUs all night or
queues and times out requests at the first spike; a scalable target without a policy
scales nothing.

## How to fix
Register the service as a scalable target and attach a target-tracking policy (CPU,
memory or `ALBRequestCountPerTarget`).

## Example
```text
service/ml/api: desired 2, no scalable target
```

```text
service/ml/api: scalable target 2-10, target tracking on ALBRequestCountPerTarget
```

## References
- https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-auto-scaling.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA801",
    name="live-ecs-service-not-autoscaled",
    title="Live ECS service has no autoscaling",
    severity=Severity.MEDIUM,
    category=Category.SCALING,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "aws", "ecs", "autoscaling"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for service in state.facts.ecs_services:
        if service.desired <= 0 or service.scalable_target is None:
            continue
        if not service.scalable_target:
            what = "has no scalable target in Application Auto Scaling"
        elif service.scaling_policies == 0:
            what = "has a scalable target but no scaling policy"
        else:
            continue
        yield report(ctx, state, f"ECS service {service.cluster}/{service.name} "
                     f"({service.region}, desired {service.desired}) {what}", service.arn)
