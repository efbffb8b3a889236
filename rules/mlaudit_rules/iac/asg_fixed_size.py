"""Auto Scaling group cannot scale

## What it flags
An `aws_autoscaling_group` whose `min_size` and `max_size` are both known and equal, when
no `aws_autoscaling_policy` or `aws_autoscaling_schedule` is attached to it (by reference
or by its literal name). The finding sits on `max_size`.

Not flagged: a range (`min_size = 1`, `max_size = 4`); equal sizes with a policy or a
schedule; sizes that cannot be resolved; `max_size = 0` (a group switched off); every
group, when a policy's `autoscaling_group_name` cannot be resolved.

## Why it matters
A GPU inference fleet pinned at one size cannot absorb a traffic spike, and pays for
peak capacity all night. The group still replaces failed instances, but a
`min_size == max_size` group with no policy is a fixed fleet in disguise.

## How to fix
Give the group room (`max_size` above `min_size`) and attach a target-tracking policy
on CPU, GPU utilisation or request count.

## Example
```hcl
resource "aws_autoscaling_group" "gpu" {
  min_size = 2
  max_size = 2
}
```

```hcl
resource "aws_autoscaling_group" "gpu" {
  min_size = 2
  max_size = 8
}
resource "aws_autoscaling_policy" "gpu" {
  autoscaling_group_name = aws_autoscaling_group.gpu.name
  policy_type            = "TargetTrackingScaling"
  target_tracking_configuration {
    target_value = 60
    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
  }
}
```

## References
- https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule, TerraformProject
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._scaling import refs, terraform_of
from mlaudit_rules.iac._terraform import once

RULE = Rule(
    id="MLA331",
    name="asg-fixed-size",
    title="Auto Scaling group cannot scale",
    severity=Severity.MEDIUM,
    category=Category.SCALING,
    target=TerraformModule,
    kind=Kind.RELIABILITY,
    tags=("terraform", "aws", "autoscaling"),
    docs=__doc__ or "",
)

_ASG = "aws_autoscaling_group"


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    tf = terraform_of(ctx.deployment)
    if tf is None or not any(module.resources_of(_ASG)):
        return
    attached = ctx.deployment.memo(("asg-attached", id(tf)),
                                   lambda: _attached(ctx.deployment, tf))
    if attached is None:
        return  # a policy we cannot place may belong to any group
    for group in module.resources_of(_ASG):
        low, high = group.get("min_size"), group.get("max_size")
        if not (_number(low) and _number(high)) or low != high or high == 0:
            continue
        name = group.get("name")
        if group.config_address in attached or name in attached or (
                not isinstance(name, str) and _literal_names(attached)):
            continue  # attached, or a policy names a group whose name we cannot know
        yield ctx.finding(
            f"aws_autoscaling_group {group.config_address} has min_size = max_size = {high} "
            "and no scaling policy: the fleet can never grow", group.span_of("max_size"),
            related=[(group.span_of("min_size"), f"min_size = {low}")],
            key=group.config_address)


def _attached(deployment: object, tf: TerraformProject) -> set[str] | None:
    """Group addresses and literal names that a policy or schedule scales (None: some
    policy cannot be placed). Project-wide, so computed once per scan."""
    attached: set[str] = set()
    for policy in tf.resources("aws_autoscaling_"):
        if policy.type not in ("aws_autoscaling_policy", "aws_autoscaling_schedule"):
            continue
        linked = refs(deployment, policy, "autoscaling_group_name", _ASG) or set()
        name = policy.get("autoscaling_group_name")
        if isinstance(name, str):
            linked.add(name)
        if not linked:
            return None
        attached |= linked
    return attached


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _literal_names(attached: set[str]) -> bool:
    return any(not a.startswith(f"{_ASG}.") and f".{_ASG}." not in a for a in attached)
