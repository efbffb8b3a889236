"""ECS deploy step does not wait for the service to become stable

## What it flags
`aws-actions/amazon-ecs-deploy-task-definition` updating a `service:` without
`wait-for-service-stability: true`. The finding sits on the `uses:` line.

Not flagged: steps that only register a task definition (no `service:`); a value
written as an expression (cannot tell).

## Why it matters
Without waiting, the step succeeds as soon as ECS accepts the new task definition. A
model container that crashes while loading weights, or fails its health check, leaves
the workflow green while ECS loops on failing tasks (or the circuit breaker rolls back
silently), and nobody is told the release did not ship.

## How to fix
Set `wait-for-service-stability: true` (and a `wait-for-minutes` that covers model
loading), so a failed rollout fails the workflow.

## Example
```yaml
- uses: aws-actions/amazon-ecs-deploy-task-definition@v2
  with:
    task-definition: task-definition.json
    service: model-api
    cluster: prod
```

```yaml
- uses: aws-actions/amazon-ecs-deploy-task-definition@v2
  with:
    task-definition: task-definition.json
    service: model-api
    cluster: prod
    wait-for-service-stability: true
```

## References
- https://github.com/aws-actions/amazon-ecs-deploy-task-definition
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import Workflow
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

RULE = Rule(
    id="MLA408",
    name="ecs-deploy-no-wait",
    title="ECS deploy step does not wait for the service to become stable",
    severity=Severity.LOW,
    category=Category.ROLLOUT,
    target=Workflow,
    kind=Kind.RELIABILITY,
    tags=("github-actions", "aws", "ecs"),
    docs=__doc__ or "",
)


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    for job in workflow.jobs:
        for step in job.steps:
            uses = step.uses
            if uses is None or not uses.is_action("aws-actions/amazon-ecs-deploy-task-definition"):
                continue
            service = step.input("service")
            if service is None or not service.value.strip():
                continue
            wait = step.input("wait-for-service-stability")
            value = wait.value.strip().lower() if wait is not None else "false"
            if value == "true" or "${{" in value:
                continue
            yield ctx.finding(
                f"job {job.id} updates ECS service {service.value} without waiting for it "
                "to become stable: a failed rollout leaves the workflow green",
                uses.span, key=f"{job.id}:{service.value}",
            )
