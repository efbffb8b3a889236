"""Render web service has no health check path

## What it flags
A web service in `render.yaml` (a Docker or native runtime; static sites are not
services) with no `healthCheckPath`. The finding sits on the service entry.

Not flagged: workers, private services, cron jobs and static sites; services with a
`healthCheckPath` (MLA702 checks that the app serves it).

## Why it matters
Without a health check path Render only waits for the port to open: a deploy whose model
fails to load, or an instance whose workers hang, keeps receiving traffic, and a broken
deploy replaces the working one instead of being rolled back.

## How to fix
Point `healthCheckPath` at the app's readiness route (one that answers only once the
model is loaded).

## Example
```yaml
services:
  - type: web
    name: sentiment-api
    runtime: docker
```

```yaml
services:
  - type: web
    name: sentiment-api
    runtime: docker
    healthCheckPath: /healthz
```

## References
- https://render.com/docs/health-checks
- https://render.com/docs/blueprint-spec
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.paas import PaasService
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

RULE = Rule(
    id="MLA941",
    name="render-health-check-missing",
    title="Render web service has no health check path",
    severity=Severity.MEDIUM,
    category=Category.HEALTH,
    target=PaasService,
    kind=Kind.RELIABILITY,
    tags=("render", "paas"),
    docs=__doc__ or "",
)


@RULE.check
def check(svc: PaasService, ctx: RuleContext) -> Iterator[Finding]:
    if svc.platform != "render" or svc.kind != "web" or svc.health_checks:
        return
    yield ctx.finding(
        f"Render web service {svc.name} has no healthCheckPath: Render routes traffic as "
        "soon as the port opens, before the model is loaded, and keeps a hung instance",
        svc.span, key=svc.key)
