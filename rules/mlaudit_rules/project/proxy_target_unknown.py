"""nginx proxies to a host or port no service of the repository listens on

## What it flags
A `proxy_pass` (or an `upstream` server it uses) whose `host:port` matches nothing the
repository runs: the host names no compose service or ECS container, or names one that
listens on another port (its command line, the image's CMD or `uvicorn.run`), or
`localhost`/`127.0.0.1` on a port no app of the repository listens on. Only when the
repository defines such services (otherwise: cannot tell). The finding sits on the
`proxy_pass` or `upstream` server line; related locations show the services and ports
that exist.

Not flagged: a host that matches a service and a port it listens on; external hosts
(FQDNs with dots, IP addresses other than loopback), variables and unix sockets; a
target without a port whose `upstream` is not in the repository; services whose port
cannot be resolved (`--port $PORT`) or is known only from `EXPOSE`.

## Why it matters
A wrong name or port is a 502 on every request, and it shows only after deploy: the
app's port changed from 8000 to 8080 in the Dockerfile, the compose service was renamed,
and nginx still points at the old one.

## How to fix
Point the proxy at the service name and the port its server really listens on.

## Example
```nginx
# compose: service "api" runs uvicorn --port 8000
location / { proxy_pass http://api:5000; }
```

```nginx
location / { proxy_pass http://api:8000; }
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment, Image, Service
from mlaudit.models.nginx import NginxConfig
from mlaudit.models.python_source import PythonModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.span import Span

RULE = Rule(
    id="MLA703",
    name="proxy-target-unknown",
    title="nginx proxies to a host or port no service of the repository listens on",
    severity=Severity.HIGH,
    category=Category.EDGE,
    target=Deployment,
    requires=(NginxConfig,),
    kind=Kind.RELIABILITY,
    tags=("nginx", "cross-file"),
    docs=__doc__ or "",
)

_LAUNCH = {"cmd", "python", "compose-command", "task-definition", "user-data"}
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
Evidence = list[tuple[Span, str]]


def _ports(deployment: Deployment, node: Service | Image) -> set[int] | None:
    """Ports a service's process listens on; None when unknown or only from EXPOSE."""
    listens = list(node.ports)
    if isinstance(node, Service) and (image := deployment.image_of(node)) is not None:
        listens.extend(image.ports)
    if not listens or any(p.port is None for p in listens) or not any(
            p.origin in _LAUNCH for p in listens):
        return None
    return {p.port for p in listens if p.port is not None}


def _targets(config: NginxConfig, upstreams: dict[str, list[tuple[str, int, Span]]]
             ) -> Iterator[tuple[str, int, Span]]:
    for server in config.servers:
        for loc in server.all_locations():
            target = loc.proxy
            if target is None or target.variable or target.unix or not target.host:
                continue
            if target.port is None and (target.upstream or target.host) in upstreams:
                yield from upstreams[target.upstream or target.host]
            elif target.port is not None:
                yield target.host, target.port, target.span


def _upstreams(configs: list[NginxConfig]) -> dict[str, list[tuple[str, int, Span]]]:
    return {u.name: [(s.host, s.port or 80, s.span) for s in u.servers if s.host
                     and not s.host.startswith("unix:")]
            for c in configs for u in c.upstreams}


def _near_units(deployment: Deployment, path: str, linked: dict[str, set[str]]) -> set[str]:
    """The deployment units of an nginx configuration file and the units linked to them."""
    units = set(deployment.file_units.get(path, ()))
    return units.union(*(linked.get(u, set()) for u in units)) if units else units


