"""Resource in the Terraform state no longer exists

## What it flags
A resource a Terraform root's state records (security group, ECS service, target group,
Lambda function, ECR repository, SageMaker endpoint) that the live account no longer has:
deleted outside Terraform. The finding sits on the `.tf` block declaring it, or on its
state entry when the code no longer declares it either.

Not flagged: resources whose region or service listing was not read completely (an
access-denied listing proves nothing), other resource types.

## Why it matters
Something the deployment depends on is gone: a target group deleted by hand leaves a
service with no traffic, a deleted security group leaves instances unreachable. The next
apply recreates it with new ids, breaking anything that referenced the old ones.

## How to fix
Find out who deleted it (CloudTrail), then `terraform apply` to recreate it, or remove it
from the code and the state (`terraform state rm`) if the deletion was intended.

## Example
```text
state: aws_lambda_function.predict (predict); live: ResourceNotFound
```

```text
state and live: function predict exists
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, drift, managed, readable

RULE = Rule(
    id="MLA856",
    name="drift-resource-deleted",
    title="Resource in the Terraform state no longer exists",
    severity=Severity.HIGH,
    category=Category.DRIFT,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "drift", "terraform", "aws"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)

# Terraform type -> (service whose listing proves absence, state attribute, live ids)
_TYPES = {
    "aws_security_group": ("ec2", "id"),
    "aws_ecs_service": ("ecs", "id"),
    "aws_lb_target_group": ("elbv2", "arn"),
    "aws_alb_target_group": ("elbv2", "arn"),
    "aws_lambda_function": ("lambda", "function_name"),
    "aws_ecr_repository": ("ecr", "name"),
    "aws_sagemaker_endpoint": ("sagemaker", "name"),
}


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    facts = state.facts
    present = {
        "aws_security_group": {g.id for g in facts.security_groups},
        "aws_ecs_service": {s.arn for s in facts.ecs_services},
        "aws_lb_target_group": {g.arn for g in facts.target_groups},
        "aws_lambda_function": {f.name for f in facts.functions},
        "aws_ecr_repository": {r.name for r in facts.repositories},
        "aws_sagemaker_endpoint": {e.name for e in facts.endpoints},
    }
    present["aws_alb_target_group"] = present["aws_lb_target_group"]
    for root, res in managed(state, *_TYPES):
        service, attribute = _TYPES[res.type]
        value = res.values.get(attribute) or res.values.get("id")
        if not isinstance(value, str) or not value or not readable(state, res, service):
            continue
        if value not in present[res.type]:
            yield drift(ctx, root, res, f"{value} is in the state but no longer exists in "
                        "the account (deleted outside Terraform)")
