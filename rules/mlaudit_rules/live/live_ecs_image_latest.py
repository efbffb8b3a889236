"""Live ECS service runs an image by a mutable `latest` tag

## What it flags
A container of the task definition a running ECS service uses whose image has the tag
`latest` or no tag at all (which means `latest`).

Not flagged: images pinned by digest (`@sha256:...`) or by any other tag.

## Why it matters
Every new task (a scale-out, a replaced host) pulls whatever `latest` is at that moment:
two tasks of one service can serve different models, and a rollback has nothing to roll
back to.

## How to fix
Deploy by a unique, immutable tag (the commit SHA or model version) or by digest, and make
the repository's tags immutable.

## Example
```text
image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:latest
```

```text
image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:9f1c2ab
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA804",
    name="live-ecs-image-latest",
    title="Live ECS service runs an image by a mutable `latest` tag",
    severity=Severity.MEDIUM,
    category=Category.IMAGE,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "aws", "ecs", "image"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


def _tag(image: str) -> str | None:
    """The image's tag; "" when it has none; None when pinned by digest."""
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    definitions = {d.arn: d for d in state.facts.task_definitions}
    for service in state.facts.ecs_services:
        definition = definitions.get(service.task_definition)
        if definition is None or service.desired <= 0:
            continue
        for container in definition.containers:
            tag = _tag(container.image)
            if tag in ("", "latest"):
                how = "the tag latest" if tag else "no tag (latest)"
                yield report(ctx, state, f"ECS service {service.cluster}/{service.name} runs "
                             f"{definition.arn.rsplit('/', 1)[-1]}"
                             f": container {container.name} runs {container.image} by {how}",
                             definition.arn, service.arn)
