"""Privileged workflow checks out and runs pull request code

## What it flags
A workflow triggered by `pull_request_target` or `workflow_run` (which run with the
base repository's secrets and a write token) whose job checks out the pull request's
head (`actions/checkout` with `ref:` set to `github.event.pull_request.head.sha`/`ref`,
`github.head_ref`, `github.event.workflow_run.head_sha`/`head_branch`, or a
`refs/pull/.../merge` ref) and then runs code: a later `run:` step, a local action or a
build action. The finding sits on the `ref:` line.

Not flagged: `pull_request` workflows; privileged workflows that check out the base
branch (the default), or that check out the head but run nothing afterwards.

## Why it matters
This is the "pwn request": anyone who opens a pull request controls the code (test
files, `setup.py`, build scripts, a Dockerfile) that runs with your deploy secrets.

## How to fix
Run untrusted code under `pull_request` without secrets; if results must be published,
upload them as artifacts and post them from a separate `workflow_run` job that never
executes the pull request's files.

## Example
```yaml
on: pull_request_target
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: pytest
```

```yaml
on: pull_request
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest
```

## References
- https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import Step, Workflow
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Severity

RULE = Rule(
    id="MLA407",
    name="pull-request-target-checkout",
    title="Privileged workflow checks out and runs pull request code",
    severity=Severity.HIGH,
    category=Category.CICD,
    target=Workflow,
    tags=("github-actions", "pwn-request"),
    docs=__doc__ or "",
)

_PRIVILEGED = {"pull_request_target", "workflow_run"}
_HEAD = re.compile(
    r"github\.(?:head_ref|event\.pull_request\.head\.(?:sha|ref)"
    r"|event\.workflow_run\.head_(?:sha|branch)"
    r"|event\.workflow_run\.pull_requests(?:\[\d+\]|\[\*\]|\.\*)\.head\.(?:sha|ref))\b"
    r"|refs/pull/"
)


def _runs_code(step: Step) -> bool:
    if step.run is not None:
        return True
    uses = step.uses
    if uses is None:
        return False
    return uses.kind == "local" or "build" in uses.name or uses.name.endswith("/autobuild")


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    events = workflow.events & _PRIVILEGED
    if not events:
        return
    for job in workflow.jobs:
        for step in job.steps:
            uses = step.uses
            if uses is None or not uses.is_action("actions/checkout"):
                continue
            ref = step.input("ref")
            if ref is None or not _HEAD.search(ref.value):
                continue
            later = [s for s in job.steps[step.index + 1:] if _runs_code(s)]
            if not later:
                continue
            yield ctx.finding(
                f"job {job.id} of a {'/'.join(sorted(events))} workflow checks out the pull "
                f"request head and then runs it ('{later[0].label}') with the base "
                "repository's secrets",
                ref.span, related=[(later[0].span, "runs the checked-out code")],
                key=f"{job.id}:{step.index}",
            )
