"""CI authenticates to AWS with long-lived access keys

## What it flags
`aws-actions/configure-aws-credentials` given `aws-access-key-id` from a secret or
variable, and `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` set from secrets in a
workflow, job or step `env:`. The finding sits on the key's line.

Not flagged: `role-to-assume` through OIDC without keys; env blocks that also set
`AWS_SESSION_TOKEN` (temporary credentials); literal keys written in the file, which the
hard-coded AWS key rule (MLA101) already reports.

## Why it matters
An access key stored as a repository secret never expires. Anyone who can run a workflow
that reads it (a compromised action, a malicious pull request on a misconfigured trigger)
can copy it and deploy or exfiltrate your models long after the job ends.

## How to fix
Create an IAM role trusting GitHub's OIDC provider, grant `id-token: write`, and pass
`role-to-assume`; then delete the access key.

## Example
```yaml
- uses: aws-actions/configure-aws-credentials@v4
  with:
    aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
    aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
    aws-region: eu-west-1
```

```yaml
- uses: aws-actions/configure-aws-credentials@v4
  with:
    role-to-assume: arn:aws:iam::123456789012:role/deploy
    aws-region: eu-west-1
```

## References
- https://github.com/aws-actions/configure-aws-credentials#oidc
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import Value, Workflow
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Severity

RULE = Rule(
    id="MLA402",
    name="aws-long-lived-keys-in-ci",
    title="CI authenticates to AWS with long-lived access keys",
    severity=Severity.MEDIUM,
    category=Category.CICD,
    target=Workflow,
    tags=("github-actions", "aws"),
    docs=__doc__ or "",
)

_KEY_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


def _from_reference(value: str) -> bool:
    # Only references: a literal key is MLA101's (critical) finding, not ours.
    return "${{" in value


def _env_keys(env: tuple[Value, ...]) -> Value | None:
    names = {v.name.upper(): v for v in env}
    if "AWS_SESSION_TOKEN" in names:
        return None
    for name in _KEY_NAMES:
        item = names.get(name)
        if item is not None and "secrets." in item.value and _from_reference(item.value):
            return item
    return None


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    blocks = [("workflow", workflow.env)]
    for job in workflow.jobs:
        blocks.append((f"job {job.id}", job.env))
        for step in job.steps:
            blocks.append((f"step '{step.label}' of job {job.id}", step.env))
            uses = step.uses
            if uses is None or not uses.is_action("aws-actions/configure-aws-credentials"):
                continue
            key = step.input("aws-access-key-id")
            if key is not None and _from_reference(key.value):
                yield ctx.finding(
                    f"job {job.id} configures AWS credentials from a long-lived access key "
                    "instead of assuming a role through OIDC",
                    key.span, key=f"{job.id}:{step.index}:configure",
                )
    for where, env in blocks:
        item = _env_keys(env)
        if item is not None:
            yield ctx.finding(
                f"{where} sets {item.name} from a secret: a long-lived AWS access key",
                item.span, key=f"{where}:{item.name}",
            )
