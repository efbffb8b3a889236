"""Action or reusable workflow not pinned to a commit SHA

## What it flags
A `uses:` (step action or reusable workflow call) that names a tag or a branch
(`@v4`, `@main`) instead of a full 40-character commit SHA, and a `docker://` image
without an `@sha256:` digest, for third-party actions.

Not flagged: local actions and workflows (`./...`), SHA-pinned references (a
`# v4.1.1` comment after the SHA is fine), docker images pinned by digest,
`docker://` images with no tag or `:latest` (MLA203, image-tag-mutable, reports those),
and GitHub-owned actions (`actions/*`, `github/*`) on a version tag, as zizmor's default
policy allows them. Set `github-owned = true` under `[tool.mlaudit.rules.MLA404]` to
report those too (as low).

## Why it matters
Tags and branches are mutable: whoever controls the action's repository (or steals its
maintainer's token, as in the tj-actions/changed-files compromise) changes the code
your deploy job runs, with your cloud credentials in its environment.

## How to fix
Pin the full commit SHA and keep the version in a comment; let Dependabot or Renovate
update it.

## Example
```yaml
- uses: aws-actions/configure-aws-credentials@v4
```

```yaml
- uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4.0.2
```

## References
- https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import ActionRef, Workflow
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Severity

RULE = Rule(
    id="MLA404",
    name="action-unpinned",
    title="Action or reusable workflow not pinned to a commit SHA",
    severity=Severity.MEDIUM,
    category=Category.CICD,
    target=Workflow,
    tags=("github-actions", "supply-chain"),
    options={"github-owned": False},
    docs=__doc__ or "",
)

_FIRST_PARTY = {"actions", "github"}


def _refs(workflow: Workflow) -> Iterator[ActionRef]:
    for job in workflow.jobs:
        if job.uses is not None:
            yield job.uses
        for step in job.steps:
            if step.uses is not None:
                yield step.uses


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    for ref in _refs(workflow):
        if ref.pinned or "${{" in ref.raw:
            continue
        if ref.kind == "docker":
            tag = ref.ref.rsplit("/", 1)[-1].partition(":")[2]
            if tag in ("", "latest"):
                continue  # an untagged or :latest image is MLA203's (image-tag-mutable) finding
            yield ctx.finding(f"docker image {ref.ref} is not pinned by digest", ref.span,
                              key=ref.raw)
            continue
        if not ref.ref:
            continue  # malformed (no @ref): GitHub rejects the workflow anyway
        first_party = ref.owner in _FIRST_PARTY
        if first_party and not ctx.options.get("github-owned", False):
            continue  # GitHub's own actions on a tag: accepted by default, as zizmor does
        severity = min(ctx.severity, Severity.LOW, key=lambda s: s.rank) if first_party \
            else ctx.severity
        owner = "GitHub-owned" if first_party else "third-party"
        yield ctx.finding(
            f"{owner} {ref.name} is pinned to the mutable ref '{ref.ref}', not a commit SHA",
            ref.span, key=ref.raw, severity=severity,
        )
