"""Kubernetes autoscaler cannot scale

## What it flags
A HorizontalPodAutoscaler whose `minReplicas` equals `maxReplicas`, or a KEDA
ScaledObject whose `minReplicaCount` equals `maxReplicaCount` (Helm: `autoscaling.enabled`
with `minReplicas` equal to `maxReplicas`). The finding sits on the maximum.

Not flagged: a range; unwritten bounds whose defaults differ (HPA `minReplicas` 1, KEDA
`minReplicaCount` 0 and `maxReplicaCount` 100); bounds from variables.

## Why it matters
An autoscaler pinned to one size looks like scaling in review but never adds a pod: a
model service under a traffic spike queues requests until they time out, and pays for
its peak size all night.

## How to fix
Give it room: `maxReplicas` above `minReplicas`, sized from a load test of one replica.

## Example
```yaml
spec:
  minReplicas: 3
  maxReplicas: 3
```

```yaml
spec:
  minReplicas: 3
  maxReplicas: 12
```

## References
- https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
- https://keda.sh/docs/latest/reference/scaledobject-spec/
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.kubernetes import KubeApp
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.kubernetes._k8s import where

RULE = Rule(
    id="MLA903", name="k8s-autoscaler-fixed-size",
    title="Kubernetes autoscaler cannot scale",
    severity=Severity.MEDIUM, category=Category.SCALING, target=KubeApp,
    kind=Kind.RELIABILITY, tags=("kubernetes", "autoscaling", "keda"), docs=__doc__ or "",
)


@RULE.check
def check(app: KubeApp, ctx: RuleContext) -> Iterator[Finding]:
    for scaler in app.autoscalers():
        low, high = scaler.min_replicas, scaler.max_replicas
        if low is None or high is None or low != high or high == 0:
            continue
        yield ctx.finding(
            f"{scaler.kind} {scaler.name} has minimum and maximum {high} replicas: it "
            f"never scales {scaler.target_kind or 'Deployment'} {scaler.target_name}",
            scaler.max_span or scaler.span, related=[where(app)], key=scaler.key)
