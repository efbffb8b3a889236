"""`Deployment.to_json()`: the stable, versioned shape documented in
docs/deployment-model.md. Keys are fixed per node kind; absent values are null, never
missing, so policies (Rego) can rely on every key being there."""

from __future__ import annotations

from typing import Any

from mlaudit.models.deployment import (
    SCHEMA,
    Deployment,
    EntryPoint,
    Function,
    HealthCheck,
    Image,
    ImageReference,
    ListenPort,
    Node,
    PipelineJob,
    Proxy,
    PublishedPort,
    Resource,
    Scaling,
    Service,
    Unit,
    node_class,
)
from mlaudit.span import Span


def span_json(span: Span | None) -> dict[str, Any] | None:
    if span is None or not span.path:
        return None
    return {"path": span.path, "line": span.line, "column": span.column}


def _port(port: ListenPort) -> dict[str, Any]:
    return {"port": port.port, "origin": port.origin, "host": port.host,
            "source": span_json(port.span)}


def _published(port: PublishedPort) -> dict[str, Any]:
    return {"host_port": port.host_port, "container_port": port.container_port,
            "host_ip": port.host_ip, "source": span_json(port.span)}


def _check(check: HealthCheck) -> dict[str, Any]:
    return {"id": check.id, "origin": check.origin, "path": check.path, "port": check.port,
            "disabled": check.disabled, "served": check.served,
            "route": span_json(check.route_span), "source": span_json(check.span)}


def _attrs(node: Node) -> dict[str, Any]:
    if isinstance(node, Image):
        server = node.server
        return {"dockerfile": node.dockerfile, "server": server.server if server else None,
                "ports": [_port(p) for p in node.ports],
                "healthchecks": [c.id for c in node.healthchecks],
                "routes": [{"method": r.method, "path": r.path, "source": span_json(r.span)}
                           for r in node.routes],
                "routes_complete": node.routes_complete,
                "app_files": list(node.app_files), "names": sorted(node.names)}
    if isinstance(node, Service):
        return {"platform": node.platform, "image": node.image.raw if node.image else None,
                "image_node": node.image_id, "group": node.group,
                "ports": [_port(p) for p in node.ports],
                "published": [_published(p) for p in node.published],
                "healthchecks": [c.id for c in node.healthchecks]}
    if isinstance(node, EntryPoint):
        return {"entry": node.kind, "from_port": node.from_port, "to_port": node.to_port,
                "protocol": node.protocol, "cidrs": list(node.cidrs), "public": node.public,
                "tls": node.tls, "group": node.group}
    if isinstance(node, Proxy):
        return {"proxy": node.kind, "upstream": node.upstream, "host": node.host,
                "port": node.port, "healthchecks": [c.id for c in node.healthchecks]}
    if isinstance(node, Scaling):
        return {"scaling": node.kind, "resource_id": node.resource_id,
                "min_capacity": node.min_capacity, "max_capacity": node.max_capacity,
                "policies": [span_json(s) for s in node.policies]}
    if isinstance(node, Function):
        return {"platform": node.platform, "handler": node.handler, "runtime": node.runtime,
                "memory": node.memory, "timeout": node.timeout, "source_dir": node.source_dir,
                "image": node.image, "handler_file": node.handler_file,
                "requirements": list(node.requirements), "packages": list(node.packages),
                "artifacts": [{"path": p, "size": s} for p, s in node.artifacts],
                "url_public": node.url_public}
    if isinstance(node, PipelineJob):
        return {"workflow": node.workflow, "job": node.job, "roles": list(node.roles),
                "needs": list(node.needs)}
    if isinstance(node, HealthCheck):
        return _check(node)
    if isinstance(node, Resource):
        return {"resource": node.kind}
    return {}


def _kind(node: Node) -> str:
    return node.kind


def _label(node: Node) -> str:
    return node.name


def node_json(deployment: Deployment, node: Node) -> dict[str, Any]:
    extent = deployment.extents.get(node.id)
    source = span_json(node.span)
    if source is not None and extent is not None:
        source["end_line"] = extent[2]
    return {"id": node.id, "class": node_class(node), "kind": _kind(node),
            "label": _label(node), "unit": deployment.node_units.get(node.id),
            "source": source, "attributes": _attrs(node)}


def _image_ref(item: ImageReference) -> dict[str, Any]:
    ref = item.ref
    return {"image": ref.raw, "registry": ref.registry, "repository": ref.repository,
            "tag": ref.tag, "digest": ref.digest, "mutable": ref.is_latest_or_untagged,
            "context": item.context, "owner": item.owner, "source": span_json(item.span)}


def _unit(unit: Unit) -> dict[str, Any]:
    return {"id": unit.id, "kind": unit.kind, "name": unit.name, "path": unit.path,
            "role": unit.role, "source": span_json(unit.span), "files": list(unit.files)}


def to_json(deployment: Deployment) -> dict[str, Any]:
    nodes = sorted(deployment.nodes.values(), key=lambda n: n.id)
    return {
        "schema": SCHEMA,
        "units": [_unit(u) for _, u in sorted(deployment.units.items())],
        "unit_links": [{"source": link.source, "target": link.target, "kind": link.kind,
                        "edge": {"source": link.edge.source, "target": link.edge.target,
                                 "kind": link.edge.kind}}
                       for link in sorted(deployment.unit_links,
                                          key=lambda u: (u.source, u.target, u.kind))],
        "nodes": [node_json(deployment, n) for n in nodes],
        "edges": [{"source": e.source, "target": e.target, "kind": e.kind,
                   "source_location": span_json(e.span)}
                  for e in sorted(deployment.edges, key=lambda e: (e.source, e.target, e.kind))],
        "image_references": [_image_ref(i) for i in deployment.image_refs],
        "problems": list(deployment.problems),
    }
