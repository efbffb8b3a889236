"""Deployed web app defines no health endpoint

## What it flags
A FastAPI, Flask, Quart or Starlette application object whose code is deployed in the
repository (the image built from a Dockerfile whose build context holds the app runs as a
compose or ECS service, or a load balancer target group or nginx `proxy_pass` reaches it)
while no module of the app's package (the app's directory and the image's build context)
defines a health route (`/health`, `/healthz`, `/ready`, `/livez`, `/ping`, ...).

Not flagged: an app with a health route anywhere in its package (a router in another
module counts); `APIRouter`/`Blueprint` objects; apps not deployed by anything in the
repository; packages with a route whose path is not a literal (it may be the health
route: cannot tell).

## Why it matters
Load balancers, ECS and compose decide whether a container may take traffic by probing
it. Without a health route the probe either hits `/` (which may load the model or need
auth), or is missing, so a container that is still loading weights or has wedged keeps
receiving requests.

## How to fix
Add a cheap `GET /healthz` (liveness) and, for models, a readiness route that answers
once the model is loaded; point the health checks at them.

## Example
```python
from fastapi import FastAPI

app = FastAPI()

@app.post("/predict")
def predict(payload: dict) -> dict:
    return {"label": "spam"}
```

```python
from fastapi import FastAPI

app = FastAPI()

@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}
```

## References
- https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment, Image
from mlaudit.models.python_source import PythonModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit.span import Span

RULE = Rule(
    id="MLA602", name="app-health-endpoint-missing",
    title="Deployed web app defines no health endpoint",
    severity=Severity.LOW, category=Category.HEALTH, target=PythonModule,
    kind=Kind.RELIABILITY, confidence=Confidence.MEDIUM, tags=("fastapi", "flask"),
    docs=__doc__ or "",
)
_APPS = ("fastapi", "flask", "quart", "starlette")


def _under(path: str, directory: str) -> bool:
    return directory in ("", ".") or path.startswith(directory.rstrip("/") + "/")


def _deployments(deployment: Deployment, image: Image) -> list[tuple[Span, str]]:
    """Where the image is deployed: services running it, proxies reaching it."""
    out = [(s.span, f"{s.platform} service {s.name} runs this image")
           for s in deployment.service_for_dockerfile(image.dockerfile)]
    served = {image.id} | {s.id for s in deployment.service_for_dockerfile(image.dockerfile)}
    out += [(p.span, f"{p.kind} {p.name} forwards to it") for p in deployment.proxies()
            if any(t.id in served for t in deployment.targets_of(p))]
    return out


@RULE.check
def check(module: PythonModule, ctx: RuleContext) -> Iterator[Finding]:
    apps = [a for a in module.apps if a.framework in _APPS]
    deployment = ctx.deployment
    if not apps or not isinstance(deployment, Deployment):
        return
    # The image the server command starts this module in; without a known entry module, an
    # image whose (non-root) build context holds it.
    images = [i for i in deployment.images() if module.path in i.app_files or (
        not i.app_files and posixpath.dirname(i.dockerfile) not in ("", ".")
        and _under(module.path, posixpath.dirname(i.dockerfile)))]
    evidence = [item for image in images for item in _deployments(deployment, image)]
    if not evidence:  # not deployed by anything in the repository: cannot tell
        return
    scopes = {posixpath.dirname(module.path)} | {posixpath.dirname(i.dockerfile) for i in images}
    package = [m for m in deployment.models(PythonModule)
               if any(_under(m.path, s) for s in scopes) or m.path == module.path]
    routes = [r for m in package for r in m.routes]
    if any(r.is_health or r.path is None for r in routes):
        return
    for app in apps:
        yield ctx.finding(
            f"{app.framework} app {app.name} is deployed ({evidence[0][1]}) but no module of "
            "its package defines a health route such as /healthz",
            app.span, related=evidence, key=f"{module.path}:{app.name}")
