"""OIDC role assumption without `id-token: write`

## What it flags
A job that runs `aws-actions/configure-aws-credentials` with `role-to-assume` (and no
access keys or web-identity token file) while its effective token permissions do not
grant `id-token: write`: the job's `permissions:` if set, else the workflow's, else the
defaults, which never include `id-token`. The finding sits on `role-to-assume`.

Not flagged: `write-all`; permissions written as an expression (cannot tell); a reusable
(`workflow_call`) workflow that sets no permissions, since it inherits its caller's.

## Why it matters
Without `id-token: write` the runner cannot mint the OIDC token, so the step fails with
"Credentials could not be loaded" and the deployment stops half way, typically after the
image was pushed but before the service was updated.

## How to fix
Grant `id-token: write` (and `contents: read` for checkout) on the job or the workflow.

## Example
```yaml
permissions:
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: eu-west-1
```

```yaml
permissions:
  contents: read
  id-token: write
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: eu-west-1
```

## References
- https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import Workflow
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

RULE = Rule(
    id="MLA403",
    name="aws-oidc-missing-id-token",
    title="OIDC role assumption without `id-token: write`",
    severity=Severity.HIGH,
    category=Category.CICD,
    target=Workflow,
    kind=Kind.RELIABILITY,
    tags=("github-actions", "aws", "oidc"),
    docs=__doc__ or "",
)


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    for job in workflow.jobs:
        permissions = job.permissions if job.permissions is not None else workflow.permissions
        if permissions is None and "workflow_call" in workflow.events:
            continue  # a called workflow inherits the caller's token: cannot tell
        granted = permissions.grants("id-token", "write") if permissions is not None else False
        if granted is not False:
            continue
        for step in job.steps:
            uses = step.uses
            if uses is None or not uses.is_action("aws-actions/configure-aws-credentials"):
                continue
            role = step.input("role-to-assume")
            if role is None or not role.value.strip():
                continue
            if step.input("aws-access-key-id") or step.input("web-identity-token-file"):
                continue  # keys or a token file: no OIDC token needed
            where = "job" if job.permissions is not None else (
                "workflow" if workflow.permissions is not None else "default")
            yield ctx.finding(
                f"job {job.id} assumes an AWS role through OIDC but its {where} token "
                "permissions lack `id-token: write`, so the credentials step fails",
                role.span,
                related=[(permissions.span, "effective permissions")] if permissions else [],
                key=f"{job.id}:{step.index}",
            )
