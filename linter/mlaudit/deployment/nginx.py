"""nginx configs -> server entry points and one Proxy per proxy_pass target.

`upstream` names are expanded (one Proxy per upstream server), also when the upstream is
defined in another parsed config. A target holding a variable stays unresolved. The
compose service that mounts a config (a `volumes:` bind of the file or its directory)
is linked to that config's servers.
"""

from __future__ import annotations

import posixpath

from mlaudit.compose_projects import project_of_service
from mlaudit.deployment._builder import Builder, node_id
from mlaudit.models.deployment import EntryPoint, Proxy, Service
from mlaudit.models.nginx import Location, NginxConfig, Server, Upstream
from mlaudit.span import Span


def build_nginx(builder: Builder) -> None:
    configs = sorted(builder.project.of_type(NginxConfig), key=lambda c: c.path)
    upstreams: dict[str, Upstream] = {}
    for config in configs:
        for upstream in config.upstreams:
            upstreams.setdefault(upstream.name, upstream)
    binds = _compose_binds(builder)
    for config in configs:
        for index, server in enumerate(config.servers):
            if server.stream:
                continue
            entry = _server_entry(builder, config, index, server)
            for location in server.all_locations():
                _proxies(builder, config, entry, location, upstreams)
            _mounted_by(builder, config, entry, binds)


def _server_entry(builder: Builder, config: NginxConfig, index: int, server: Server
                  ) -> EntryPoint:
    names = [n for n in server.server_names if n not in ("_", "")]
    ports = server.ports or (80,)
    label = f"{names[0] if names else 'server'} :{','.join(str(p) for p in ports)}"
    entry = EntryPoint(
        node_id("entry", "nginx", config.path, names[0] if names else f"server{index}",
                str(ports[0])),
        "nginx-server", label, server.span, min(ports), max(ports), "tcp", (), None,
        server.ssl, config.path)
    last = max([server.span.line] + [loc.span.line for loc in server.all_locations()]
               + [d.span.line for d in server.directives])
    return builder.add(entry, last)


def _proxies(builder: Builder, config: NginxConfig, entry: EntryPoint, location: Location,
             upstreams: dict[str, Upstream]) -> None:
    target = location.proxy
    if target is None:
        return
    hosts: list[tuple[str | None, int | None]] = []
    upstream = upstreams.get(target.upstream or target.host or "") if not target.variable \
        else None
    if upstream is not None and (target.upstream or target.port is None):
        # A unix-socket server (`server unix:/tmp/app.sock`) reaches a process on the same
        # host, never a named service: its target stays unknown.
        hosts = [(s.host, s.port if s.port is not None else 80) for s in upstream.servers
                 if not s.text.startswith("unix:")]
    elif not target.variable and target.unix is None:
        hosts = [(target.host, target.effective_port)]
    if not hosts:  # a variable or a unix socket: the proxy exists, its target is unknown
        hosts = [(None, None)]
    for host, port in hosts:
        name = f"{location.path} -> {host or '?'}:{port or '?'}"
        proxy = Proxy(node_id("proxy", "nginx", entry.id.split(":", 2)[-1], location.path,
                              f"{host}:{port}"),
                      "nginx", name, location.span, target.text, host, port)
        builder.add(proxy, target.span.line)
        builder.link(entry.id, proxy.id, "forwards", location.span)


_Binds = dict[str, list[tuple[int, str, Span | None]]]


def _compose_binds(builder: Builder) -> _Binds:
    """Bind-mount sources of compose services -> (order, service id, volume span).

    Built once per scan: matched per nginx server, a walk over every compose service
    each time is quadratic on a monorepo."""
    binds: _Binds = {}
    order = 0
    for service in builder.deployment.of_kind(Service):
        if service.platform != "compose" or service.group is None:
            continue
        found = project_of_service(builder.project, service.group, service.name)
        if found is None:
            continue
        compose, item = found
        for volume in item.volumes:
            if volume.kind != "bind" or not volume.source:
                continue
            # bind sources are relative to the project's first file (Compose "Merge")
            source = posixpath.normpath(posixpath.join(compose.directory, volume.source))
            binds.setdefault(source.rstrip("/") or "/", []).append(
                (order, service.id, volume.span))
            order += 1
    return binds


def _mounted_by(builder: Builder, config: NginxConfig, entry: EntryPoint, binds: _Binds
                ) -> None:
    # The config itself, or any directory above it, bound into a container.
    candidates = [config.path]
    parent = posixpath.dirname(config.path)
    while parent:
        candidates.append(parent)
        parent = posixpath.dirname(parent) if "/" in parent else ""
    found = sorted((hit for c in candidates for hit in binds.get(c, ())),
                   key=lambda hit: hit[0])
    for _, service_id, span in found:
        builder.link(service_id, entry.id, "forwards", span)


