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

Deploy verbs: `docker push`, `terraform`/`tofu`/`terragrunt apply`, `sam deploy`,
`serverless deploy`, `cdk deploy` (also behind options: `cdk --app "…" deploy`),
`cdktf deploy`, `pulumi up`, `aws ecs update-service`, `aws lambda
update-function-code`, `aws cloudformation deploy`, `kubectl apply` (also `kubectl -n
prod apply`), `helm upgrade`/`install`, `copilot deploy`, `gcloud run deploy`, `az
webapp deploy`, `fly deploy`, `eb deploy` and the deploy actions. A job that calls a
workflow of the same repository (`uses: ./.github/workflows/deploy.yml`) deploys what
that workflow deploys ungated: the finding sits on its `uses:`. A workflow triggered by
`workflow_run` is gated by the workflow it follows only when it reads that run's
`conclusion` (`completed` also fires for failed runs): without that check, it fires.
A test step that cannot fail counts as no test: one that only `echo`es, one whose
command ends in `|| true`, or one with `continue-on-error: true`.

Not flagged: a deploy job that needs a test job; tests earlier in the same job; a needed
job that calls a reusable workflow the scan cannot read (cannot tell); workflows that
are themselves reusable (`workflow_call`), whose gate lives in the caller; `workflow_run`
workflows that check `github.event.workflow_run.conclusion`.

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


def _called(workflow: Workflow, job: Job, ctx: RuleContext) -> Workflow | None:
    """The same-repository workflow a job calls (`uses: ./.github/workflows/x.yml`)."""
    if job.uses is None or job.uses.kind != "local" or ctx.deployment is None:
        return None
    target = job.uses.path.lstrip("/")
    other: Workflow
    for other in ctx.deployment.models(Workflow):
        if other.path != workflow.path and (other.path == target
                                            or other.path.endswith("/" + target)):
            return other
    return None


def _deploys(workflow: Workflow, job: Job, ctx: RuleContext) -> list[Activity]:
    """What a job deploys: its own steps, or the jobs of the local workflow it calls when
    that workflow does not gate them itself (the finding then sits on `uses:`)."""
    called = _called(workflow, job, ctx)
    if called is None or job.uses is None:
        return job_deploys(workflow, job)
    found: list[Activity] = []
    for inner in called.jobs:
        deploys = job_deploys(called, inner)
        if deploys and _gate(called, inner, deploys[0], ctx) is not None:
            found.append(Activity(f"{deploys[0].what} (in {called.path}, job {inner.id})",
                                  job.uses.span, deploys[0].step))
    return found


def _gate(workflow: Workflow, job: Job, first: Activity,
          ctx: RuleContext) -> list[Activity] | None:
    """The test runs gating `first`; None when some gate holds or cannot be told."""
    tests = [t for step in job.steps[: first.step.index + 1]
             for t in step_tests(step, workflow.path, job) if t.span.line < first.span.line]
    for needed_id in sorted(workflow.needs_closure(job.id)):
        needed = workflow.job(needed_id)
        found = _job_tests(workflow, needed, ctx) if needed is not None else []
        if found is None:
            return None
        tests.extend(found)
    if any(t.masked is None for t in tests):
        return None
    return tests


def _checks_conclusion(workflow: Workflow, job: Job) -> bool:
    """Whether a `workflow_run` workflow reads the triggering run's result anywhere on
    the way to this job: its `if:`, a needed job's, or a step's condition or script."""
    jobs = [job, *(j for n in workflow.needs_closure(job.id) if (j := workflow.job(n)))]
    texts = [j.if_condition or "" for j in jobs]
    texts += [s.if_condition or "" for j in jobs for s in j.steps]
    texts += [s.run.text for j in jobs for s in j.steps if s.run is not None]
    return any("conclusion" in t or "workflow_run.status" in t for t in texts)


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    if "workflow_call" in workflow.events:
        return  # a reusable workflow: its callers decide (and are followed into it)
    after_run = "workflow_run" in workflow.events
    for job in workflow.jobs:
        deploys = _deploys(workflow, job, ctx)
        if not deploys:
            continue
        first = deploys[0]
        if after_run:
            # The gate is the triggering workflow, but only when its result is read:
            # `completed` fires for failed and cancelled runs too.
            if not _checks_conclusion(workflow, job):
                yield ctx.finding(
                    f"job {job.id} {first.what} whenever the triggering workflow completes: "
                    "nothing checks `github.event.workflow_run.conclusion`, so it deploys "
                    "after failed test runs too", first.span, key=f"{job.id}:workflow-run")
            continue
        tests = _gate(workflow, job, first, ctx)
        if tests is None:
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
