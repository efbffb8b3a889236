"""Live ECR repository does not scan images on push

## What it flags
An ECR repository whose `imageScanningConfiguration.scanOnPush` is off.

Not flagged: repositories that scan on push. (A registry-level enhanced scanning
configuration is not read: if you use Amazon Inspector for the whole registry, ignore
this rule.)

## Why it matters
ML images carry large native dependency trees (CUDA, BLAS, image codecs, pickle-based
loaders) with a steady stream of CVEs; without scanning, a vulnerable base image goes to
production unnoticed.

## How to fix
Enable scan on push (or enhanced scanning for the registry) and act on its findings.

## Example
```text
repository api: scanOnPush false
```

```text
repository api: scanOnPush true
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
    id="MLA816",
    name="live-ecr-scan-on-push-disabled",
    title="Live ECR repository does not scan images on push",
    severity=Severity.LOW,
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
        if not repo.scan_on_push:
            yield report(ctx, state, f"ECR repository {repo.name} ({repo.region}) does not "
                         "scan images on push", repo.arn, repo.name)
