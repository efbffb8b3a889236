"""Render web service runs one instance and does not scale

## What it flags
A paid web service in `render.yaml` with `numInstances` 1 (or unset: Render's default)
and no `scaling` block (`minInstances`/`maxInstances`). The finding sits on
`numInstances`, else the service.

Not flagged: free-plan services (they cannot scale; MLA942 reports a heavy model on
them); services with `scaling`; `numInstances` of 2 or more; workers and static sites.

## Why it matters
A single instance is down during every deploy restart, crash or host move, and a traffic
peak queues behind one model process.

## How to fix
Add `scaling` with `minInstances: 2` and a CPU or memory target, or set `numInstances`
to 2 or more.

## Example
```yaml
services:
  - type: web
    name: sentiment-api
    plan: standard
```

```yaml
services:
  - type: web
    name: sentiment-api
    plan: standard
    scaling:
      minInstances: 2
      maxInstances: 6
      targetCPUPercent: 70
```

## References
- https://render.com/docs/scaling
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.paas import PaasService
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

RULE = Rule(
    id="MLA943",
    name="render-single-instance",
    title="Render web service runs one instance and does not scale",
    severity=Severity.LOW,
    category=Category.SCALING,
    target=PaasService,
    kind=Kind.RELIABILITY,
    tags=("render", "paas", "autoscaling"),
    docs=__doc__ or "",
)


@RULE.check
def check(svc: PaasService, ctx: RuleContext) -> Iterator[Finding]:
    if svc.platform != "render" or svc.kind != "web" or svc.plan == "free":
        return
    if svc.min_instances is not None or svc.max_instances is not None or \
            svc.scaling_span is not None:
        return
    if svc.instances_span is not None and svc.instances != 1:
        return  # two or more, or a value that cannot be read
    said = "" if svc.instances_span is not None else " (numInstances unset)"
    yield ctx.finding(
        f"Render web service {svc.name} runs one instance{said} and has no scaling: a "
        "restart or a traffic peak stops or queues inference",
        svc.instances_span or svc.span, key=svc.key)
