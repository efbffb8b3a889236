"""Auto scaling target leaves no headroom

## What it flags
An `aws_appautoscaling_target` whose `max_capacity` equals its `min_capacity` (any
namespace: ECS, SageMaker endpoint variants, ...), on `max_capacity`; and an ECS target
with `min_capacity` below 2 for a public service, on `min_capacity`. A service is public
when its `load_balancer` target group is forwarded to by a listener of an `aws_lb` that
is not `internal`.

Not flagged: a real range (`min_capacity = 2`, `max_capacity = 10`); `min_capacity = 1`
for a service behind an internal load balancer or none; capacities, services or load
balancers that cannot be resolved; `max_capacity = 0`.

## Why it matters
With min equal to max every scaling policy is a no-op: the endpoint looks autoscaled
and is not. A public model API at one task goes dark while that task is replaced, while
it is redeployed, and when its Availability Zone fails.

## How to fix
Keep at least two tasks behind a public load balancer, and room above the minimum.

## Example
```hcl
resource "aws_appautoscaling_target" "api" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/inference/model-api"
  min_capacity       = 1
  max_capacity       = 1
}
```

```hcl
resource "aws_appautoscaling_target" "api" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/inference/model-api"
  min_capacity       = 2
  max_capacity       = 10
}
```

## References
- https://docs.aws.amazon.com/autoscaling/application/userguide/what-is-application-auto-scaling.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._scaling import is_ecs_target, scaled_services, service_public, terraform_of
from mlaudit_rules.iac._terraform import once

RULE = Rule(
    id="MLA332",
    name="autoscaling-no-headroom",
    title="Auto scaling target leaves no headroom",
    severity=Severity.LOW,
    category=Category.SCALING,
    target=TerraformModule,
    kind=Kind.RELIABILITY,
    tags=("terraform", "aws", "autoscaling"),
    docs=__doc__ or "",
)


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    tf = terraform_of(ctx.deployment)
    services = list(tf.resources("aws_ecs_service")) if tf is not None else []
    for target in module.resources_of("aws_appautoscaling_target"):
        low, high = target.get("min_capacity"), target.get("max_capacity")
        if not (_number(low) and _number(high)):
            continue
        if low == high and high != 0:
            yield ctx.finding(
                f"aws_appautoscaling_target {target.config_address} has min_capacity = "
                f"max_capacity = {high}: its scaling policies can never change the count",
                target.span_of("max_capacity"),
                related=[(target.span_of("min_capacity"), f"min_capacity = {low}")],
                key=f"{target.config_address}:max")
            continue
        if low >= 2 or tf is None or not is_ecs_target(target):
            continue
        names = scaled_services(ctx.deployment, module, target, services) or set()
        public = [s for s in services if s.config_address in names
                  and service_public(ctx.deployment, tf, s) is True]
        if public:
            yield ctx.finding(
                f"aws_appautoscaling_target {target.config_address} lets public service "
                f"{public[0].config_address} scale down to {low} task(s): no redundancy behind "
                "an internet-facing load balancer", target.span_of("min_capacity"),
                related=[(public[0].span_of("load_balancer"), "attached to a public load "
                          "balancer's target group")], key=f"{target.config_address}:min")


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
