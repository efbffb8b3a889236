"""Ingress in front of an app server has no TLS

## What it flags
An Ingress with no `tls:` section (and no cloud certificate annotation such as
`alb.ingress.kubernetes.io/certificate-arn` or `networking.gke.io/managed-certificates`)
whose backends reach a container running an app server (uvicorn, gunicorn, Triton ...):
the backend Service selects the workload and its target port leads to that container.
Helm charts count when `ingress.enabled` is true and `ingress.tls` is empty. The finding
sits on the Ingress (Helm: on `ingress.enabled`).

Not flagged: an Ingress with `tls` hosts; one with a certificate annotation; internal
ingresses (`scheme: internal`); backends that reach nothing of the unit or a proxy.

## Why it matters
Requests to the model, and whatever they carry (API keys, user text, images), cross the
network in clear text, and any client can be downgraded to HTTP.

## How to fix
Add `spec.tls` with the hosts and a certificate Secret (cert-manager issues and renews
one), or annotate the cloud load balancer with its certificate.

## Example
```yaml
spec:
  rules:
    - host: model.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: model-api, port: {number: 80}}}
```

```yaml
spec:
  tls:
    - hosts: [model.example.com]
      secretName: model-example-com-tls
  rules:
    - host: model.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: model-api, port: {number: 80}}}
```

## References
- https://kubernetes.io/docs/concepts/services-networking/ingress/#tls
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
    id="MLA905", name="k8s-ingress-tls-missing",
    title="Ingress in front of an app server has no TLS",
    severity=Severity.HIGH, category=Category.EDGE, target=KubeApp,
    kind=Kind.SECURITY, tags=("kubernetes", "helm", "tls"), docs=__doc__ or "",
)


@RULE.check
def check(app: KubeApp, ctx: RuleContext) -> Iterator[Finding]:
    services = {s.name: s for s in app.services()}
    for ingress in app.ingresses():
        if ingress.tls or annotated(ingress.annotations, TLS_ANNOTATIONS) or \
                annotated(ingress.annotations, INTERNAL_ANNOTATIONS):
            continue
        backends = [(b.service, b.port) for b in ingress.backends or ()]
        if not backends and app.kind == "helm-chart":
            backends = [(name, None) for name in services]
        reached = None
        for name, wanted in backends:
            service = services.get(name)
            if service is None:
                continue
            for port in service.ports or ():
                if wanted is not None and wanted not in (port.port, port.name):
                    continue
                found = port_target(app, service, port, ctx.deployment)
                if found:
                    reached = (service, *found[0])
                    break
            if reached:
                break
        if reached is None:
            continue
        service, workload, container, server = reached
        yield ctx.finding(
            f"Ingress {ingress.name} has no TLS and routes to {server} (container "
            f"{container.name} of {workload.kind} {workload.name}, through Service "
            f"{service.name})", ingress.span,
            related=[(container.span, f"{server} runs here"), where(app)], key=ingress.key)
