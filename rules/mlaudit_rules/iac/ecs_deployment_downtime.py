"""ECS rolling deployment can take the service down or keep a broken release

## What it flags
An `aws_ecs_service` using ECS rolling updates whose
`deployment_minimum_healthy_percent = 0` lets the scheduler stop every task before
starting new ones (on that line); and one with no `deployment_circuit_breaker` that
is enabled and rolls back (on the service, or on `enable` / `rollback` when set false).

Not flagged: services on `CODE_DEPLOY` or `EXTERNAL` controllers or a non-rolling
`deployment_configuration` strategy (blue/green keeps the old tasks); daemon services;
a percent above 0 (ECS rounds the minimum up, so 50% of one task still keeps one);
services that roll back through deployment `alarms`; values or `dynamic` blocks that
cannot be resolved.

## Why it matters
Model servers take minutes to pull large images and load weights. With a minimum of 0
every request fails during that time. Without the circuit breaker a release that
cannot start (a missing model file, too little memory for the new weights) keeps
ECS replacing crashing tasks for hours instead of returning to the working version.

## How to fix
Keep `deployment_minimum_healthy_percent = 100`, allow `deployment_maximum_percent =
200`, and enable the circuit breaker with rollback.

## Example
```hcl
resource "aws_ecs_service" "api" {
  name                               = "model-api"
  desired_count                      = 1
  deployment_minimum_healthy_percent = 0
}
```

```hcl
resource "aws_ecs_service" "api" {
  name                               = "model-api"
  desired_count                      = 1
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}
```

## References
- https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
- https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import Resource, TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._terraform import once

RULE = Rule(
    id="MLA340",
    name="ecs-deployment-downtime",
    title="ECS rolling deployment can take the service down or keep a broken release",
    severity=Severity.MEDIUM,
    category=Category.ROLLOUT,
    target=TerraformModule,
    kind=Kind.RELIABILITY,
    tags=("terraform", "aws", "ecs", "deployment"),
    docs=__doc__ or "",
)


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    for svc in module.resources_of("aws_ecs_service"):
        if not _rolling(svc):
            continue
        at = svc.config_address
        if svc.get("deployment_minimum_healthy_percent") == 0:
            yield ctx.finding(
                f"aws_ecs_service {at} sets deployment_minimum_healthy_percent = 0: a "
                "deployment may stop every task before the new ones are healthy",
                svc.span_of("deployment_minimum_healthy_percent"), key=f"{at}:minimum")
        # CloudWatch alarm rollback is the other automatic way back to the working release.
        alarm_rollback = any(a.get("enable") is True and a.get("rollback") is True
                             for a in svc.blocks("alarms"))
        if alarm_rollback or svc.block_unknown("deployment_circuit_breaker"):
            continue
        breakers = svc.blocks("deployment_circuit_breaker")
        if not breakers:
            yield ctx.finding(
                f"aws_ecs_service {at} has no deployment_circuit_breaker: a release whose tasks "
                "never become healthy is not rolled back", svc.span, key=f"{at}:breaker")
            continue
        for name in ("enable", "rollback"):
            if breakers[0].get(name, False) is False:
                how = f"{name} = false" if breakers[0].has(name) else f"no {name}"
                yield ctx.finding(
                    f"aws_ecs_service {at} has a deployment_circuit_breaker with {how}: a "
                    "failing release is not rolled back", breakers[0].span_of(name),
                    key=f"{at}:breaker")
                break


def _rolling(svc: Resource) -> bool:
    """ECS rolling updates of a replica service: the only case these settings govern."""
    if svc.get("scheduling_strategy", "REPLICA") != "REPLICA":
        return False
    for controller in svc.blocks("deployment_controller"):
        if controller.get("type", "ECS") != "ECS":
            return False
    for config in svc.blocks("deployment_configuration"):
        if config.get("strategy", "ROLLING") != "ROLLING":
            return False
    return not svc.block_unknown("deployment_controller")
