"""Model-serving workload has no liveness probe

## What it flags
A container that serves a model over HTTP (the evidence of MLA900: an app server in its
command or in its in-repo image, a Python script with a container port, a published model
server image) in a Deployment, StatefulSet, DaemonSet, ReplicaSet, Argo Rollout or Pod
with no `livenessProbe`. The finding sits on the container.

Not flagged: containers that serve nothing the repository shows; Jobs and CronJobs; init
containers; a chart whose templates render a `livenessProbe`.

## Why it matters
A model server can hang without exiting: a deadlocked worker, a CUDA error that leaves
the process alive, an event loop blocked by a long inference. Without a liveness probe
Kubernetes never restarts it; a readiness probe only takes it out of rotation, leaving the
replica count silently short.

## How to fix
Add a cheap `livenessProbe` (`/healthz`, which must not load or run the model) with a
generous `failureThreshold`, next to the readiness probe.

## Example
```yaml
containers:
  - name: api
    image: ghcr.io/acme/model-api:1.4.2
    command: ["uvicorn", "app.main:app", "--port", "8080"]
    readinessProbe:
      httpGet: {path: /ready, port: 8080}
```

```yaml
containers:
  - name: api
    image: ghcr.io/acme/model-api:1.4.2
    command: ["uvicorn", "app.main:app", "--port", "8080"]
    readinessProbe:
      httpGet: {path: /ready, port: 8080}
    livenessProbe:
      httpGet: {path: /healthz, port: 8080}
      failureThreshold: 6
```

## References
- https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.kubernetes import KubeApp
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.kubernetes._k8s import serving, title, where

RULE = Rule(
    id="MLA901", name="k8s-liveness-probe-missing",
    title="Model-serving workload has no liveness probe",
    severity=Severity.LOW, category=Category.HEALTH, target=KubeApp,
    kind=Kind.RELIABILITY, tags=("kubernetes", "helm", "kustomize"), docs=__doc__ or "",
)


@RULE.check
def check(app: KubeApp, ctx: RuleContext) -> Iterator[Finding]:
    for workload in app.workloads():
        for container in workload.containers or ():
            reason = serving(ctx.deployment, app, workload, container)
            if reason is None or container.probe("liveness") is not None:
                continue
            yield ctx.finding(
                f"container {container.name} of {title(workload)} {reason} and has no "
                "livenessProbe: a hung server is never restarted",
                container.span, related=[where(app)],
                key=f"{workload.key}/{container.name}")
