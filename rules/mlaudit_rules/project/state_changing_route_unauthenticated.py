"""Internet-facing model service has an unauthenticated admin or training route

## What it flags
A FastAPI, Starlette or Flask route that changes the service's state, `/train`,
`/retrain`, `/fine-tune`, `/reload`, `/reload-model`, `/load-model`, `/update-model`,
`/upload-model`, `/swap`, `/promote`, `/rollback`, `/shutdown`, `/restart`, `/reset`,
`/deploy` or anything under `/admin` (any method: `GET /reload` changes state too),
when nothing checks the caller and the repository exposes the service to the internet
(a public load balancer, listener, security group, function URL or API, in the
deployment unit of the code when units tell). A route is guarded when its handler takes an
authentication dependency (`Depends(get_current_user)`, `Security(api_key_header)`, a
parameter such as `token`, `api_key`, `credentials` or `current_user`), when its
decorator or its router, blueprint, app or `include_router(...)` has
`dependencies=[...]` naming an auth check, or when the handler carries an auth decorator
(`@login_required`, `@jwt_required()`, `@auth.login_required`, `@requires_auth`,
`@token_required`...). The finding sits on the route's decorator.

Not flagged: such routes when no internet entry point is known (cannot tell); modules that
install request hooks or middleware (`@app.before_request`, `@app.middleware("http")`),
which may authenticate every route; prediction and health routes.

## Why it matters
`POST /train` on a public service lets anyone retrain the model on data of their choice
(poisoning), burn GPU hours, or replace the model being served; `/reload` and `/admin`
let them swap or break it. These routes are usually written for the team's own scripts
and forgotten when the service goes public.

## How to fix
Require a credential on these routes (an API key or bearer token checked in a dependency,
`dependencies=[Depends(verify_admin)]` on an admin router), or serve them on a separate
internal port or service that the load balancer does not route to.

## Example
```python
@app.post("/train")
def train(job: TrainJob):
    return start_training(job)
```

```python
@app.post("/train", dependencies=[Depends(verify_admin_token)])
def train(job: TrainJob):
    return start_training(job)
```

## References
- https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/
- https://fastapi.tiangolo.com/tutorial/security/
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment, EntryPoint
from mlaudit.models.python_source import PythonModule, Route
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

RULE = Rule(
    id="MLA712",
    name="state-changing-route-unauthenticated",
    title="Internet-facing model service has an unauthenticated admin or training route",
    severity=Severity.HIGH,
    category=Category.EXPOSURE,
    target=Deployment,
    requires=(PythonModule,),
    kind=Kind.SECURITY,
    tags=("fastapi", "flask", "authentication", "cwe-306"),
    docs=__doc__ or "",
)

_STATE_PATH_RE = re.compile(
    r"(?i)(?:^|/)(?:admin(?:/|$)|(?:re)?train(?:ing)?(?:/|$)|fine-?tune|finetune"
    r"|reload(?:[-_]?models?)?(?:/|$)|(?:load|update|upload|swap|replace|set)[-_]?models?(?:/|$)"
    r"|models?/(?:reload|load|update|upload|swap|replace|promote|activate)(?:/|$)"
    r"|swap(?:/|$)|promote(?:/|$)|rollback(?:/|$)|shutdown(?:/|$)|restart(?:/|$)"
    r"|reset(?:/|$)|deploy(?:/|$))")
# Names that say a dependency, decorator or parameter checks the caller.
_AUTH_RE = re.compile(
    r"(?i)auth|login|token|jwt|api_?key|apikey|credential|current_|get_user|user_from|admin"
    r"|verify|permission|require|secur|admin_only|is_admin|bearer|oauth|session|principal"
    r"|signature|hmac|basic|access|role|scope|guard|protect|acl|rbac|allow")
_HOOK_RE = re.compile(r"(?:^|\.)(?:before_request|before_app_request|middleware)$")


def _guarded_names(module: PythonModule, route: Route) -> list[str]:
    names = list(route.guards)
    handler = next((f for f in module.functions if f.name == route.handler), None)
    if handler is not None:
        names += handler.param_refs
        names += [p.lstrip("*") for p in handler.params]
        names += [d for d in handler.decorators if d != f"{route.app}.{d.rsplit('.', 1)[-1]}"]
    for app in module.apps:
        if app.name == route.app or route.app is None:
            names += app.guards
    for include in module.includes:
        names += include.guards
    return names


def _public_entries(deployment: Deployment, path: str) -> list[EntryPoint]:
    public = deployment.internet_ingress()
    units = deployment.file_units.get(path, ())
    if not units:
        return public
    near: set[str] = set()
    for unit in units:
        near |= deployment.connected_units(unit)
    tied = [e for e in public if deployment.node_units.get(e.id) in near]
    return tied


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    for module in deployment.models(PythonModule):
        if not module.routes:
            continue
        if any(_HOOK_RE.search(d) for f in module.functions for d in f.decorators):
            continue  # a request hook or middleware may authenticate every route
        routes = [r for r in module.routes
                  if any(p and _STATE_PATH_RE.search(p) for p in (r.path, r.local_path))
                  and not r.is_health]
        if not routes:
            continue
        entries = _public_entries(deployment, module.path)
        if not entries:
            continue  # not known to face the internet: cannot tell
        for route in routes:
            if any(_AUTH_RE.search(n) for n in _guarded_names(module, route)):
                continue
            methods = "/".join(route.methods) or "ANY"
            entry = entries[0]
            yield ctx.finding(
                f"route {methods} {route.path or route.local_path} ({route.handler}) changes "
                "the model service's state and checks no caller, and the service faces the "
                f"internet ({entry.name})", route.span,
                related=[(entry.span, f"internet entry point: {entry.name}")],
                key=f"{module.path}:{methods}:{route.path or route.local_path}")
