"""Workflow `if:` condition that cannot work as written

## What it flags
A job or step `if:` that GitHub does not evaluate the way it reads:

- text outside the `${{ }}` of an expression (`if: ${{ github.ref == 'refs/heads/main' }} && true`,
  two expressions joined outside the braces, or a block scalar `if: |` that leaves a
  newline after `}}`): GitHub then sees a non-empty string, which is always true, so the
  guarded deploy or publish runs on every event;
- a reference to a step id that no step of the job declares (`steps.tests.outcome` with
  no step `id: tests`) or to a job the job does not `need` (`needs.build.result` without
  `needs: build`): the value is always empty, so the comparison never depends on what
  ran.

Not flagged: a condition written wholly inside one `${{ }}`, or with no `${{ }}` at all
(GitHub evaluates it as an expression); references to steps declared in the job and to
jobs in `needs`.

## Why it matters
Conditions gate the dangerous parts of a pipeline: deploy only from `main`, only after
the tests passed, only when the model evaluation succeeded. A condition that is always
true (or never reads what it names) silently removes that gate.

## How to fix
Write the whole condition inside one expression (`if: ${{ a && b }}`, or drop the braces:
`if: a && b`), use `if: >-` rather than `if: |`, and give the step the `id:` the
condition reads (or add the job to `needs:`).

## Example
```yaml
- run: ./deploy.sh
  if: ${{ github.ref == 'refs/heads/main' }} && ${{ steps.tests.outcome == 'success' }}
```

```yaml
- id: tests
  run: pytest
- run: ./deploy.sh
  if: github.ref == 'refs/heads/main' && steps.tests.outcome == 'success'
```

## References
- https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/using-conditions-to-control-job-execution
- https://docs.zizmor.sh/audits/#unsound-condition
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import Job, Workflow
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.span import Span

RULE = Rule(
    id="MLA411",
    name="workflow-condition-unsound",
    title="Workflow `if:` condition that cannot work as written",
    severity=Severity.MEDIUM,
    category=Category.CICD,
    target=Workflow,
    kind=Kind.RELIABILITY,
    tags=("github-actions",),
    docs=__doc__ or "",
)

_STEP_REF_RE = re.compile(r"\bsteps\.([A-Za-z_][\w-]*)\.")
_NEEDS_REF_RE = re.compile(r"\bneeds\.([A-Za-z_][\w-]*)\.")


def _text_outside(condition: str) -> bool:
    """A `${{ }}` expression with other text around it: the whole is a string, true."""
    if "${{" not in condition:
        return False
    return not (condition.startswith("${{") and condition.endswith("}}")
                and condition.count("${{") == 1)


def _dangling(condition: str, job: Job, step_ids: set[str] | None) -> str | None:
    if step_ids is not None:
        for match in _STEP_REF_RE.finditer(condition):
            if match.group(1) not in step_ids:
                return (f"reads `steps.{match.group(1)}`, but no step of job {job.id} has "
                        f"`id: {match.group(1)}`: the value is always empty")
    for match in _NEEDS_REF_RE.finditer(condition):
        if match.group(1) not in job.needs:
            return (f"reads `needs.{match.group(1)}`, but job {job.id} does not need "
                    f"{match.group(1)}: the value is always empty")
    return None


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    for job in workflow.jobs:
        ids = {s.id for s in job.steps if s.id}
        places: list[tuple[str, str | None, Span | None, set[str] | None]] = [
            (f"job {job.id}", job.if_condition, job.if_span, None)]
        places += [(f"step {s.label!r} of job {job.id}", s.if_condition, s.if_span, ids)
                   for s in job.steps]
        for where, condition, span, step_ids in places:
            if condition is None or span is None:
                continue
            if _text_outside(condition):
                yield ctx.finding(
                    f"the `if:` of {where} has text outside its `${{{{ }}}}` expression: "
                    "GitHub reads it as a non-empty string, so it is always true",
                    span, key=f"{where}:outside")
                continue
            dangling = _dangling(condition, job, step_ids)
            if dangling is not None:
                yield ctx.finding(f"the `if:` of {where} {dangling}", span,
                                  key=f"{where}:dangling")
