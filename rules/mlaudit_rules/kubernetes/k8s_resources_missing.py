"""Container has no CPU/memory requests or no memory limit

## What it flags
A container (not an init container) of a Deployment, StatefulSet, DaemonSet, ReplicaSet,
Job, CronJob or Pod that does not request both `cpu` and `memory`, or sets no `memory`
limit; Kustomize patches that add them count, and a Helm chart's `resources` in
`values.yaml` (`resources: {}`, the `helm create` default, sets nothing). The finding sits on
`resources` (on the container when it has none) and names what is missing.

Not flagged: a unit that ships a `LimitRange` (it sets defaults for the namespace); a
chart whose templates do not render `.Values.resources`; a missing CPU *limit* (CPU is
throttled, not killed, and many clusters deliberately leave it unset).

## Why it matters
Without requests the scheduler packs model pods onto nodes that cannot hold them, and
they are the first evicted under pressure; without a memory limit one request that loads
a large batch can take the node's memory and every pod on it.

## How to fix
Measure one replica under load and set `requests` for `cpu` and `memory` and a `memory`
limit (equal to the request for a Guaranteed pod).

## Example
```yaml
containers:
  - name: api
    image: ghcr.io/acme/model-api:1.4.2
```

```yaml
containers:
  - name: api
    image: ghcr.io/acme/model-api:1.4.2
    resources:
      requests: {cpu: 500m, memory: 1Gi}
      limits: {memory: 2Gi}
```

## References
- https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.kubernetes import KubeApp
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.kubernetes._k8s import title, where

RULE = Rule(
    id="MLA906", name="k8s-resources-missing",
    title="Container has no CPU/memory requests or no memory limit",
    severity=Severity.MEDIUM, category=Category.SCALING, target=KubeApp,
    kind=Kind.RELIABILITY, tags=("kubernetes", "helm", "kustomize"), docs=__doc__ or "",
)


@RULE.check
def check(app: KubeApp, ctx: RuleContext) -> Iterator[Finding]:
    if "LimitRange" in app.other_kinds:
        return
    for workload in app.workloads():
        for container in workload.containers or ():
            if container.init:
                continue
            resources = container.resources
            missing = [f"{section}.{name}" for section, name in
                       (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))
                       if resources is None or not resources.has(section, name)]
            if resources is not None and any(k == "?" for k, _ in resources.requests or ()):
                continue  # rendered by a template mlaudit does not read
            if not missing:
                continue
            yield ctx.finding(
                f"container {container.name} of {title(workload)} sets no "
                f"{', '.join(missing)}", resources.span if resources else container.span,
                related=[where(app)], key=f"{workload.key}/{container.name}")
