"""Fly.io internal_port is not the port the app listens on

## What it flags
An `[http_service]` or `[[services]]` section of `fly.toml` whose `internal_port` is not
a port the app listens on, as the repository shows it: the server command of the
Dockerfile the app builds (`[build] dockerfile`, else `Dockerfile` beside fly.toml) or of
its `[processes]` entry, the image's EXPOSE, or a `uvicorn.run(..., port=N)` in its code.
The finding sits on `internal_port`.

Not flagged: apps whose port is read from a variable anywhere (`--port $PORT`,
`os.environ["PORT"]`): cannot tell; apps not built from a Dockerfile in the repository.

## Why it matters
Fly's proxy forwards every request to `internal_port`; nothing answers there, so every
request fails with a 502 and the machine's checks never pass.

## How to fix
Set `internal_port` to the port the server binds (or bind the server to it).

## Example
```toml
[http_service]
  internal_port = 8080   # the Dockerfile runs uvicorn --port 8000
```

```toml
[http_service]
  internal_port = 8000
```

## References
- https://fly.io/docs/reference/configuration/#the-http_service-section
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.paas import PaasService
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.paas._ports import listening

RULE = Rule(
    id="MLA946",
    name="fly-internal-port-mismatch",
    title="Fly.io internal_port is not the port the app listens on",
    severity=Severity.HIGH,
    category=Category.HEALTH,
    target=PaasService,
    kind=Kind.RELIABILITY,
    tags=("fly", "paas", "port"),
    docs=__doc__ or "",
)


@RULE.check
def check(svc: PaasService, ctx: RuleContext) -> Iterator[Finding]:
    if svc.platform != "fly" or svc.port is None:
        return
    found = listening(ctx.deployment, svc)
    if found is None or found.unknown or not found.ports or svc.port in found.ports:
        return
    ports = ", ".join(map(str, sorted(found.ports)))
    yield ctx.finding(
        f"Fly.io {svc.name} sends traffic to internal_port {svc.port} but the app listens "
        f"on {ports}: every request fails with a 502", svc.port_span or svc.span,
        related=list(found.evidence), key=svc.key)
