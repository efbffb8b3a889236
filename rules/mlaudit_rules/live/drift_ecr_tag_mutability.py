"""ECR repository tag mutability or scanning differs from the Terraform state

## What it flags
An ECR repository a Terraform root manages whose live `imageTagMutability` or scan-on-push
setting differs from its state's `image_tag_mutability` /
`image_scanning_configuration.scan_on_push`.

Not flagged: repositories whose region or ECR listing was not read.

## Why it matters
Tags made mutable by hand ("just to re-push latest once") let any later push replace the
model image behind running services; the code still promises immutable tags.

## How to fix
Apply the Terraform to restore the setting, or commit the change on purpose.

## Example
```text
state: image_tag_mutability IMMUTABLE; live: MUTABLE
```

```text
state and live: image_tag_mutability IMMUTABLE
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, drift, first_block, managed, readable

RULE = Rule(
    id="MLA854",
    name="drift-ecr-tag-mutability",
    title="ECR repository tag mutability or scanning differs from the Terraform state",
    severity=Severity.MEDIUM,
    category=Category.DRIFT,
    target=LiveState,
    kind=Kind.SECURITY,
    tags=("live", "drift", "terraform", "aws", "ecr"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    live = {r.name: r for r in state.facts.repositories}
    for root, res in managed(state, "aws_ecr_repository"):
        repo = live.get(str(res.values.get("name") or res.values.get("id")))
        if repo is None or not readable(state, res, "ecr"):
            continue
        parts = []
        declared = res.values.get("image_tag_mutability")
        if isinstance(declared, str) and declared.upper() != repo.tag_mutability.upper():
            parts.append(f"image_tag_mutability declared {declared}, live {repo.tag_mutability}")
        scan = first_block(res.values, "image_scanning_configuration").get("scan_on_push")
        if isinstance(scan, bool) and scan != repo.scan_on_push:
            parts.append(f"scan_on_push declared {str(scan).lower()}, live "
                         f"{str(repo.scan_on_push).lower()}")
        if parts:
            yield drift(ctx, root, res, f"ECR repository {repo.name}: " + "; ".join(parts))
