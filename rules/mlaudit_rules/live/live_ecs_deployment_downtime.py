"""Live ECS service deploys with downtime or without a circuit breaker

## What it flags
A running ECS service whose deployment configuration lets a rollout stop every task
before new ones are healthy (`minimumHealthyPercent` 0 with more than one task, or
`maximumPercent` at most 100 with `minimumHealthyPercent` 0), or whose deployment
circuit breaker is off.

Not flagged: services where the API reports no deployment configuration (nothing to
judge), services scaled to 0, services using a CODE_DEPLOY or EXTERNAL controller (their
deployment configuration lives elsewhere).

## Why it matters
With the minimum at 0 a deployment takes the model offline while new tasks pull a
multi-gigabyte image and load weights. Without a circuit breaker a broken image loops
forever, replacing healthy tasks with failing ones, and never rolls back.

## How to fix
Set `minimumHealthyPercent = 100` and `maximumPercent = 200`, and enable the deployment
circuit breaker with rollback.

## Example
```text
deploymentConfiguration: minimumHealthyPercent 0, maximumPercent 100, circuit breaker off
```

```text
deploymentConfiguration: minimumHealthyPercent 100, maximumPercent 200,
deploymentCircuitBreaker: enable true, rollback true
```

## References
- https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA802",
    name="live-ecs-deployment-downtime",
    title="Live ECS service deploys with downtime or without a circuit breaker",
    severity=Severity.MEDIUM,
    category=Category.ROLLOUT,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "aws", "ecs", "deployment"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for service in state.facts.ecs_services:
        if service.desired <= 0:
            continue
        problems = []
        low, high = service.min_healthy_percent, service.max_percent
        if low == 0 and (service.desired > 1 or (high is not None and high <= 100)):
            problems.append(f"minimumHealthyPercent 0 (maximumPercent {high}) stops every "
                            "task before new ones are healthy")
        if service.circuit_breaker is False:
            problems.append("the deployment circuit breaker is off")
        if problems:
            yield report(ctx, state, f"ECS service {service.cluster}/{service.name} "
                         f"({service.region}): {'; '.join(problems)}", service.arn)
