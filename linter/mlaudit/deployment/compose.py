"""Compose projects -> Service nodes (platform "compose") and published-port entry points.

One Service per service per merged project (mlaudit.compose_projects), its `group` the
project id: an override file is read with the file it overrides, never on its own.
"""

from __future__ import annotations

import bisect
import posixpath
from typing import Any

from mlaudit.compose_projects import ComposeProject, compose_projects
from mlaudit.deployment._builder import Builder, node_id
from mlaudit.deployment.docker import probe_command, probe_target
from mlaudit.models.compose import ComposeService
from mlaudit.models.deployment import EntryPoint, HealthCheck, ListenPort, PublishedPort, Service
from mlaudit.models.dockerfile import Dockerfile


def build_compose(builder: Builder) -> None:
    dockerfiles = {d.path for d in builder.project.of_type(Dockerfile)}
    for compose in compose_projects(builder.project):
        for item in compose.services:
            _service(builder, compose, item, dockerfiles)


def _service(builder: Builder, compose: ComposeProject, item: ComposeService,
             dockerfiles: set[str]) -> None:
    # The id names the project by its first file (its id without the prefix): the ids of a
    # single-file project are those a per-file build gave.
    service_id = node_id("service", "compose", compose.id.removeprefix("compose:"), item.name)
    image_id = None
    if item.build is not None and not item.build.inline:
        path = item.build.dockerfile or (
            posixpath.join(item.build.context, "Dockerfile") if item.build.context is not None
            else None)
        if path is not None:
            path = posixpath.normpath(path)
            if path in dockerfiles:
                image_id = node_id("image", path)
    if item.image is not None:
        builder.image_ref(item.image, item.image_span, "compose-image", service_id)
        if image_id is not None:  # `build` + `image`: the built image is tagged as that name
            builder.name_image(item.image.raw, image_id)
        else:
            builder.wanted_images.append((service_id, item.image.raw, item.image_span))
    ports: list[ListenPort] = []
    if item.server is not None:
        at = item.command_span or item.entrypoint_span or item.span
        ports.append(ListenPort(item.server.effective_port, "compose-command", at,
                                item.server.host))
    ports.extend(ListenPort(e.port, "compose-expose", e.span) for e in item.expose)
    published: list[PublishedPort] = []
    for mapping in item.ports:
        targets: list[int | None] = [*list(mapping.target_ports)[:16]] or [None]
        hosts = list(mapping.published_ports)[:16]
        for index, target in enumerate(targets):
            host = hosts[index] if index < len(hosts) else None
            published.append(PublishedPort(host, target, mapping.host_ip, mapping.span))
    checks: list[HealthCheck] = []
    if item.healthcheck is not None:
        port, path = probe_target(" ".join(item.healthcheck.test))
        checks.append(HealthCheck(node_id("healthcheck", service_id), "compose",
                                  item.healthcheck.span, path, port,
                                  item.healthcheck.disabled,
                                  command=probe_command(item.healthcheck.test)))
    spans = [item.span, *(s for s in (item.image_span, item.command_span) if s)]
    spans += [m.span for m in item.ports] + [c.span for c in checks]
    spans += [v.span for v in item.environment] + [v.span for v in item.volumes]
    spans += [d.span for d in item.depends_on]
    # The extent covers what the service's own file holds (an override's lines belong to it).
    last = max(s.line for s in spans if s.path == item.span.path)
    service = Service(service_id, "compose", item.name, item.span, item.image, item.image_span,
                      image_id, tuple(ports), tuple(published), tuple(checks), compose.id)
    builder.add(service, last)
    if image_id is not None:
        builder.link(service_id, image_id, "runs", item.build.span if item.build else None)
    for check in checks:
        builder.add(check)
        builder.link(check.id, service_id, "checks", check.span)
    for item_port in published:
        _published_entry(builder, service, item_port)


def _published_entry(builder: Builder, service: Service, port: PublishedPort) -> None:
    label = f"{port.host_ip + ':' if port.host_ip else ''}{port.host_port or '?'}"
    entry = EntryPoint(
        node_id("entry", "compose-port", service.id, str(port.host_port or port.container_port)),
        "compose-port", f"{service.name} {label}->{port.container_port or '?'}", port.span,
        port.host_port, port.host_port, "tcp", (), None if port.all_interfaces else False,
        None, service.group)
    builder.add(entry)
    builder.link(entry.id, service.id, "exposes", port.span)


def compose_services_named(builder: Builder, host: str, near: str) -> list[Service]:
    """Compose services a host name resolves to, preferring compose files nearest `near`
    (the most leading directories in common)."""
    deployment = builder.deployment
    entries = deployment.indexed("compose-services-by-name", lambda: _by_name(deployment)
                                 ).get(host)
    if not entries:
        return []
    if len(entries) == 1:
        return [entries[0][2]]
    # Indexed by directory (sorted): the deepest ancestor of `near` holding any of them
    # decides; a scan comparing every same-named service is quadratic on a monorepo
    # where every project has an `api`.
    dirs = deployment.indexed("compose-service-dirs-by-name", lambda: {
        name: [d for d, _, _ in found] for name, found in _by_name(deployment).items()})[host]
    near_dir = posixpath.dirname(near)
    found: list[tuple[str, int, Service]] = []
    if not near_dir:
        found = [e for e in entries if e[0] == ""]
    else:
        parts = near_dir.split("/")
        for depth in range(len(parts), 0, -1):
            directory = "/".join(parts[:depth])
            lo = bisect.bisect_left(dirs, directory)
            hi = bisect.bisect_left(dirs, directory + "0")  # '0' follows '/'
            found = [e for e in entries[lo:hi]
                     if e[0] == directory or e[0].startswith(directory + "/")]
            if found:
                break
    return [s for _, _, s in sorted(found or entries, key=lambda e: e[1])]


def _by_name(deployment: Any) -> dict[str, list[tuple[str, int, Service]]]:
    """Compose services by name: (directory of the file, order, service), sorted."""
    out: dict[str, list[tuple[str, int, Service]]] = {}
    for order, service in enumerate(deployment.of_kind(Service)):
        if service.platform == "compose":
            out.setdefault(service.name, []).append(
                (posixpath.dirname(service.span.path), order, service))
    for entries in out.values():
        entries.sort(key=lambda e: (e[0], e[1]))
    return out
