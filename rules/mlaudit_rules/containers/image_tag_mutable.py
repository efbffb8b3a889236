"""Image reference is unpinned or uses :latest

## What it flags
A Dockerfile `FROM` with no tag or with `:latest`, and no `@sha256:` digest. Every stage
is checked, since a builder stage's image ends up in the result too.

Not flagged: `scratch`; a reference to an earlier build stage; a version tag
(`python:3.12-slim`); a digest pin; an image given by a build argument whose value is
not known.

## Why it matters
`latest` moves. The same commit builds a different image tomorrow (a new Python minor,
a new CUDA, a new glibc), so a model that passed its tests can fail in production with
nothing in the repository having changed, and a rollback does not roll back.

## How to fix
Pin a version tag, and for reproducible production builds a digest (Renovate and
Dependabot keep digests up to date).

## Example
```dockerfile
FROM python:latest
CMD ["python", "train.py"]
```

```dockerfile
FROM python:3.12-slim@sha256:2d7d0f9ff7a8c2c6b3bd7c2cbe0dd7b8a0e7a3e93f67e8bbf4f9a0b5c6d7e8f9
CMD ["python", "train.py"]
```

## References
- https://docs.docker.com/build/building/best-practices/#pin-base-image-versions
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.dockerfile import Dockerfile
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity

RULE = Rule(
    id="MLA203",
    name="image-tag-mutable",
    title="Image reference is unpinned or uses :latest",
    severity=Severity.MEDIUM,
    category=Category.IMAGE,
    target=Dockerfile,
    kind=Kind.RELIABILITY,
    confidence=Confidence.HIGH,
    tags=("docker", "supply-chain"),
    docs=__doc__ or "",
)


@RULE.check
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    earlier: set[str] = set()
    for stage in dockerfile.stages:
        image = stage.image
        if image.raw.lower() not in earlier and image.is_latest_or_untagged:
            what = "uses :latest" if image.tag == "latest" else "has no tag"
            yield ctx.finding(f"base image {image.raw} {what}; pin a version or digest",
                              stage.from_span, key=f"from:{image.raw}")
        if stage.name:
            earlier.add(stage.name.lower())
