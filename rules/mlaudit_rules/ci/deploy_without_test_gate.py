"""Deploy job runs without a passing test gate

## What it flags
A job that deploys (pushes an image, updates an ECS service or Lambda function, or
applies infrastructure with Terraform, SAM, Serverless, CDK, kubectl or Helm) when no
test run must pass first: no earlier step of the same job runs tests (`pytest`,
`python -m pytest`, `tox`, `nox`, `make test`, `uv run pytest`, `hatch test`, ..., or
the last command of a step its author names a test, such as "Run tests") and no
job it `needs`, directly or transitively, runs them. It also fires when the only test
run cannot fail the job: `continue-on-error: true`, `|| true`, a pipe without
`pipefail`, or `set +e` before it. The finding sits on the first deploy command.

Not flagged: a deploy job that needs a test job; tests earlier in the same job; a needed
job that calls a reusable workflow the scan cannot read (cannot tell); workflows that
are themselves reusable (`workflow_call`) or run after another workflow
(`workflow_run`), whose gate lives in the caller.

## Why it matters
A model service deployed straight from a push ships whatever is on the branch: a broken
preprocessing change, a model file that does not load, a dependency bump that changes
predictions. The test suite is the last cheap place to stop it.

## How to fix
Make the deploy job `needs:` the test job, and let the test step fail the job.

## Example
```yaml
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: docker push ghcr.io/acme/model:${{ github.sha }}
```

```yaml
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pytest -q
  deploy:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: docker push ghcr.io/acme/model:${{ github.sha }}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import Job, Workflow
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.ci._deploy import Activity, job_deploys, step_tests

RULE = Rule(
    id="MLA401",
    name="deploy-without-test-gate",
    title="Deploy job runs without a passing test gate",
    severity=Severity.HIGH,
    category=Category.CICD,
    target=Workflow,
    kind=Kind.RELIABILITY,
    tags=("github-actions",),
    docs=__doc__ or "",
)

_GATED_ELSEWHERE = {"workflow_call", "workflow_run"}


def _job_tests(workflow: Workflow, job: Job, ctx: RuleContext) -> list[Activity] | None:
    """Tests a needed job runs; None when it calls a workflow we cannot read."""
    if job.uses is None:
        return [t for step in job.steps for t in step_tests(step, workflow.path, job)]
    if job.uses.kind != "local" or ctx.deployment is None:
        return None
    target = job.uses.path.lstrip("/")
    for other in ctx.deployment.models(Workflow):
        if other.path == target or other.path.endswith("/" + target):
            return [t for j in other.jobs for s in j.steps for t in step_tests(s, other.path, j)]
    return None


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    if workflow.events & _GATED_ELSEWHERE:
        return
    for job in workflow.jobs:
        deploys = job_deploys(workflow, job)
        if not deploys:
            continue
        first = deploys[0]
        tests = [t for step in job.steps[: first.step.index + 1]
                 for t in step_tests(step, workflow.path, job) if t.span.line < first.span.line]
        unknown = False
        for needed_id in sorted(workflow.needs_closure(job.id)):
            needed = workflow.job(needed_id)
            found = _job_tests(workflow, needed, ctx) if needed is not None else []
            if found is None:
                unknown = True
            else:
                tests.extend(found)
        if unknown or any(t.masked is None for t in tests):
            continue
        if tests:
            yield ctx.finding(
                f"job {job.id} {first.what}, but the only test run before it cannot fail "
                f"the workflow: {tests[0].masked}",
                first.span, related=[(t.span, f"tests: {t.masked}") for t in tests],
                key=f"{job.id}:masked",
            )
        else:
            yield ctx.finding(
                f"job {job.id} {first.what} without running tests first (no earlier step "
                "and no job in its `needs` runs them)",
                first.span, key=f"{job.id}:untested",
            )
