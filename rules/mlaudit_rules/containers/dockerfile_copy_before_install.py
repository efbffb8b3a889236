"""Whole build context copied before dependencies are installed

## What it flags
A build stage that copies the whole build context (`COPY . .`, `ADD . /app`) and only
then installs dependencies from a manifest (`pip install -r requirements.txt`,
`poetry install`, `pipenv install`, `uv sync`, `conda env create -f`, `npm ci`). The
finding sits on the `COPY` line.

Not flagged: installing the project itself (`pip install .`, `pip install -e .`), which
needs the source; a stage that copies the manifest first, installs, then copies the rest;
`COPY --from=<stage>` copies.

## Why it matters
Docker reuses a layer only while everything before it is unchanged. With the whole
context copied first, any edit to any file (a notebook, a README) invalidates the cache
and reinstalls torch and friends: builds of ML images go from seconds to many minutes,
and CI pays for gigabytes of downloads on every commit.

## How to fix
Copy the dependency manifest alone, install, then copy the source.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python", "serve.py"]
```

```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "serve.py"]
```

## References
- https://docs.docker.com/build/cache/optimize/#order-your-layers
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.dockerfile import Dockerfile, Instruction
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

RULE = Rule(
    id="MLA204",
    name="dockerfile-copy-before-install",
    title="Whole build context copied before dependencies are installed",
    severity=Severity.INFO,
    category=Category.IMAGE,
    target=Dockerfile,
    kind=Kind.COST,
    tags=("docker", "build-cache"),
    docs=__doc__ or "",
)

# Installs that need only a manifest, not the source tree.
_MANIFEST_INSTALL_RE = re.compile(
    r"\bpip3?\s+install\b[^&;|]*\s(?:-r|--requirement)[\s=]|"
    r"\b(?:poetry|pipenv)\s+install\b|\buv\s+sync\b|\buv\s+pip\s+sync\b|"
    r"\bconda\s+env\s+(?:create|update)\b[^&;|]*\s-f\b|\bnpm\s+ci\b|\bpdm\s+sync\b"
)


def _copies_whole_context(ins: Instruction) -> bool:
    if ins.keyword not in ("COPY", "ADD"):
        return False
    tokens = [t for t in ins.value.split() if not t.startswith("--")]
    if any(t.startswith("--from") for t in ins.value.split()):
        return False
    sources = tokens[:-1]
    return any(src in (".", "./") for src in sources)


@RULE.check
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    for stage in dockerfile.stages:
        whole_copy: Instruction | None = None
        for ins in stage.instructions:
            if whole_copy is None and _copies_whole_context(ins):
                whole_copy = ins
            elif whole_copy is not None and ins.keyword == "RUN" and \
                    _MANIFEST_INSTALL_RE.search(ins.value):
                yield ctx.finding(
                    f"`{whole_copy.keyword} {whole_copy.value}` copies the whole build context "
                    f"before the dependency install on line {ins.span.line}: any source edit "
                    "reinstalls every dependency",
                    whole_copy.span,
                    related=[(ins.span, "dependencies are installed here")],
                    key=f"stage:{stage.name or stage.index}",
                )
                break
