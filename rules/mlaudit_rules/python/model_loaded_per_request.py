"""Web route loads the model on every request

## What it flags
A model load (`torch.load`, `torch.jit.load`, `joblib.load`, `pickle.load`,
`tf.keras.models.load_model`, `onnxruntime.InferenceSession`, `transformers.pipeline`,
`*.from_pretrained`, `xgboost.Booster().load_model`, `Booster(model_file=...)`, an S3
download of a model artifact) that runs inside a web route's handler on every request: a
FastAPI `@app.get/post/...` or `@router.post(...)`, a Flask `@app.route(...)` or blueprint
route, a route added with `add_api_route`/`add_url_rule`. The load is in the handler itself,
in a helper it calls up to four calls deep, in the same module or another module of the
package (`from .models import load_classifier`), or in a FastAPI dependency provider
(`model = Depends(get_model)`), which FastAPI calls for every request.

A file fetched with `hf_hub_download` or an S3 download counts only when it is then given
to a model loader (the loader is reported; a download whose file is never loaded as a
model stays quiet).

Not flagged: loads at module scope; loads in startup hooks (`@app.on_event("startup")`,
a `lifespan=` context manager, `before_first_request`) and in helpers only they call;
loads behind a cache (`functools.lru_cache`/`cache`, a module-level variable checked for
None, a class or `app.state` attribute), also when the cache is in a helper between the
route and the load or in the `Depends` provider; routes whose purpose is to load a model
(`/reload`, `/load-model`, `/train`, `/upload`, `/admin/...`,
`/models/{id}/activate`); class methods.

## Why it matters
A web worker serves many requests with one process. A load inside the route reads and
deserialises the weights on every request: seconds of latency, memory churn and worker
timeouts as soon as requests overlap, so the service cannot scale with its traffic.

## How to fix
Load once at startup (a FastAPI `lifespan`, module scope) and keep the model in
`app.state` or a module variable, or put the load behind `functools.lru_cache` and inject
it with `Depends`.

## Example
```python
import joblib
from fastapi import FastAPI

app = FastAPI()

@app.post("/predict")
def predict(x: float):
    model = joblib.load("model.joblib")
    return {"score": float(model.predict([[x]])[0])}
```

```python
from functools import lru_cache

import joblib
from fastapi import Depends, FastAPI

app = FastAPI()

@lru_cache(maxsize=1)
def get_model():
    return joblib.load("model.joblib")

@app.post("/predict")
def predict(x: float, model=Depends(get_model)):
    return {"score": float(model.predict([[x]])[0])}
```

## References
- https://fastapi.tiangolo.com/advanced/events/
- https://flask.palletsprojects.com/en/stable/appcontext/
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.python_source import Function, PythonModule, Route
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.python._calls import join_downloads, per_call, reached

RULE = Rule(
    id="MLA715", name="model-loaded-per-request",
    title="Web route loads the model on every request",
    # A capacity fault: the service cannot keep up with its traffic (not a Lambda fact,
    # so not `serverless` like MLA601).
    severity=Severity.HIGH, category=Category.SCALING, target=PythonModule,
    kind=Kind.RELIABILITY, confidence=Confidence.HIGH,
    tags=("fastapi", "flask", "latency"),
    docs=__doc__ or "",
)

# Routes whose job is to (re)load or train a model: loading there is the point.
_LOADING_ROUTE = re.compile(
    r"(?i)(?:^|/)(?:admin|(?:re)?load(?:[-_]?models?)?|(?:update|upload|swap|replace|set)"
    r"[-_]?models?|(?:re)?train(?:ing)?|fine-?tune|finetune|upload|deploy|promote|warm[-_]?up)"
    r"(?:/|$)|(?:^|/)models?/(?:[^/]+/)?(?:(?:re)?load|activate|promote|swap)(?:/|$)")


def _handler(module: PythonModule, route: Route) -> Function | None:
    if not route.handler or not route.handler.isidentifier():
        return None
    found = [f for f in module.functions if f.name == route.handler and f.class_name is None]
    # A decorator route names the function right below it: the one defined after it.
    after = [f for f in found if f.span.line >= route.span.line]
    return min(after, key=lambda f: f.span.line) if after and route.style == "decorator" \
        else (found[0] if found else None)


def _describe(route: Route) -> str:
    methods = "/".join(route.methods) or "GET"
    path = route.path if route.path is not None else route.local_path
    return f"{methods} {path}" if path is not None else f"{methods} route"


@RULE.check
def check(module: PythonModule, ctx: RuleContext) -> Iterator[Finding]:
    if not module.routes:
        return
    modules = ctx.deployment.project.by_path(PythonModule) \
        if ctx.deployment is not None else {module.path: module}
    read = ctx.deployment.project.read_text if ctx.deployment is not None else (
        lambda _path: None)
    # One load reached from several routes is one finding (one fix); the other routes
    # become related locations.
    found: dict[tuple[str, int, int], tuple[str, Any, list[tuple[Span, str]], str]] = {}
    for route in module.routes:
        if any(p and _LOADING_ROUTE.search(p) for p in (route.path, route.local_path)):
            continue
        handler = _handler(module, route)
        if handler is None:
            continue
        what = _describe(route)
        related: list[tuple[Span, str]] = [(route.span, f"route {what}")]
        hits = [(module, ld, "") for ld in per_call(module, handler)]
        for where, fn, first in reached(module, handler, modules, read, handler.depends):
            loads = per_call(where, fn)
            hits += [(where, ld, fn.name) for ld in loads]
            if loads and first is not None and first is not fn:
                related.append((first.span, f"the route calls {first.name}(), which "
                                f"reaches {fn.name}()"))
        for where, load, helper, joined in join_downloads(hits):
            spot = (where.path, load.span.line, load.span.column)
            if spot in found:
                found[spot][2].append((route.span, f"route {what} reaches it too"))
                continue
            provided = helper and any(d.rsplit(".", 1)[-1] == helper for d in handler.depends)
            via = (f" through the dependency {helper}()" if provided
                   else f" through {helper}()" if helper else "")
            notes = related + ([(h.span, f"{helper}() loads uncached") for h in
                                [where.function(helper)] if h is not None] if helper else [])
            notes += [(other.span, f"then {other.call} loads it") for other in joined]
            message = (f"Route {what} ({handler.name}()) calls {load.call}{via} on every "
                       "request, reloading the model each time; load it once at startup "
                       "(lifespan, module scope) or cache it")
            found[spot] = (message, load, notes,
                           f"{module.path}:{handler.name}:{helper}:{load.call}")
    for message, load, notes, key in found.values():
        yield ctx.finding(message, load.span, related=notes, key=key)
