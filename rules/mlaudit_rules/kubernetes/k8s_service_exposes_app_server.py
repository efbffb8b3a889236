"""Kubernetes Service exposes the app server directly

## What it flags
A Service of `type: LoadBalancer` (not internal, with no TLS certificate annotation) or
`type: NodePort` whose port leads straight to a container running an app server
(uvicorn, gunicorn, Triton, TorchServe, vLLM ...): the named or numbered `targetPort` is
declared by that container, or it is the only container of the selected pods. Services
of Kustomize overlays and of Helm charts (`service.type` in `values.yaml`) are read. The
finding sits on the Service port (Helm: on `service.type`).

Not flagged: ClusterIP Services (reached through an Ingress: MLA905 judges those);
internal load balancers (`...-internal: "true"`, `load-balancer-type: Internal`); a load
balancer annotated with a TLS certificate; ports that lead to a proxy container (nginx,
envoy) in front of the app; selectors that match no workload of the unit.

## Why it matters
The app server then faces the internet (LoadBalancer) or every node's address
(NodePort) on plain HTTP: no TLS, no request size or rate limits, no authentication in
front of an endpoint that runs a model for each request.

## How to fix
Make the Service `ClusterIP` and put an Ingress (or Gateway) with TLS in front of it, or
terminate TLS at the load balancer with a certificate annotation.

## Example
```yaml
apiVersion: v1
kind: Service
metadata: {name: model-api}
spec:
  type: LoadBalancer
  selector: {app: model-api}
  ports:
    - port: 80
      targetPort: 8080
```

```yaml
apiVersion: v1
kind: Service
metadata: {name: model-api}
spec:
  selector: {app: model-api}
  ports:
    - port: 80
      targetPort: 8080
```

## References
- https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.kubernetes import KubeApp
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.kubernetes._k8s import (
    INTERNAL_ANNOTATIONS,
    TLS_ANNOTATIONS,
    annotated,
    port_target,
    where,
)

RULE = Rule(
    id="MLA904", name="k8s-service-exposes-app-server",
    title="Kubernetes Service exposes the app server directly",
    severity=Severity.HIGH, category=Category.EXPOSURE, target=KubeApp,
    kind=Kind.SECURITY, tags=("kubernetes", "helm", "tls"), docs=__doc__ or "",
)


@RULE.check
def check(app: KubeApp, ctx: RuleContext) -> Iterator[Finding]:
    for service in app.services():
        if service.type == "LoadBalancer":
            if annotated(service.annotations, INTERNAL_ANNOTATIONS) or \
                    annotated(service.annotations, TLS_ANNOTATIONS):
                continue
            how = "a public load balancer"
        elif service.type == "NodePort":
            how = "a port on every node"
        else:
            continue
        for port in service.ports or ():
            for workload, container, server in port_target(app, service, port,
                                                           ctx.deployment)[:1]:
                exposed = port.node_port if service.type == "NodePort" else port.port
                at = service.type_span if app.kind == "helm-chart" and service.type_span \
                    else port.span
                yield ctx.finding(
                    f"Service {service.name} ({service.type}) exposes {server} in container "
                    f"{container.name} of {workload.kind} {workload.name} on "
                    f"{how}{f' ({exposed})' if exposed else ''} with no TLS or proxy "
                    "in front", at, related=[(container.span, f"{server} runs here"),
                                             where(app)],
                    key=f"{service.key}:{port.key}")
