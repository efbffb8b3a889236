"""Fly.io service has no HTTP health check

## What it flags
An `[http_service]` with no `[[http_service.checks]]`, or a `[[services]]` entry with no
`[[services.http_checks]]` (and no top-level `[checks]` of type http). The finding sits
on the section header.

Not flagged: apps with an HTTP check anywhere of those places.

## Why it matters
Without an HTTP check Fly considers a machine healthy as soon as it starts (or its TCP
port opens): a deploy whose model fails to load goes live, and a hung machine keeps
receiving requests.

## How to fix
Add an HTTP check on the app's readiness route, with a grace period that covers model
loading.

## Example
```toml
[http_service]
  internal_port = 8000
```

```toml
[http_service]
  internal_port = 8000

  [[http_service.checks]]
    grace_period = "60s"
    interval = "15s"
    method = "GET"
    path = "/healthz"
    timeout = "5s"
```

## References
- https://fly.io/docs/reference/configuration/#http_service-checks
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.paas import PaasService
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

RULE = Rule(
    id="MLA947",
    name="fly-health-check-missing",
    title="Fly.io service has no HTTP health check",
    severity=Severity.MEDIUM,
    category=Category.HEALTH,
    target=PaasService,
    kind=Kind.RELIABILITY,
    tags=("fly", "paas"),
    docs=__doc__ or "",
)


@RULE.check
def check(svc: PaasService, ctx: RuleContext) -> Iterator[Finding]:
    if svc.platform != "fly" or svc.health_checks:
        return
    tcp = " (only a TCP check, which passes once the port opens)" if svc.tcp_checks else ""
    yield ctx.finding(
        f"Fly.io {svc.name} has no HTTP health check{tcp}: a machine whose model failed to "
        "load, or that hangs, still receives requests", svc.span, key=svc.key)
