"""Model-serving workload has no readiness probe

## What it flags
A container of a Deployment, StatefulSet, DaemonSet, ReplicaSet, Argo Rollout or Pod that
serves a model over HTTP and defines no `readinessProbe`. "Serves" is the evidence mlaudit uses for
images: an app server (uvicorn, gunicorn, Triton, TorchServe, vLLM ...) in the container's
`command`/`args` or in the CMD of the in-repo Dockerfile its image is built from, a Python
script with a declared `containerPort`, an in-repo image that EXPOSEs a port (run with its
own entry point), or a published model-server image (vLLM, TGI, Triton, TorchServe,
MLServer, TF Serving, Ollama; rebuilds under another owner count). Manifests,
Kustomize overlays (bases merged, patches applied), Helm charts (`values.yaml`, and a
template that renders a probe of its own) and committed rendered output are read. The
finding sits on the container.

Not flagged: containers that serve nothing the repository shows (a worker, a database
image); Jobs and CronJobs; init containers; a chart whose templates render a
`readinessProbe`. A probe on a path the app does not serve is MLA702's finding.

## Why it matters
Without a readiness probe a pod receives traffic as soon as its process starts, while the
model is still being downloaded and loaded: every rollout and every scale-up answers
errors for as long as loading takes, and a replica that wedges keeps its share of traffic.

## How to fix
Add a `readinessProbe` on a route that answers only once the model is loaded (`/ready`),
and a `startupProbe` when loading takes minutes.

## Example
```yaml
containers:
  - name: api
    image: ghcr.io/acme/model-api:1.4.2
    command: ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8080"]
```

```yaml
containers:
  - name: api
    image: ghcr.io/acme/model-api:1.4.2
    command: ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8080"]
    readinessProbe:
      httpGet: {path: /ready, port: 8080}
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
    id="MLA900", name="k8s-readiness-probe-missing",
    title="Model-serving workload has no readiness probe",
    severity=Severity.MEDIUM, category=Category.HEALTH, target=KubeApp,
    kind=Kind.RELIABILITY, tags=("kubernetes", "helm", "kustomize"), docs=__doc__ or "",
)


@RULE.check
def check(app: KubeApp, ctx: RuleContext) -> Iterator[Finding]:
    for workload in app.workloads():
        for container in workload.containers or ():
            reason = serving(ctx.deployment, app, workload, container)
            if reason is None or container.probe("readiness") is not None:
                continue
            yield ctx.finding(
                f"container {container.name} of {title(workload)} {reason} and has no "
                "readinessProbe: it takes traffic before the model is loaded",
                container.span, related=[where(app)],
                key=f"{workload.key}/{container.name}")
