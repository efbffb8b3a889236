"""Live target group has unhealthy targets

## What it flags
A target group with at least one target in the `unhealthy` state at the time of the run.

Not flagged: targets that are initial, draining, unused or healthy.

## Why it matters
An unhealthy target is capacity the service counts on and does not have: when every
target of a group goes unhealthy the load balancer fails open and sends traffic to all of
them anyway.

## How to fix
Read the targets' `TargetHealth.Reason` (`aws elbv2 describe-target-health`) and fix the
cause (port, path, security group between the load balancer and the tasks, start-up
time longer than the grace period).

## Example
```text
target i-0abc: unhealthy (Target.ResponseCodeMismatch)
```

```text
target i-0abc: healthy
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA807",
    name="live-targets-unhealthy",
    title="Live target group has unhealthy targets",
    severity=Severity.HIGH,
    category=Category.HEALTH,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "aws", "load-balancer", "health"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for group in state.facts.target_groups:
        if group.unhealthy:
            shown = ", ".join(group.unhealthy[:5]) + (" ..." if len(group.unhealthy) > 5 else "")
            yield report(ctx, state, f"target group {group.name} ({group.region}): "
                         f"{len(group.unhealthy)} of {group.targets} targets unhealthy "
                         f"({shown})", group.arn)
