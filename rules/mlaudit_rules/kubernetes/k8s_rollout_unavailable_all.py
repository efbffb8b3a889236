"""Rolling update can take every replica down at once

## What it flags
A Deployment, StatefulSet or DaemonSet whose `rollingUpdate.maxUnavailable` is `100%` (or
more), or a number at least its `replicas` (the autoscaler's minimum when one targets it).
Kustomize patches and `replicas:` are applied first. The finding sits on
`maxUnavailable`.

Not flagged: `maxUnavailable` below the replica count; percentages below 100%; an unknown
replica count with a number; the default (25%); `type: Recreate`, a deliberate choice (a
model that needs the only GPU) that is documented as downtime.

## Why it matters
Kubernetes may stop every old pod before a new one is ready: each rollout is an outage
as long as pulling the image and loading the model takes.

## How to fix
Set `maxUnavailable: 0` with `maxSurge: 1` (or 25%), so new pods become ready before old
ones go.

## Example
```yaml
spec:
  replicas: 3
  strategy:
    rollingUpdate:
      maxUnavailable: 3
```

```yaml
spec:
  replicas: 3
  strategy:
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
```

## References
- https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-unavailable
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.kubernetes import KubeApp
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.kubernetes._k8s import title, where

RULE = Rule(
    id="MLA909", name="k8s-rollout-unavailable-all",
    title="Rolling update can take every replica down at once",
    severity=Severity.HIGH, category=Category.ROLLOUT, target=KubeApp,
    kind=Kind.RELIABILITY, tags=("kubernetes", "kustomize", "rollout"), docs=__doc__ or "",
)


@RULE.check
def check(app: KubeApp, ctx: RuleContext) -> Iterator[Finding]:
    for workload in app.workloads():
        value = workload.max_unavailable
        if value is None or workload.max_unavailable_span is None or \
                workload.kind not in ("Deployment", "StatefulSet", "DaemonSet"):
            continue
        if isinstance(value, str):
            text = value.strip()
            if not text.endswith("%") or not text[:-1].isdigit() or int(text[:-1]) < 100:
                continue
            what = f"maxUnavailable: {text}"
        else:
            scalers = [s.min_replicas for s in app.scaled(workload) if s.min_replicas]
            replicas = min(scalers) if scalers else (
                workload.replicas if workload.replicas is not None else 1)
            if workload.kind == "DaemonSet" or not isinstance(replicas, int) or \
                    value < replicas:
                continue
            what = f"maxUnavailable: {value} with {replicas} replica{'s' * (replicas != 1)}"
        yield ctx.finding(
            f"{title(workload)} rolls out with {what}: every replica may be down at once",
            workload.max_unavailable_span, related=[where(app)], key=workload.key)
