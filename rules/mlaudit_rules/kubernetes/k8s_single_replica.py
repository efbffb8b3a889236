"""Model-serving workload runs one replica and nothing scales it

## What it flags
A Deployment, StatefulSet, ReplicaSet or Argo Rollout that serves a model (MLA900's evidence) with
`replicas: 1` (or no `replicas`, which means 1) and no HorizontalPodAutoscaler or KEDA
ScaledObject of the same unit targeting it. Kustomize `replicas:` and JSON 6902 patches
count; a Helm chart counts when `autoscaling.enabled` is false. The finding sits on
`replicas` (on the workload when it is not written).

Not flagged: two replicas or more; an autoscaler targeting the workload (MLA903 judges
its range); `replicas` from a variable; DaemonSets (one per node by design), Jobs and
Pods; a chart that does not write `replicaCount`; workloads that serve nothing the
repository shows.

## Why it matters
One pod is one point of failure: every rollout, node drain, OOM kill or spot
reclamation is an outage while the next pod pulls the image and loads the model, and no
traffic spike can be absorbed.

## How to fix
Run at least two replicas with a PodDisruptionBudget, and add a HorizontalPodAutoscaler
(CPU, GPU utilisation or request rate) or a KEDA ScaledObject.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: model-api}
spec:
  replicas: 1
```

```yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: model-api}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: model-api}
  minReplicas: 2
  maxReplicas: 8
```

## References
- https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.kubernetes import KubeApp
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.kubernetes._k8s import serving, title, where

RULE = Rule(
    id="MLA902", name="k8s-single-replica",
    title="Model-serving workload runs one replica and nothing scales it",
    severity=Severity.MEDIUM, category=Category.SCALING, target=KubeApp,
    kind=Kind.RELIABILITY, tags=("kubernetes", "helm", "kustomize", "autoscaling"),
    docs=__doc__ or "",
)
_SCALED_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "Rollout")


@RULE.check
def check(app: KubeApp, ctx: RuleContext) -> Iterator[Finding]:
    for workload in app.workloads():
        if workload.kind not in _SCALED_KINDS or app.scaled(workload):
            continue
        replicas = workload.replicas
        if replicas is None and app.kind == "helm-chart":
            continue  # not written in values: the chart decides
        if replicas not in (None, 1):
            continue  # more than one, or from a variable: cannot tell
        reason = next((r for c in workload.containers or ()
                       if (r := serving(ctx.deployment, app, workload, c))), None)
        if reason is None:
            continue
        written = "replicas: 1" if replicas == 1 else "no replicas (one pod)"
        yield ctx.finding(
            f"{title(workload)} {reason} with {written} and no HorizontalPodAutoscaler or "
            "KEDA ScaledObject targets it", workload.replicas_span or workload.span,
            related=[where(app)], key=workload.key)
