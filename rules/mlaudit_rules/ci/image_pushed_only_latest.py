"""Workflow pushes an image tagged only `latest`

## What it flags
A job that pushes container images whose every pushed tag is `latest` (or no tag,
which means `latest`): `docker/build-push-action` with `push: true` and `tags:` naming
only `:latest`, or `docker push repo:latest` / `docker push repo` with no versioned tag
pushed in the same job. The finding sits on the `tags:` input or the push command.

Tags set through the workflow's, job's or step's `env:` (`docker push $IMAGE:$TAG` with
`TAG: latest`, `tags: ${{ env.IMAGE }}:latest`) are read through it.

Not flagged: jobs that also push a versioned tag (`${{ github.sha }}`, `$VERSION`, `1.4.2`);
tags computed at run time (`${{ steps.meta.outputs.tags }}`, `$IMAGE`): cannot tell.

## Why it matters
With only `latest` there is no way to tell which build a service runs, to roll back to
the previous model, or to keep two replicas on the same version: every pull may fetch a
different image.

## How to fix
Push an immutable tag (the commit SHA, a release version) and deploy that tag; keep
`latest` only as an extra convenience tag.

## Example
```yaml
- uses: docker/build-push-action@v6
  with:
    push: true
    tags: ghcr.io/acme/model:latest
```

```yaml
- uses: docker/build-push-action@v6
  with:
    push: true
    tags: |
      ghcr.io/acme/model:latest
      ghcr.io/acme/model:${{ github.sha }}
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import Workflow
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.ci._deploy import PUSH_ACTIONS
from mlaudit_rules.ci._shell import commands

RULE = Rule(
    id="MLA409",
    name="image-pushed-only-latest",
    title="Workflow pushes an image tagged only `latest`",
    severity=Severity.MEDIUM,
    category=Category.IMAGE,
    target=Workflow,
    kind=Kind.RELIABILITY,
    tags=("github-actions", "docker"),
    docs=__doc__ or "",
)


def _tag_kind(image: str) -> str:
    """"latest", "versioned" or "unknown" for one image reference."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if "$" in last or "{{" in last:
        tag = last.split(":", 1)[1] if ":" in last else ""
        return "latest" if tag == "latest" else "unknown"
    tag = last.split(":", 1)[1] if ":" in last else "latest"
    return "latest" if tag == "latest" else "versioned"


_ENV_REF_RE = re.compile(
    r"\$\{\{\s*env\.([A-Za-z_]\w*)\s*\}\}|\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)")


def _resolve(text: str, env: dict[str, str]) -> str:
    """Substitute `env:` values (`${{ env.TAG }}`, `$TAG`, `${TAG}`) that are literals:
    a tag set through the workflow's env is as mutable as one written inline."""
    def value(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g)
        found = env.get(name)
        return found if found is not None and "$" not in found else match.group(0)

    return _ENV_REF_RE.sub(value, text)


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    base = {v.name: v.value for v in workflow.env}
    for job in workflow.jobs:
        pushes: list[tuple[str, Span]] = []  # (kind, where)
        job_env = {**base, **{v.name: v.value for v in job.env}}
        for step in job.steps:
            env = {**job_env, **{v.name: v.value for v in step.env}}
            uses = step.uses
            push = step.input("push")
            tags = step.input("tags")
            if uses is not None and uses.is_action(PUSH_ACTIONS[0]) and push is not None \
                    and push.value.strip().lower() == "true":
                value = _resolve(tags.value, env) if tags is not None else ""
                if tags is None or "${{ steps." in value or "${{ env." in value:
                    pushes.append(("unknown", step.span))
                    continue
                for tag in re.split(r"[\n,]", value):
                    if tag.strip():
                        pushes.append((_tag_kind(tag.strip()), tags.span))
            for command in commands(step):
                argv = tuple(_resolve(a, env) for a in command.argv)
                if argv[:2] not in (("docker", "push"), ("podman", "push")):
                    continue
                images = [a for a in argv[2:] if not a.startswith("-")]
                if not images or "-a" in argv or "--all-tags" in argv:
                    pushes.append(("unknown", Span(workflow.path, command.line)))
                else:
                    pushes.append((_tag_kind(images[0]), Span(workflow.path, command.line)))
        if pushes and all(kind == "latest" for kind, _ in pushes):
            yield ctx.finding(
                f"job {job.id} pushes images tagged only `latest`: no immutable tag to "
                "deploy or roll back to", pushes[0][1], key=f"{job.id}:latest")
