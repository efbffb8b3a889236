"""Deploy job runs on pull requests

## What it flags
A job that deploys (the deploy verbs of MLA401: `terraform apply`, `sam deploy`,
`kubectl apply`, `aws ecs update-service`, a deploy action, an image push, ...) in a
workflow triggered by `pull_request` or `pull_request_target`, when nothing limits it to
another event: neither the job's `if:` nor the deploy step's reads `github.event_name`,
`github.ref`, the pull request's `merged` flag or its action. The finding sits on the
first deploy command; the message says when the job also holds cloud credentials
(`aws-actions/configure-aws-credentials`, `google-github-actions/auth`, `azure/login`).

Not flagged: deploy jobs guarded by a condition on the event, ref or merge state (cannot
tell what it allows); `pull_request` jobs that deploy to a preview environment
(`environment:` named preview, review, pr, staging, dev or test); workflows without a
pull request trigger.

## Why it matters
A pull request is unreviewed code. A deploy on `pull_request` ships any branch of anyone
with push access to wherever the job deploys, before review; on `pull_request_target` the
job runs with the base repository's secrets for pull requests from forks, so whoever can
open a pull request can steer a job that holds deploy credentials.

## How to fix
Deploy on `push` to the protected branch (or on a published release), behind a GitHub
`environment:` with required reviewers; keep pull request workflows to build and test.

## Example
```yaml
on: pull_request
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: "arn:aws:iam::123456789012:role/deploy", aws-region: eu-west-1}
      - run: sam deploy --no-confirm-changeset
```

```yaml
on:
  push:
    branches: [main]
jobs:
  deploy:
    environment: production
    runs-on: ubuntu-latest
    steps:
      - run: sam deploy --no-confirm-changeset
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import Job, Step, Workflow
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.ci._deploy import job_deploys

RULE = Rule(
    id="MLA410",
    name="deploy-on-pull-request",
    title="Deploy job runs on pull requests",
    severity=Severity.HIGH,
    category=Category.CICD,
    target=Workflow,
    kind=Kind.SECURITY,
    tags=("github-actions", "cwe-284"),
    docs=__doc__ or "",
)

_PR_EVENTS = ("pull_request_target", "pull_request")
# A condition on these decides which events or branches deploy: cannot tell, stay quiet.
_GUARD_RE = re.compile(r"event_name|github\.ref|github\.base_ref|merged|event\.action|"
                       r"github\.event\.pull_request\.(?:state|base)|refs/heads|is_default")
_PREVIEW_RE = re.compile(r"(?i)preview|review|\bpr\b|pr-|staging|\bdev|\btest")
CREDENTIAL_ACTIONS = ("aws-actions/configure-aws-credentials", "google-github-actions/auth",
                      "azure/login")


def _guarded(job: Job, step: Step) -> bool:
    return any(c is not None and _GUARD_RE.search(c)
               for c in (job.if_condition, step.if_condition))


def _credentials(job: Job) -> str | None:
    for step in job.steps:
        if step.uses is not None and step.uses.is_action(*CREDENTIAL_ACTIONS):
            return step.uses.name
    return None


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    events = [e for e in _PR_EVENTS if e in workflow.events]
    if not events:
        return
    for job in workflow.jobs:
        deploys = [a for a in job_deploys(workflow, job) if not _guarded(job, a.step)]
        if not deploys:
            continue
        preview = job.environment is not None and _PREVIEW_RE.search(job.environment.value)
        if preview and events == ["pull_request"]:
            continue
        first = deploys[0]
        creds = _credentials(job)
        held = f", holding cloud credentials from {creds}" if creds else ""
        trigger = workflow.trigger(events[0])
        yield ctx.finding(
            f"job {job.id} {first.what} on `{events[0]}`{held}: unreviewed pull request "
            "code is deployed", first.span, key=f"{job.id}:{events[0]}",
            related=[(trigger.span, f"triggered by {events[0]}")] if trigger else [])