def _describe(service: Service, ports: set[int] | None) -> str:
    listens = f" listens on {', '.join(map(str, sorted(ports)))}" if ports else ""
    return f"{service.platform} service {service.name}{listens}"


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    services = deployment.services()
    nodes: list[Service | Image] = [*services, *deployment.images()]
    known = {n.id: _ports(deployment, n) for n in nodes}
    apps: Evidence = [(n.span, f"{n.name} listens on {', '.join(map(str, sorted(p)))}")
                      for n in nodes if (p := known[n.id])]
    loopback_ports = {port for p in known.values() if p for port in p}
    # A port written as $PORT anywhere: a loopback target may be that app.
    unresolved = any(p.port is None for n in nodes for p in n.ports)
    for module in deployment.models(PythonModule):
        for launch in module.launches:
            listen = launch.launch.effective_port  # uvicorn.run(app) listens on 8000
            unresolved = unresolved or listen is None or launch.port_env is not None
            if listen is not None:
                loopback_ports.add(listen)
                apps.append((launch.span, f"{launch.server} listens on {listen}"))
    configs = sorted(deployment.models(NginxConfig), key=lambda c: c.path)
    everywhere = _upstreams(configs)
    by_name: dict[str, list[Service]] = {}
    by_unit_name: dict[tuple[str | None, str], list[Service]] = {}
    for service in services:
        by_name.setdefault(service.name, []).append(service)
        by_unit_name.setdefault((deployment.node_units.get(service.id), service.name),
                                []).append(service)
    linked: dict[str, set[str]] = {}
    for link in deployment.unit_links:
        linked.setdefault(link.source, set()).add(link.target)
        linked.setdefault(link.target, set()).add(link.source)
    related: list[tuple[Span, str]] | None = None
    seen_names: dict[tuple[str, ...], tuple[bool, set[int]]] = {}
    for config in configs:
        # An upstream is defined in the configuration that uses it: copied services
        # repeat upstream names (`model_api`), each pointing at its own backend.
        upstreams = {**everywhere, **_upstreams([config])}
        near = _near_units(deployment, config.path, linked)
        for host, port, span in _targets(config, upstreams):
            if host in _LOOPBACK:
                if apps and port not in loopback_ports and not unresolved:
                    yield ctx.finding(f"proxy to {host}:{port}: no app of the repository "
                                      f"listens on {port}", span, related=apps,
                                      key=f"{host}:{port}")
                continue
            if "." in host or ":" in host or not services:
                continue
            # The service of that name in the nginx's own deployment (or one linked to
            # it), when there is one: copied services repeat names like `api`.
            named = [s for unit in sorted(near) for s in by_unit_name.get((unit, host), [])
                     ] or by_name.get(host, [])
            if related is None:  # the same for every finding: built once
                related = [(s.span, _describe(s, known[s.id])) for s in services]
            if not named:
                yield ctx.finding(f"proxy to {host}:{port}: no service named {host} in the "
                                  "repository", span, related=related, key=f"{host}:{port}")
                continue
            # Per name, once: every compose project of a monorepo has its own `api`, and a
            # walk over all of them per proxy target is quadratic.
            unknown_port, served = _named_ports(host, named, known, seen_names)
            if unknown_port or port in served:
                continue
            ports = [known[s.id] for s in named]
            yield ctx.finding(
                f"proxy to {host}:{port}: service {host} listens on "
                f"{', '.join(str(x) for p in ports for x in sorted(p or ()))}, not {port}",
                span, related=[(s.span, _describe(s, known[s.id])) for s in named],
                key=f"{host}:{port}")


def _named_ports(host: str, named: list[Service], known: dict[str, set[int] | None],
                 seen: dict[tuple[str, ...], tuple[bool, set[int]]]
                 ) -> tuple[bool, set[int]]:
    """(whether one of these services has ports that cannot be told, every port they
    listen on), computed once per set of services (the same name's, across the
    repository or in one deployment)."""
    marker = (host, *(s.id for s in named))
    found = seen.get(marker)
    if found is None:
        ports = [known[s.id] for s in named]
        found = (any(p is None for p in ports), {x for p in ports for x in (p or ())})
        seen[marker] = found
    return found
