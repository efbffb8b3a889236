"""Compose publishes an app port on every host interface

## What it flags
A compose `ports:` entry that publishes an application port without a host address:
`"8000:8000"`, `"0.0.0.0:8000:8000"`, long syntax without `host_ip`, and the short form
`"8000"` (Docker then picks a random host port, still on every interface). A port is an
application port when it is a configured `app-ports` value, a port the service's server
listens on (its `command`, its image's CMD / EXPOSE, its `expose:`), or, for a service that
starts an app server on a port mlaudit cannot resolve, any port it publishes. The finding
sits on the port entry.

Not flagged: ports bound to `127.0.0.1` / `[::1]` or to an address in a variable;
`expose:` (internal to the compose network); reverse proxy services (nginx, traefik,
caddy, haproxy, envoy images) whatever they publish; `network_mode: host`; UDP; ports
no app listens on (a database's 5432 is another rule's business); local emulators
(DynamoDB Local, LocalStack, MinIO ...) and test runners, which are not the served app.

A file is read with the rest of its compose project (`compose.yaml` + its override, a
`-f` set): a port an override adds is judged on the merged service and reported at the
override's line.

## Why it matters
Docker writes its own iptables rules for published ports, ahead of ufw and firewalld: a
port published on `0.0.0.0` is reachable from every network the host is on, even when
the host firewall says otherwise. The model server is then reachable directly, around
the proxy that terminates TLS, authenticates and rate-limits.

## How to fix
Publish the app port on loopback only (`"127.0.0.1:8000:8000"`) for local access, or not
at all: let the proxy service reach it over the compose network and publish only the
proxy's 80/443.

## Example
```yaml
services:
  api:
    build: .
    command: uvicorn app.main:app --host 0.0.0.0 --port 8000
    ports:
      - "8000:8000"
```

```yaml
services:
  api:
    build: .
    command: uvicorn app.main:app --host 0.0.0.0 --port 8000
    ports:
      - "127.0.0.1:8000:8000"
```

## References
- https://docs.docker.com/engine/network/packet-filtering-firewalls/
- https://docs.docker.com/reference/compose-file/services/#ports
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlaudit.compose_projects import compose_projects
from mlaudit.finding import Finding
from mlaudit.models.compose import ComposeFile, ComposeService
from mlaudit.models.image import ImageRef
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

RULE = Rule(
    id="MLA207",
    name="compose-port-published-all-interfaces",
    title="Compose publishes an app port on every host interface",
    severity=Severity.MEDIUM,
    category=Category.EXPOSURE,
    target=ComposeFile,
    kind=Kind.SECURITY,
    tags=("compose", "docker", "network"),
    docs=__doc__ or "",
)

_PROXIES = ("nginx", "traefik", "caddy", "haproxy", "envoy", "openresty")


def _node(deployment: Any, group: str | None, name: str) -> Any:
    return deployment.compose_service(group, name) if deployment is not None else None


def _is_proxy(service: ComposeService, base: ImageRef | None) -> bool:
    """A reverse proxy by its image, or by the base image of the Dockerfile it builds."""
    refs = [r for r in (service.image, base) if r is not None]
    return any(r.family.split("-", 1)[0] in _PROXIES for r in refs)


def _app_ports(service: ComposeService, node: Any, deployment: Any,
               configured: set[int]) -> set[int] | None:
    """The service's app ports; None when it runs a server on a port we cannot resolve."""
    ports = set(configured) | {e.port for e in service.expose if e.port is not None}
    own = deployment.ports_of(node) if node is not None else set()
    image = deployment.image_of(node) if node is not None else None
    server = service.server or getattr(image, "server", None)
    if server is not None and not server.is_script and \
            server.effective_port is None and not own:
        return None
    return ports | own


@RULE.check
def check(compose: ComposeFile, ctx: RuleContext) -> Iterator[Finding]:
    deployment = ctx.deployment
    configured = {int(p) for p in ctx.options.get("app_ports", (8000,))}
    seen: set[tuple[int, int]] = set()
    # Ports written in this file, judged on the merged service of every project the file is
    # part of (an override's port is reported at the override's line, once).
    for group, service in _services(compose, deployment):
        if service.network_mode == "host" or not service.ports:
            continue
        if service.purpose in ("emulator", "test"):
            continue  # a local stand-in or a test runner: not the served app
        node = _node(deployment, group, service.name)
        image = deployment.image_of(node) if node is not None else None
        if _is_proxy(service, _base(deployment, image)):
            continue
        app = _app_ports(service, node, deployment, configured)
        for mapping in service.ports:
            at = (mapping.span.line, mapping.span.column)
            if mapping.span.path != compose.path or at in seen:
                continue
            if not mapping.binds_all_interfaces or mapping.protocol.lower() != "tcp":
                continue
            if _written_earlier(deployment, group, compose.path, service.name, mapping.raw):
                continue  # the same mapping in an earlier file of the project: one fact
            hits = [p for p in mapping.target_ports if app is None or p in app]
            if not hits:
                continue
            seen.add(at)
            shown = ""
            if mapping.published is None:  # "8000": Docker picks a host port
                shown = f" as host port {mapping.published_text}" if mapping.published_text \
                    else " as an ephemeral host port"
            ports = ", ".join(map(str, hits[:5]))
            yield ctx.finding(f"service {service.name} publishes app port {ports}{shown} on "
                              f"all host interfaces ({mapping.raw!r}): bind it to 127.0.0.1 "
                              "or publish only the proxy", mapping.span,
                              key=f"{service.name}:{ports}")


def _written_earlier(deployment: Any, group: str | None, path: str, service: str,
                     raw: str) -> bool:
    """An earlier file of the same project already publishes this mapping for this service
    (a `-f` set repeating the base file's ports): it is reported there."""
    if deployment is None or group is None:
        return False
    project = next((p for p in compose_projects(deployment.project) if p.id == group), None)
    if project is None or path not in project.files:
        return False
    for earlier in project.files[:project.files.index(path)]:
        model = deployment.project.models.get(earlier)
        found = model.service(service) if isinstance(model, ComposeFile) else None
        if found is not None and any(m.raw == raw for m in found.ports):
            return True
    return False


def _services(compose: ComposeFile, deployment: Any
              ) -> Iterator[tuple[str | None, ComposeService]]:
    if deployment is None:
        yield from ((None, s) for s in compose.services)
        return
    # Every project: a port may be written in a file another project reads through
    # `extends:` or `include:` (the check keeps the ports written in this file).
    def by_path() -> dict[str, list[tuple[str | None, ComposeService]]]:
        # Indexed once per scan: a walk over every project per compose file is quadratic.
        out: dict[str, list[tuple[str | None, ComposeService]]] = {}
        for project in compose_projects(deployment.project):
            for service in project.services:
                for path in dict.fromkeys(p.span.path for p in service.ports):
                    out.setdefault(path, []).append((project.id, service))
        return out
    yield from deployment.memo(("MLA-compose-ports", "services-by-port-path"), by_path).get(
        compose.path, ())


def _base(deployment: Any, image: Any) -> ImageRef | None:
    """The final FROM reference of an in-repo image (its `family` tells a proxy apart)."""
    if deployment is None or image is None:
        return None
    at = deployment.image_reference_at("dockerfile-from", image.span)
    if at is not None:
        found: ImageRef = at.ref
        return found
    return None
