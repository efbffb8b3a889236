"""Production deploy on push has no GitHub environment

## What it flags
A job that deploys (applies infrastructure, updates a service or function, runs a deploy
action: the verbs of MLA401 other than an image push) in a workflow triggered by `push`
to a production branch (`main`, `master`, `prod*`, `release*`, a tag, or any branch when
the trigger has no filter), when the job has no `environment:`. The finding sits on the
job's key.

Not flagged: jobs with an `environment:` (whatever its protection rules, which live in
the repository settings); jobs that only push images; jobs whose id or name says they
deploy elsewhere (staging, dev, test, preview, sandbox); pushes filtered to other
branches; reusable workflows (the caller's job carries the environment).

## Why it matters
Environment protection rules are the only place GitHub can hold a deploy for a required
reviewer, a wait timer or a branch policy, and where production secrets can be scoped so
that other jobs cannot read them. Without `environment:`, every push to the branch reaches
the production model service with no one asked.

## How to fix
Add `environment: production` to the deploy job, configure required reviewers (and a
deployment branch policy) for it in the repository settings, and move the deploy secrets
into that environment.

## Example
```yaml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: terraform apply -auto-approve
```

```yaml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: terraform apply -auto-approve
```

## References
- https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import Trigger, Workflow
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.ci._deploy import job_deploys

RULE = Rule(
    id="MLA412",
    name="production-deploy-without-environment",
    title="Production deploy on push has no GitHub environment",
    severity=Severity.MEDIUM,
    category=Category.CICD,
    target=Workflow,
    kind=Kind.SECURITY,
    tags=("github-actions",),
    docs=__doc__ or "",
)

_PRODUCTION_BRANCH_RE = re.compile(r"(?i)^(?:main|master|prod(?:uction)?\b.*|release.*|live|"
                                   r"stable|\*\*?)$|^refs/heads/(?:main|master)$")
_ELSEWHERE_RE = re.compile(r"(?i)stag|\bdev|develop|\btest|preview|sandbox|\bqa\b|\buat\b|"
                           r"review|nonprod|non-prod")


def _production_push(trigger: Trigger) -> str | None:
    """Which production push triggers the workflow, or None."""
    filters = trigger.filters if isinstance(trigger.filters, dict) else {}
    branches = filters.get("branches")
    tags = filters.get("tags")
    if branches is None and tags is None:
        return None if "branches-ignore" in filters else "every push"
    if isinstance(branches, str):
        branches = [branches]
    for branch in branches if isinstance(branches, list) else []:
        if isinstance(branch, str) and _PRODUCTION_BRANCH_RE.match(branch.strip()):
            return f"a push to {branch}"
    if tags is not None:
        return "a pushed tag"
    return None


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    trigger = workflow.trigger("push")
    if trigger is None or "workflow_call" in workflow.events:
        return
    when = _production_push(trigger)
    if when is None:
        return
    for job in workflow.jobs:
        if job.environment is not None or job.uses is not None:
            continue
        if _ELSEWHERE_RE.search(f"{job.id} {job.name or ''}"):
            continue
        deploys = [a for a in job_deploys(workflow, job) if a.what != "pushes an image"]
        if not deploys:
            continue
        yield ctx.finding(
            f"job {job.id} {deploys[0].what} on {when} with no `environment:`: no required "
            "reviewer or wait timer can hold the production deploy",
            job.span, key=f"{job.id}:no-environment",
            related=[(deploys[0].span, deploys[0].what)])
