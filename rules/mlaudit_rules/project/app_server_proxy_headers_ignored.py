"""App server behind nginx ignores the forwarded client IP and scheme

## What it flags
A uvicorn or gunicorn server that an nginx `proxy_pass` of the repository reaches by
service name (nginx runs in another container), started without
`--forwarded-allow-ips` and without a `FORWARDED_ALLOW_IPS` environment variable. Both
servers trust `X-Forwarded-For`/`X-Forwarded-Proto` only from 127.0.0.1 by default, so
`--proxy-headers` alone does not help when the proxy is another container. The finding
sits on the command line (compose `command`, else the Dockerfile CMD/ENTRYPOINT); the
related location is the `proxy_pass`.

Not flagged: `--forwarded-allow-ips` or `FORWARDED_ALLOW_IPS` set; app servers no
proxy of the repository reaches; nginx proxying to 127.0.0.1/localhost (the default
trusts it); hypercorn and other servers without the option (their fix is middleware).

## Why it matters
The app sees every request coming from nginx's address and over `http`: per-client rate
limits and audit logs collapse to one IP, and redirects or generated URLs (OAuth
callbacks, presigned links, `url_for`) downgrade to `http://`.

## How to fix
Trust the proxy's network (or `*` when only the proxy can reach the app).

## Example
```yaml
services:
  api:
    build: .
    command: uvicorn app.main:app --host 0.0.0.0 --port 8000
```

```yaml
services:
  api:
    build: .
    command: uvicorn app.main:app --host 0.0.0.0 --port 8000 --forwarded-allow-ips "*"
```

## References
- https://www.uvicorn.org/deployment/#running-behind-nginx
- https://docs.gunicorn.org/en/stable/settings.html#forwarded-allow-ips
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.compose_projects import project_of_service
from mlaudit.finding import Finding
from mlaudit.models.command import ServerLaunch
from mlaudit.models.deployment import Deployment, Service
from mlaudit.models.dockerfile import Dockerfile
from mlaudit.models.nginx import NginxConfig
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.span import Span

RULE = Rule(
    id="MLA704",
    name="app-server-proxy-headers-ignored",
    title="App server behind nginx ignores the forwarded client IP and scheme",
    severity=Severity.INFO,
    category=Category.EDGE,
    target=Deployment,
    requires=(NginxConfig,),
    kind=Kind.RELIABILITY,
    tags=("nginx", "uvicorn", "gunicorn", "cross-file"),
    docs=__doc__ or "",
)

_SERVERS = ("uvicorn", "gunicorn")
_ENV = "FORWARDED_ALLOW_IPS"


def _near(deployment: Deployment, service: Service,
          linked: dict[str, set[str]]) -> set[str] | None:
    """The files of the service's deployment unit and of the units linked to it: the nginx
    that reaches it by name is there (copied roots repeat service names like `api`).
    None: the service is in no unit, any nginx of the repository counts."""
    unit = deployment.node_units.get(service.id)
    if unit is None or unit not in deployment.units:
        return None
    units = {unit} | linked.get(unit, set())
    return {p for u in units if u in deployment.units for p in deployment.units[u].files}


def _proxied_hosts(configs: list[NginxConfig]) -> dict[str, tuple[Span, str]]:
    """Service names these nginx configurations proxy to -> (proxy_pass span, its text)."""
    upstreams = {u.name: [s.host for s in u.servers] for c in configs for u in c.upstreams}
    out: dict[str, tuple[Span, str]] = {}
    for config in configs:
        for server in config.servers:
            for loc in server.all_locations():
                target = loc.proxy
                if target is None or target.variable or target.unix or not target.host:
                    continue
                hosts = upstreams.get(target.upstream or target.host, [target.host]) \
                    if target.port is None else [target.host]
                for host in hosts:
                    out.setdefault(host, (target.span, target.text))
    return out


def _launch(deployment: Deployment, service: Service) -> tuple[ServerLaunch, Span, bool] | None:
    """(launch, where it is written, FORWARDED_ALLOW_IPS set) for a compose service."""
    found = project_of_service(deployment.project, service.group, service.name)
    if found is None:
        return None
    item = found[1]
    env = item.env(_ENV) is not None
    if item.server is not None:
        at = item.command_span or item.entrypoint_span or item.span
        return item.server, at, env
    image = deployment.image_of(service)
    dockerfile = deployment.project.by_path(Dockerfile).get(image.dockerfile) \
        if image is not None else None
    final = dockerfile.final_stage if dockerfile is not None else None
    if dockerfile is None or final is None or dockerfile.server is None:
        return None
    server = dockerfile.server.server
    command = final.cmd if final.cmd is not None and any(
        server in arg for arg in final.cmd.argv) else final.entrypoint or final.cmd
    at = command.span if command is not None else final.from_span
    return dockerfile.server, at, env or _ENV in final.env


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    configs = {c.path: c for c in deployment.models(NginxConfig)}
    if not configs:
        return
    linked: dict[str, set[str]] = {}
    for link in deployment.unit_links:
        linked.setdefault(link.source, set()).add(link.target)
        linked.setdefault(link.target, set()).add(link.source)
    everywhere = _proxied_hosts(list(configs.values()))
    for service in deployment.services():
        if service.platform != "compose":
            continue
        near = _near(deployment, service, linked)
        proxied = everywhere if near is None else _proxied_hosts(
            [configs[p] for p in sorted(near) if p in configs])
        if service.name not in proxied:
            continue
        found = _launch(deployment, service)
        if found is None:
            continue
        launch, at, env = found
        if launch.server not in _SERVERS or launch.forwarded_allow_ips is not None or env:
            continue
        span, text = proxied[service.name]
        alone = " (--proxy-headers alone trusts only 127.0.0.1)" if launch.proxy_headers \
            else ""
        yield ctx.finding(
            f"{launch.server} in service {service.name} runs behind nginx (proxy_pass "
            f"{text}) without --forwarded-allow-ips{alone}: the app sees nginx's address "
            "and http instead of the client's IP and scheme", at,
            related=[(span, f"nginx proxies to {service.name} here")],
            key=f"{service.name}:{launch.server}")
