"""An example third-party rule pack for mlaudit, written with the same `Rule` API as the
built-in rules. EXP001 is a working rule; EXP002 raises on every Dockerfile, to show that
a broken plugin rule is isolated."""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.dockerfile import Dockerfile
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

_DOCS = """Image built on a plain ubuntu base

## What it flags
A Dockerfile stage `FROM ubuntu`.

## Why it matters
Our platform images carry the CA bundle, the proxy settings and the security agent.

## How to fix
Build on `registry.example.com/platform/python` instead.

## Example
```dockerfile
FROM ubuntu:22.04
```

```dockerfile
FROM registry.example.com/platform/python:3.11
```
"""

UBUNTU = Rule(id="EXP001", name="base-image-ubuntu", title="Image built on a plain ubuntu base",
              severity=Severity.LOW, category=Category.IMAGE, target=Dockerfile, docs=_DOCS,
              kind=Kind.RELIABILITY)


@UBUNTU.check
def _ubuntu(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    for stage in dockerfile.stages:
        if stage.image.repository == "ubuntu":
            yield ctx.finding(f"stage {stage.index} builds on {stage.image.raw}", stage.from_span)


RAISES = Rule(id="EXP002", name="always-raises", title="A rule with a bug",
              severity=Severity.HIGH, category=Category.IMAGE, target=Dockerfile,
              docs=_DOCS.replace("Image built on a plain ubuntu base", "A rule with a bug"))


@RAISES.check
def _raises(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    raise RuntimeError(f"example plugin bug while reading {dockerfile.path}")


RULES = [UBUNTU, RAISES]
