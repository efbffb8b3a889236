"""Serving image runs as root

## What it flags
The final stage of a Dockerfile that starts a server has no `USER` instruction (so it
runs as root, the default), or its last `USER` is `root` or `0`. The finding sits on the
final `FROM` line, or on the `USER root` line.

Not flagged: builder stages (only the final stage runs); images that start no server;
a final stage that inherits a non-root `USER` from an earlier stage it builds on.

## Why it matters
Model servers parse untrusted input (images, pickles, JSON) with large native
libraries. When one of them is exploited, root in the container makes a container escape
or a write to mounted volumes and credentials far easier.

## How to fix
Create an unprivileged user and switch to it after installing packages.

## Example
```dockerfile
FROM python:3.12-slim
RUN pip install fastapi uvicorn
CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]
```

```dockerfile
FROM python:3.12-slim
RUN pip install fastapi uvicorn && useradd --create-home app
USER app
CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]
```

## References
- https://docs.docker.com/build/building/best-practices/#user
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.dockerfile import Dockerfile
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Severity
from mlaudit_rules.helpers import dockerfile_serves

RULE = Rule(
    id="MLA202",
    name="dockerfile-user-root",
    title="Serving image runs as root",
    severity=Severity.MEDIUM,
    category=Category.IMAGE,
    target=Dockerfile,
    tags=("docker", "cwe-250"),
    docs=__doc__ or "",
)


@RULE.check
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    final = dockerfile.final_stage
    if final is None or not dockerfile_serves(dockerfile, ctx.deployment):
        return
    if final.user is None:
        inherited = dockerfile.inherited_user
        if inherited is not None and inherited.value.split(":")[0].strip() not in ("root", "0"):
            return
        yield ctx.finding(
            f"final stage FROM {final.image.raw} sets no USER, so the server runs as root",
            final.from_span,
            key=f"stage:{final.name or final.index}",
        )
    elif final.runs_as_root:
        yield ctx.finding(
            f"final stage switches to USER {final.user.value.strip()}: the server runs as root",
            final.user.span,
            key=f"stage:{final.name or final.index}:user",
        )
