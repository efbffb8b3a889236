"""Target group health check reacts slowly to a failed target

## What it flags
An `aws_lb_target_group` / `aws_alb_target_group` `health_check` with `interval` over 30
seconds or `unhealthy_threshold` over 5, each on its own line.

Not flagged: `interval = 30` and `unhealthy_threshold = 3` (or anything at or below 30 s
and 5 checks); disabled health checks; values that cannot be resolved statically.

## Why it matters
A target is taken out of service after `interval * unhealthy_threshold` seconds of
failed checks. With `interval = 120` and `unhealthy_threshold = 10`, a model server that
hangs (out of GPU memory, a deadlocked worker) keeps receiving traffic for 20 minutes.
Slow model loading belongs in the healthy side (a start period or a grace period), not
in slow failure detection.

## How to fix
Keep `interval` at 30 seconds or less and `unhealthy_threshold` at 5 or less; cover
model loading with `health_check_grace_period_seconds` on the ECS service.

## Example
```hcl
resource "aws_lb_target_group" "api" {
  port     = 8000
  protocol = "HTTP"
  health_check {
    path                = "/healthz"
    interval            = 120
    unhealthy_threshold = 10
  }
}
```

```hcl
resource "aws_lb_target_group" "api" {
  port     = 8000
  protocol = "HTTP"
  health_check {
    path                = "/healthz"
    interval            = 30
    unhealthy_threshold = 3
  }
}
```

## References
- https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._terraform import once

RULE = Rule(
    id="MLA311",
    name="target-group-health-check-slow",
    title="Target group health check reacts slowly to a failed target",
    severity=Severity.LOW,
    category=Category.HEALTH,
    target=TerraformModule,
    kind=Kind.RELIABILITY,
    tags=("terraform", "aws", "load-balancer"),
    docs=__doc__ or "",
)

# attribute -> (largest acceptable value, unit for the message)
_LIMITS = {"interval": (30, "seconds"), "unhealthy_threshold": (5, "failed checks")}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    for tg in module.resources_of("aws_lb_target_group", "aws_alb_target_group"):
        for block in tg.blocks("health_check")[:1]:
            if block.get("enabled", True) is False:
                continue
            for name, (limit, unit) in _LIMITS.items():
                value = _number(block.get(name))
                if value is not None and value > limit:
                    yield ctx.finding(
                        f"target group {tg.config_address} health check {name} is "
                        f"{value:g} {unit} (over {limit})", block.span_of(name),
                        key=f"{tg.config_address}:{name}")
