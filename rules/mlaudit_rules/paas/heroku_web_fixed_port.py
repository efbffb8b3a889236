"""Heroku web process listens on a fixed port instead of $PORT

## What it flags
The `web` process of a `Procfile` whose server listens on a fixed port: `--port 8000`,
`--bind 0.0.0.0:8000`, or no port at all for a server whose default is fixed (uvicorn and
hypercorn 8000, flask 5000, streamlit 8501); or `python app.py` where that script calls
`uvicorn.run(app, port=8000)` without reading `PORT`. The finding sits on the Procfile
line, or on the launch in the script.

Heroku and the platforms that run Procfiles the same way (Dokku, Scalingo, Railway) all
give the web process its port in `$PORT`.

Not flagged: `--port $PORT`, `--bind 0.0.0.0:${PORT}`, gunicorn without `--bind` (it
binds `$PORT` when it is set), a script that reads the port from the environment; other
process types (only `web` receives HTTP).

## Why it matters
Heroku assigns each web dyno a port in `$PORT` and waits 60 seconds for the process to
bind it; a server on 8000 never does, so the dyno crashes with R10 (boot timeout) and the
app never serves a request.

## How to fix
Bind the port Heroku gives: `web: uvicorn app.main:app --host 0.0.0.0 --port $PORT`.

## Example
```
web: uvicorn app.main:app --host 0.0.0.0 --port 8000
```

```
web: uvicorn app.main:app --host 0.0.0.0 --port $PORT
```

## References
- https://devcenter.heroku.com/articles/dynos#web-dynos
- https://devcenter.heroku.com/articles/error-codes#r10-boot-timeout
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.command import DEFAULT_PORTS
from mlaudit.models.paas import PaasService
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.paas._ports import command_launch, script_module

RULE = Rule(
    id="MLA944",
    name="heroku-web-fixed-port",
    title="Heroku web process listens on a fixed port instead of $PORT",
    severity=Severity.HIGH,
    category=Category.HEALTH,
    target=PaasService,
    kind=Kind.RELIABILITY,
    tags=("heroku", "paas", "port"),
    docs=__doc__ or "",
)


@RULE.check
def check(svc: PaasService, ctx: RuleContext) -> Iterator[Finding]:
    if svc.platform != "heroku" or svc.name != "web" or svc.command_span is None:
        return
    launch = command_launch(svc)
    if launch is None:
        return
    if launch.server == "python-script":
        module = script_module(ctx.deployment, svc, launch)
        for code in module.launches if module is not None else ():
            if code.port_env is not None or (code.port is None and code.port_text):
                continue
            port = code.launch.effective_port
            if port is not None and (code.main_guard or code.function is None):
                yield ctx.finding(
                    f"Procfile web process runs {launch.app}, whose {code.server}.run listens "
                    f"on {port} instead of $PORT: Heroku routes to $PORT, so the dyno never "
                    "binds it and crashes with R10", code.span,
                    related=[(svc.command_span, "the Procfile web line")],
                    key=f"{svc.key}:{module.path if module else ''}")
        return
    if launch.port_text is not None:  # $PORT, ${PORT:-8000}: the platform's port
        return
    port = launch.port
    if port is None:
        if launch.server == "gunicorn" or launch.server not in DEFAULT_PORTS:
            return
        port = DEFAULT_PORTS[launch.server]
        how = f"{launch.server}'s default port {port}"
    else:
        how = f"port {port}"
    yield ctx.finding(
        f"Procfile web process starts {launch.server} on {how} instead of $PORT: Heroku "
        "routes to $PORT, so the dyno never binds it and crashes with R10 (boot timeout)",
        svc.command_span,
        key=svc.key)
