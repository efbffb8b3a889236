"""App Runner instance has less memory than its model needs

## What it flags
An `aws_apprunner_service` whose image is built from a Dockerfile in the repository (its
ECR repository is the one a Dockerfile is built and pushed as) that installs a heavy ML
stack (torch, transformers, ...: `HEAVY_ML_PACKAGES`, in its pip installs or the
requirement files it installs) or ships model files, while `instance_configuration.memory`
(default 2 GB) is below 1 GB plus twice its model files. The finding sits on `memory`,
else the service.

Not flagged: images not built in the repository (cannot tell what they load); light
stacks (scikit-learn, XGBoost, ONNX Runtime); memory that cannot be read.

## Why it matters
An instance that cannot hold the framework and the weights is killed while loading: the
service never becomes healthy, or restarts under load.

## How to fix
Raise `instance_configuration.memory` (App Runner offers up to 12 GB) or serve a smaller
model.

## Example
```hcl
instance_configuration {
  cpu    = "1024"
  memory = "2048" # the image installs torch and ships a 900 MB model
}
```

```hcl
instance_configuration {
  cpu    = "2048"
  memory = "4096"
}
```

## References
- https://docs.aws.amazon.com/apprunner/latest/dg/manage-configure.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.paas import PaasService
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit_rules.paas._heavy import heavy_evidence, memory_need

RULE = Rule(
    id="MLA940",
    name="apprunner-memory-below-model",
    title="App Runner instance has less memory than its model needs",
    severity=Severity.MEDIUM,
    category=Category.SCALING,
    target=PaasService,
    kind=Kind.RELIABILITY,
    confidence=Confidence.MEDIUM,
    tags=("apprunner", "aws", "memory"),
    docs=__doc__ or "",
)


@RULE.check
def check(svc: PaasService, ctx: RuleContext) -> Iterator[Finding]:
    if svc.platform != "apprunner" or svc.dockerfile is None or svc.memory_mb is None:
        return
    evidence = heavy_evidence(ctx.deployment, svc.directory, svc.dockerfile)
    if not evidence:
        return
    need, why = memory_need(ctx.deployment, svc.directory)
    if svc.memory_mb >= need:
        return
    said = "" if svc.memory_span is not None else " (unset: App Runner's default)"
    yield ctx.finding(
        f"App Runner service {svc.name} has {svc.memory_mb} MB of memory{said} but runs a "
        f"heavy model stack ({evidence[0][1]}); it needs at least {need} MB ({why})",
        svc.memory_span or svc.span, related=evidence, key=svc.key)
