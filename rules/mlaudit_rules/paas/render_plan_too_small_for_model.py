"""Render free or starter plan in front of a heavy model

## What it flags
A web service in `render.yaml` whose app (its `rootDir`, or the Dockerfile it builds)
depends on a heavy ML stack (`HEAVY_ML_PACKAGES`: torch, transformers, ...) or ships
model files, on the `free` plan (it spins down after 15 idle minutes: the next request
waits for a cold start that loads the model) or on a plan whose memory is below 1 GB plus
twice its model files (`starter` and `free` have 512 MB; unset means `starter`). The
finding sits on `plan`, else the service.

Not flagged: light stacks (scikit-learn, XGBoost, ONNX Runtime); plans with enough memory;
apps whose code directory cannot be located.

## Why it matters
A spun-down free service answers its first request a minute later, after importing the
framework and loading the weights; a 512 MB instance cannot hold them at all and is
killed while loading.

## How to fix
Use a paid plan with the memory the model needs (standard: 2 GB, pro: 4 GB).

## Example
```yaml
services:
  - type: web
    name: sentiment-api
    plan: free          # requirements.txt: torch, transformers
```

```yaml
services:
  - type: web
    name: sentiment-api
    plan: pro
```

## References
- https://render.com/docs/free
- https://render.com/pricing
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.paas import PaasService
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit_rules.paas._heavy import heavy_evidence, memory_need

RULE = Rule(
    id="MLA942",
    name="render-plan-too-small-for-model",
    title="Render free or starter plan in front of a heavy model",
    severity=Severity.MEDIUM,
    category=Category.SERVERLESS,
    target=PaasService,
    kind=Kind.RELIABILITY,
    confidence=Confidence.MEDIUM,
    tags=("render", "paas", "cold-start", "memory"),
    docs=__doc__ or "",
)


@RULE.check
def check(svc: PaasService, ctx: RuleContext) -> Iterator[Finding]:
    if svc.platform != "render" or svc.kind != "web":
        return
    evidence = heavy_evidence(ctx.deployment, svc.directory, svc.dockerfile)
    if not evidence:
        return
    need, why = memory_need(ctx.deployment, svc.directory)
    plan = svc.plan or "starter"
    said = "" if svc.plan_span is not None else " (unset: Render's default)"
    problems = []
    if svc.sleeps:
        problems.append("spins down when idle (the next request waits for the model to load)")
    if svc.memory_mb is not None and svc.memory_mb < need:
        problems.append(f"has {svc.memory_mb} MB, below the {need} MB it needs ({why})")
    if not problems:
        return
    yield ctx.finding(
        f"Render web service {svc.name} serves a heavy model stack ({evidence[0][1]}) on the "
        f"{plan} plan{said}, which {' and '.join(problems)}", svc.plan_span or svc.span,
        related=evidence, key=svc.key)
