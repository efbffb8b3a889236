"""Container may run as root

## What it flags
A container (not an init container) for which neither the container's nor the pod's
`securityContext` sets `runAsNonRoot: true` or a non-zero `runAsUser`, and whose image is
not built from an in-repo Dockerfile whose final stage sets a non-root `USER`. Helm charts
are read through `securityContext`/`podSecurityContext` in `values.yaml`. The finding sits
on the container's `securityContext` (the pod's, then the container).

Not flagged: `runAsNonRoot: true` or `runAsUser: 1000` at either level; an in-repo image
with a non-root `USER`; a container-level `runAsNonRoot: false` is flagged (it overrides
the pod's).

## Why it matters
A model server parses untrusted input with large native libraries; root in the
container turns one exploited bug into write access to the image, the mounted volumes and
a much shorter path to the node.

## How to fix
Build the image with a non-root `USER` and set `securityContext.runAsNonRoot: true` (the
kubelet then refuses to start it as root), with `allowPrivilegeEscalation: false`.

## Example
```yaml
spec:
  containers:
    - name: api
      image: ghcr.io/acme/model-api:1.4.2
```

```yaml
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
  containers:
    - name: api
      image: ghcr.io/acme/model-api:1.4.2
```

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.dockerfile import Dockerfile
from mlaudit.models.kubernetes import KubeApp
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.kubernetes._k8s import image_of, title, where

RULE = Rule(
    id="MLA908", name="k8s-runs-as-root",
    title="Container may run as root",
    severity=Severity.MEDIUM, category=Category.IMAGE, target=KubeApp,
    kind=Kind.SECURITY, tags=("kubernetes", "helm", "cwe-250"), docs=__doc__ or "",
)


@RULE.check
def check(app: KubeApp, ctx: RuleContext) -> Iterator[Finding]:
    dockerfiles = {d.path: d for d in ctx.deployment.models(Dockerfile)} \
        if ctx.deployment is not None else {}
    for workload in app.workloads():
        for container in workload.containers or ():
            if container.init:
                continue
            non_root = container.run_as_non_root if container.run_as_non_root is not None \
                else workload.run_as_non_root
            user = container.run_as_user if container.run_as_user is not None \
                else workload.run_as_user
            if non_root or (user is not None and user != 0):
                continue
            image = image_of(ctx.deployment, app, workload, container)
            dockerfile = dockerfiles.get(image.dockerfile) if image is not None else None
            final = dockerfile.final_stage if dockerfile is not None else None
            if final is not None and final.user is not None and not final.runs_as_root and \
                    non_root is not False and user is None:
                continue  # the image's own USER is not root
            at = container.security_span or workload.security_span or container.span
            why = "sets runAsNonRoot: false" if non_root is False else (
                "sets runAsUser: 0" if user == 0 else "sets no runAsNonRoot or runAsUser")
            yield ctx.finding(
                f"container {container.name} of {title(workload)} {why}: it may run as root",
                at, related=[where(app)], key=f"{workload.key}/{container.name}")
