"""Deploying workflow runs with default or write-all token permissions

## What it flags
A workflow with a deploying job (image push, service update, infrastructure apply)
that sets `permissions: write-all`, or where neither the workflow nor the deploying
job sets `permissions:` at all, so the `GITHUB_TOKEN` gets the repository's default
(often read-write on everything). The finding sits on `write-all`, or on the job.

Not flagged: workflows that do not deploy; explicit, scoped permissions on the
workflow or on the deploying job.

## Why it matters
Deploy jobs run third-party actions and build tools next to cloud credentials. A broad
token lets any of them push commits, rewrite releases or approve pull requests: a
foothold to poison the next model build.

## How to fix
Declare the least the job needs, e.g. `contents: read` plus `id-token: write` for OIDC
and `packages: write` to push to GHCR.

## Example
```yaml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: terraform apply -auto-approve
```

```yaml
on: push
permissions:
  contents: read
  id-token: write
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: terraform apply -auto-approve
```

## References
- https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication#modifying-the-permissions-for-the-github_token
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import Job, Workflow
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Severity
from mlaudit_rules.ci._deploy import Activity, workflow_deploys

RULE = Rule(
    id="MLA405",
    name="workflow-permissions-excessive",
    title="Deploying workflow runs with default or write-all token permissions",
    severity=Severity.MEDIUM,
    category=Category.CICD,
    target=Workflow,
    tags=("github-actions", "least-privilege"),
    docs=__doc__ or "",
)


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    deploying: dict[str, tuple[Job, Activity]] = {}
    for job, activity in workflow_deploys(workflow):
        deploying.setdefault(job.id, (job, activity))
    if not deploying:
        return
    top = workflow.permissions
    if top is not None and top.preset == "write-all":
        yield ctx.finding("workflow that deploys grants the token `write-all` permissions",
                          top.span, key="workflow:write-all")
    for job, activity in deploying.values():
        own = job.permissions
        if own is not None and own.preset == "write-all":
            yield ctx.finding(f"deploying job {job.id} grants the token `write-all`",
                              own.span, key=f"{job.id}:write-all")
        elif own is None and top is None:
            if "workflow_call" in workflow.events:
                continue  # a called workflow's token is capped by its caller: cannot tell
            yield ctx.finding(
                f"job {job.id} {activity.what} with the default token permissions: neither "
                "the workflow nor the job sets `permissions:`",
                job.span, related=[(activity.span, "deploys here")], key=f"{job.id}:default",
            )
