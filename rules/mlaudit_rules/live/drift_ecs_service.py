"""ECS service desired count or image differs from the Terraform state

## What it flags
An ECS service a Terraform root manages whose live desired count differs from the state's
`desired_count`, or whose running task definition differs from the state's, with the
container images declared and live (an image deployed by hand or by another pipeline).
The finding sits on the `.tf` block declaring the service.

Not flagged: the desired count of a service registered with Application Auto Scaling
(scaling changes it on purpose); services whose region or ECS listing was not read.

## Why it matters
The code says the model runs image `v12` on 3 tasks; production runs an unreviewed hotfix
image on 1. The next `terraform apply` silently rolls the hotfix back, or the repository
no longer describes what serves traffic.

## How to fix
Commit the change (new image tag, new count) to the Terraform and apply it, or redeploy
from the code; then check with `terraform plan -refresh-only`.

## Example
```text
state: desired_count 3, image api:v12; live: desiredCount 1, image api:hotfix
```

```text
state and live: desired_count 3, image api:v12
```
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, drift, managed, readable

RULE = Rule(
    id="MLA851",
    name="drift-ecs-service",
    title="ECS service desired count or image differs from the Terraform state",
    severity=Severity.MEDIUM,
    category=Category.DRIFT,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "drift", "terraform", "aws", "ecs"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


def _images(values: dict[str, Any]) -> dict[str, str]:
    raw = values.get("container_definitions")
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return {}
    return {str(c.get("name")): str(c.get("image")) for c in items or []
            if isinstance(c, dict)}


def _revision(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    live = {s.arn: s for s in state.facts.ecs_services}
    definitions = {d.arn: d for d in state.facts.task_definitions}
    declared_defs: dict[str, dict[str, str]] = {}
    for _, res in managed(state, "aws_ecs_task_definition"):
        images = _images(res.values)
        for name in ("arn", "id"):
            value = res.values.get(name)
            if isinstance(value, str):
                declared_defs[value] = images
                declared_defs[_revision(value)] = images
    for root, res in managed(state, "aws_ecs_service"):
        service = live.get(str(res.values.get("id") or res.values.get("arn")))
        if service is None or not readable(state, res, "ecs"):
            continue
        parts = []
        count = res.values.get("desired_count")
        if isinstance(count, int) and count != service.desired and not service.scalable_target:
            parts.append(f"desired_count declared {count}, live {service.desired}")
        declared_def = str(res.values.get("task_definition") or "")
        if declared_def and _revision(declared_def) != _revision(service.task_definition):
            parts.append(f"task definition declared {_revision(declared_def)}, live "
                         f"{_revision(service.task_definition)}")
            declared = declared_defs.get(declared_def) or declared_defs.get(
                _revision(declared_def)) or {}
            running = definitions.get(service.task_definition)
            for container in running.containers if running else ():
                before = declared.get(container.name)
                if before is not None and before != container.image:
                    parts.append(f"container {container.name} image declared {before}, live "
                                 f"{container.image}")
        if parts:
            yield drift(ctx, root, res, f"ECS service {service.cluster}/{service.name}: "
                        + "; ".join(parts))
