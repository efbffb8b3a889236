"""Terraform's own refresh found a resource changed outside Terraform

## What it flags
Each entry of `resource_drift` in a plan JSON committed beside a Terraform root
(`terraform plan -refresh-only -out=plan && terraform show -json plan > plan.json`):
a resource Terraform found changed, or deleted, outside Terraform. The finding sits on
the `.tf` block declaring the resource (else on the plan entry) and names the changed
attributes, never their values. Read offline: no AWS call is needed.

Not flagged: `resource_changes` (what the plan will do, not drift); plans without
`resource_drift`.

## Why it matters
It is Terraform's own, complete drift report for every resource type, including those
mlaudit does not read live; a plan made in CI with it is evidence of out-of-band changes.

## How to fix
Reconcile each entry: commit the change to the code, or apply to restore the code's
value; then make a new refresh-only plan.

## Example
```json
{"resource_drift": [{"address": "aws_lambda_function.predict",
  "change": {"actions": ["update"], "before": {"timeout": 60}, "after": {"timeout": 10}}}]}
```

```json
{"resource_drift": []}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding, Location
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES

RULE = Rule(
    id="MLA857",
    name="drift-reported-by-terraform",
    title="Terraform's own refresh found a resource changed outside Terraform",
    severity=Severity.MEDIUM,
    category=Category.DRIFT,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "drift", "terraform", "plan"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for root in state.roots:
        for item in root.plan_drift:
            if "delete" in item.actions:
                what = "was deleted outside Terraform"
            elif item.attributes:
                what = "was changed outside Terraform: " + ", ".join(item.attributes)
            else:
                what = "was changed outside Terraform"
            span = root.declaration(item.address)
            where = Location(span=span or item.span, resource=item.address)
            related = [(item.span, "resource_drift entry")] if span is not None else []
            yield ctx.finding(f"{item.address} (root {root.root}) {what} (plan "
                              f"{item.span.path})", where, related=related,
                              key=f"{root.root}:{item.address}")
