"""Heroku dyno size cannot hold the app's model

## What it flags
The `web` process in `app.json`'s `formation` with a `size` whose memory (eco, basic and
standard-1x: 512 MB; standard-2x: 1 GB; performance-m: 2.5 GB) is below 1 GB plus twice
the model files the app ships, while the app (the directory of `app.json` and the
Procfile) depends on a heavy ML stack (torch, transformers, ...: `HEAVY_ML_PACKAGES`) or
ships model files. The finding sits on `size`.

Not flagged: other process types (a worker may not load the model); a `web` entry
without a size (the account's default: cannot tell);
light stacks (scikit-learn, XGBoost, ONNX Runtime); sizes with enough memory.

## Why it matters
Heroku restarts a dyno that exceeds its memory quota (R14, then R15 at twice the
quota): a dyno too small for the framework and the weights swaps, slows to a crawl, and
is killed while loading the model.

## How to fix
Pick a dyno size with the memory the model needs (performance-m: 2.5 GB,
performance-l: 14 GB), or serve a smaller model.

## Example
```json
{"formation": {"web": {"quantity": 1, "size": "basic"}}}
```

```json
{"formation": {"web": {"quantity": 2, "size": "performance-m"}}}
```

## References
- https://devcenter.heroku.com/articles/dyno-types
- https://devcenter.heroku.com/articles/error-codes#r14-memory-quota-exceeded
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.paas import PaasService
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit_rules.paas._heavy import heavy_evidence, memory_need

RULE = Rule(
    id="MLA945",
    name="heroku-dyno-too-small-for-model",
    title="Heroku dyno size cannot hold the app's model",
    severity=Severity.MEDIUM,
    category=Category.SCALING,
    target=PaasService,
    kind=Kind.RELIABILITY,
    confidence=Confidence.MEDIUM,
    tags=("heroku", "paas", "memory"),
    docs=__doc__ or "",
)


@RULE.check
def check(svc: PaasService, ctx: RuleContext) -> Iterator[Finding]:
    if svc.platform != "heroku" or svc.name != "web" or svc.memory_mb is None or \
            svc.plan_span is None:
        return
    evidence = heavy_evidence(ctx.deployment, svc.directory)
    if not evidence:
        return
    need, why = memory_need(ctx.deployment, svc.directory)
    if svc.memory_mb >= need:
        return
    yield ctx.finding(
        f"Heroku {svc.name} dyno size {svc.plan} has {svc.memory_mb} MB but the app runs a "
        f"heavy model stack ({evidence[0][1]}); it needs at least {need} MB ({why})",
        svc.plan_span, related=evidence, key=svc.key)
