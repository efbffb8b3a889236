"""Live ECS task definition runs an essential container without a health check

## What it flags
The task definition an ECS service runs now, when an essential container in it has no
`healthCheck` command.

Not flagged: non-essential containers (sidecars whose failure does not stop the task);
task definitions no service runs.

## Why it matters
Without a container health check ECS only notices a dead process: a model server that is
up but wedged (out of GPU memory, stuck loading weights, deadlocked worker) keeps its
task and keeps receiving traffic.

## How to fix
Add a `healthCheck` that calls the model's readiness endpoint, with a `startPeriod` long
enough for the weights to load.

## Example
```json
{"name": "api", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.4.2"}
```

```json
{"name": "api", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.4.2",
 "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8000/ready"],
                 "startPeriod": 120}}
```

## References
- https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA803",
    name="live-ecs-healthcheck-missing",
    title="Live ECS task definition runs an essential container without a health check",
    severity=Severity.MEDIUM,
    category=Category.HEALTH,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "aws", "ecs", "health"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    definitions = {d.arn: d for d in state.facts.task_definitions}
    for service in state.facts.ecs_services:
        definition = definitions.get(service.task_definition)
        if definition is None or service.desired <= 0:
            continue
        for container in definition.containers:
            if container.essential and not container.health_check:
                yield report(ctx, state, f"ECS service {service.cluster}/{service.name} runs "
                             f"{definition.arn.rsplit('/', 1)[-1]}"
                             f": essential container {container.name} has no health check",
                             definition.arn, service.arn)
