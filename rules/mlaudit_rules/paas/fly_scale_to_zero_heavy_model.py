"""Fly.io machines stop when idle in front of a heavy model

## What it flags
An `[http_service]` or `[[services]]` entry with `auto_stop_machines` on (`true`,
`"stop"`, `"suspend"`) and `min_machines_running = 0` (or unset: Fly's default), whose
app depends on a heavy ML stack (torch, transformers, ...: `HEAVY_ML_PACKAGES`, in the
requirement files beside fly.toml or its Dockerfile's installs) or ships model files. The
finding sits on `auto_stop_machines`.

Not flagged: `min_machines_running` of 1 or more; `auto_stop_machines = false`/"off";
light stacks.

## Why it matters
With every machine stopped, the next request waits for a machine to boot, import the
framework and load the weights: tens of seconds, longer than most clients wait.

## How to fix
Keep a machine running (`min_machines_running = 1`), or use `"suspend"` with a model
that loads fast.

## Example
```toml
[http_service]
  internal_port = 8000
  auto_stop_machines = "stop"
  min_machines_running = 0
```

```toml
[http_service]
  internal_port = 8000
  auto_stop_machines = "stop"
  min_machines_running = 1
```

## References
- https://fly.io/docs/launch/autostop-autostart/
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.paas import PaasService
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit_rules.paas._heavy import heavy_evidence

RULE = Rule(
    id="MLA948",
    name="fly-scale-to-zero-heavy-model",
    title="Fly.io machines stop when idle in front of a heavy model",
    severity=Severity.MEDIUM,
    category=Category.SERVERLESS,
    target=PaasService,
    kind=Kind.RELIABILITY,
    confidence=Confidence.MEDIUM,
    tags=("fly", "paas", "cold-start"),
    docs=__doc__ or "",
)


@RULE.check
def check(svc: PaasService, ctx: RuleContext) -> Iterator[Finding]:
    if svc.platform != "fly" or not svc.sleeps or svc.min_running != 0:
        return
    evidence = heavy_evidence(ctx.deployment, svc.directory, svc.dockerfile)
    if not evidence:
        return
    said = "" if svc.min_running_span is not None else " (unset)"
    yield ctx.finding(
        f"Fly.io {svc.name} stops its machines when idle with min_machines_running = 0{said}"
        f" but serves a heavy model stack ({evidence[0][1]}): a request after an idle "
        "period waits for a machine to boot and load the model",
        svc.sleep_span or svc.span, related=evidence, key=svc.key)
