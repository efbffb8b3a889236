"""Live ECR repository allows image tags to be overwritten

## What it flags
An ECR repository whose `imageTagMutability` is `MUTABLE` in the account now.

Not flagged: `IMMUTABLE` and `IMMUTABLE_WITH_EXCLUSION` repositories.

## Why it matters
A mutable tag lets a re-run pipeline, a mistaken push or anyone with push rights replace
the model image behind a running service without any deployment: the next task that
starts pulls the new image.

## How to fix
`aws ecr put-image-tag-mutability --image-tag-mutability IMMUTABLE`, and deploy by a
unique tag or by digest; set it in the Terraform too so the next apply keeps it.

## Example
```text
repository api: imageTagMutability MUTABLE
```

```text
repository api: imageTagMutability IMMUTABLE
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
    id="MLA815",
    name="live-ecr-tag-mutable",
    title="Live ECR repository allows image tags to be overwritten",
    severity=Severity.MEDIUM,
    category=Category.IMAGE,
    target=LiveState,
    kind=Kind.SECURITY,
    tags=("live", "aws", "ecr"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for repo in state.facts.repositories:
        if repo.tag_mutability.upper() == "MUTABLE":
            yield report(ctx, state, f"ECR repository {repo.name} ({repo.region}) has mutable "
                         "image tags", repo.arn, repo.name)
