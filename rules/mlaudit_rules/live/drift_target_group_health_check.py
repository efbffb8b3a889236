"""Target group health check differs from the Terraform state

## What it flags
A target group a Terraform root manages whose live health check path, interval or
enabled flag differs from its state's `health_check` block. The finding sits on the
`.tf` block declaring the target group.

Not flagged: target groups whose region or load-balancer listing was not read; health
check settings the state does not record.

## Why it matters
A health check loosened by hand ("point it at / until the deploy is fixed") keeps
routing traffic to tasks whose model never loaded, long after the incident, and the code
still shows the strict check.

## How to fix
Restore the health check from the code (`terraform apply`) or commit the new setting.

## Example
```text
state: health_check.path /ready; live: HealthCheckPath /
```

```text
state and live: health_check.path /ready, interval 15
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, drift, first_block, managed, readable, show

RULE = Rule(
    id="MLA852",
    name="drift-target-group-health-check",
    title="Target group health check differs from the Terraform state",
    severity=Severity.MEDIUM,
    category=Category.DRIFT,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "drift", "terraform", "aws", "load-balancer"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    live = {g.arn: g for g in state.facts.target_groups}
    for root, res in managed(state, "aws_lb_target_group", "aws_alb_target_group"):
        group = live.get(str(res.values.get("arn") or res.values.get("id")))
        if group is None or not readable(state, res, "elbv2"):
            continue
        check_block = first_block(res.values, "health_check")
        pairs = [("path", check_block.get("path"), group.health_check_path),
                 ("interval", check_block.get("interval"), group.health_check_interval),
                 ("enabled", check_block.get("enabled"), group.health_check_enabled)]
        parts = [f"health_check.{name} declared {show(before)}, live {show(after)}"
                 for name, before, after in pairs
                 if before not in (None, "") and after is not None and before != after]
        if parts:
            yield drift(ctx, root, res, f"target group {group.name}: " + "; ".join(parts))
