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
from dataclasses import dataclass

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment, Image, Proxy
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


def _ancestors(path: str) -> Iterator[str]:
    parent = posixpath.dirname(path)
    while parent:
        yield parent
        parent = posixpath.dirname(parent)


@dataclass
class _Index:
    """Per-scan lookups (the rule runs once per Python module; walking every image,
    proxy and module each time is quadratic on a monorepo)."""

    images_by_file: dict[str, list[tuple[int, Image]]]  # app file -> images
    images_by_dir: dict[str, list[tuple[int, Image]]]  # build context, no app files known
    proxy_order: dict[str, int]
    health_dirs: set[str]  # directories holding (below) a module with a health route
    health_files: set[str]  # modules with a health route (or a non-literal one)


def _index(deployment: Deployment) -> _Index:
    by_file: dict[str, list[tuple[int, Image]]] = {}
    by_dir: dict[str, list[tuple[int, Image]]] = {}
    for order, image in enumerate(deployment.images()):
        for path in image.app_files:
            by_file.setdefault(path, []).append((order, image))
        directory = posixpath.dirname(image.dockerfile)
        if not image.app_files and directory not in ("", "."):
            by_dir.setdefault(directory.rstrip("/"), []).append((order, image))
    health_dirs: set[str] = set()
    health_files: set[str] = set()
    for module in deployment.models(PythonModule):
        if any(r.is_health or r.path is None for r in module.routes):
            health_files.add(module.path)
            health_dirs.update(_ancestors(module.path))
    return _Index(by_file, by_dir, {p.id: i for i, p in enumerate(deployment.proxies())},
                  health_dirs, health_files)


def _deployments(deployment: Deployment, image: Image, index: _Index
                 ) -> list[tuple[Span, str]]:
    """Where the image is deployed: services running it, proxies reaching it."""
    services = deployment.service_for_dockerfile(image.dockerfile)
    out = [(s.span, f"{s.platform} service {s.name} runs this image") for s in services]
    served = {image.id} | {s.id for s in services}
    reaching = {e.source for target in served for e in deployment.edges_to(target)
                if e.kind in ("proxies", "routes") and e.source in index.proxy_order}
    for proxy_id in sorted(reaching, key=index.proxy_order.__getitem__):
        proxy = deployment.nodes[proxy_id]
        if isinstance(proxy, Proxy):
            out.append((proxy.span, f"{proxy.kind} {proxy.name} forwards to it"))
    return out


@RULE.check
def check(module: PythonModule, ctx: RuleContext) -> Iterator[Finding]:
    apps = [a for a in module.apps if a.framework in _APPS]
    deployment = ctx.deployment
    if not apps or not isinstance(deployment, Deployment):
        return
    index = deployment.memo("MLA602-index", lambda: _index(deployment))
    # The image the server command starts this module in; without a known entry module, an
    # image whose (non-root) build context holds it.
    hits = list(index.images_by_file.get(module.path, ()))
    for directory in _ancestors(module.path):
        hits.extend(index.images_by_dir.get(directory, ()))
    images = [image for _, image in sorted(
        {id(image): (order, image) for order, image in hits}.values(), key=lambda h: h[0])]
    evidence = [item for image in images for item in _deployments(deployment, image, index)]
    if not evidence:  # not deployed by anything in the repository: cannot tell
        return
    scopes = {posixpath.dirname(module.path)} | {posixpath.dirname(i.dockerfile) for i in images}
    if module.path in index.health_files or any(
            (s in ("", ".") and index.health_files) or s.rstrip("/") in index.health_dirs
            for s in scopes):
        return
    for app in apps:
        yield ctx.finding(
            f"{app.framework} app {app.name} is deployed ({evidence[0][1]}) but no module of "
            "its package defines a health route such as /healthz",
            app.span, related=evidence, key=f"{module.path}:{app.name}")
