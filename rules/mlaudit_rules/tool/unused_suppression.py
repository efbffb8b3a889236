"""Suppression comment that suppresses nothing

## What it flags
An inline `# mlaudit: ignore[ID]` comment that matched no finding of a rule that ran, or
that names a rule id or name that does not exist.

## Why it matters
Suppressions rot: the code they excused changes, and the comment stays behind to hide
the next real problem on that line. A misspelt rule id suppresses nothing while looking
like it does.

## How to fix
Delete the comment, or correct the rule id it names. `mlaudit rules` lists every id.

## Example
```dockerfile
# mlaudit: ignore[MLA201] the compose file defines the health check
FROM python:3.12-slim
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
```

```dockerfile
FROM python:3.12-slim
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.engine import UnusedSuppressions
from mlaudit.finding import Finding
from mlaudit.roles import ALL_ROLES
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

RULE = Rule(
    id="MLA001",
    name="unused-suppression",
    title="Suppression comment that suppresses nothing",
    severity=Severity.LOW,
    category=Category.META,
    target=UnusedSuppressions,
    kind=Kind.RELIABILITY,
    tags=("maintainability",),
    roles=ALL_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(subject: UnusedSuppressions, ctx: RuleContext) -> Iterator[Finding]:
    for item, ref in subject.unknown:
        close = subject.suggestions.get(ref)
        hint = f" (did you mean {close!r}?)" if close else ""
        yield ctx.finding(f"suppression names unknown rule {ref!r}{hint}", item.span,
                          key=f"unknown:{ref}")
    for item, ref in subject.items:
        yield ctx.finding(f"suppression of {ref} matches no finding; remove it", item.span,
                          key=f"unused:{ref}")
