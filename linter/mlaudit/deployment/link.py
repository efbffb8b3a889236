"""Cross-format links, made once every format's nodes exist.

- services whose image names a repository an in-repo Dockerfile is built as -> that Image;
- nginx proxy targets -> the compose service their host name resolves to;
- security group rules -> what the group is attached to (load balancers, ECS containers
  listening on a covered port, instances and the ports their containers publish);
- the internet -> every entry point open to it;
- HTTP health checks -> whether a route of the app serves their path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlaudit.deployment._builder import Builder
from mlaudit.models.deployment import (
    EntryPoint,
    HealthCheck,
    Image,
    Proxy,
    Resource,
    Service,
)
from mlaudit.span import Span

if TYPE_CHECKING:  # imported lazily: a repository without Terraform never loads its models
    from mlaudit.deployment.terraform_net import TfIndex

INTERNET = "internet"
_FIRST_HOPS = ("security-group-rule", "load-balancer", "function-url", "api-event",
               "k8s-load-balancer", "ingress", "platform-url")


def link_images(builder: Builder) -> None:
    nodes = builder.deployment.nodes
    for name, image_ids in sorted(builder.image_names.items()):
        for image_id in image_ids:
            image = nodes.get(image_id)
            if isinstance(image, Image) and name not in image.names:
                builder.update(image, names=(*image.names, name))
    for service_id, name, span in builder.wanted_images:
        images = sorted(builder.images_named(name))
        service = nodes.get(service_id)
        if len(images) != 1 or not isinstance(service, Service) or service.image_id:
            continue  # unknown name, or built from two Dockerfiles: cannot tell which
        builder.update(service, image_id=images[0])
        builder.link(service_id, images[0], "runs", span)


def link_proxies(builder: Builder) -> None:
    for proxy in builder.deployment.of_kind(Proxy):
        if proxy.kind != "nginx" or not proxy.host:
            continue
        from mlaudit.deployment.compose import compose_services_named

        for service in compose_services_named(builder, proxy.host, proxy.span.path):
            builder.link(proxy.id, service.id, "proxies", proxy.span)


def link_security_groups(builder: Builder, index: TfIndex) -> None:
    deployment = builder.deployment
    units = deployment.node_units
    listener_ports: dict[tuple[str | None, str | None], list[int]] | None = None
    for sg, rules in index.rules_by_sg.items():
        for rule_id in rules:
            rule = deployment.nodes.get(rule_id)
            if not isinstance(rule, EntryPoint):
                continue
            for member_id in index.sg_members.get(sg, []):
                member = deployment.nodes.get(member_id)
                if isinstance(member, EntryPoint):  # a load balancer: its listeners' ports
                    if listener_ports is None:  # by load balancer and unit, built once:
                        listener_ports = {}  # a walk per member is quadratic
                        for e in deployment.of_kind(EntryPoint):
                            if e.kind == "listener" and e.from_port is not None:
                                listener_ports.setdefault((e.group, units.get(e.id)),
                                                          []).append(e.from_port)
                    ports = listener_ports.get((member.group, units.get(member.id)), [])
                    if not ports or any(rule.covers(p) for p in ports):
                        builder.link(rule_id, member_id, "allows", rule.span)
                elif isinstance(member, Service):
                    if any(rule.covers(p) for p in deployment.ports_of(member)):
                        builder.link(rule_id, member_id, "allows", rule.span)
                elif isinstance(member, Resource):
                    builder.link(rule_id, member_id, "allows", rule.span)
                    _instance_ports(builder, rule, member)


def _instance_ports(builder: Builder, rule: EntryPoint, instance: Resource) -> None:
    """Rule -> the ports published on an instance by the containers it runs."""
    deployment = builder.deployment
    for edge in deployment.edges_from(instance.id, "runs"):
        service = deployment.nodes.get(edge.target)
        if not isinstance(service, Service):
            continue
        covered = [p for p in service.published if p.host_port is not None
                   and p.all_interfaces and rule.covers(p.host_port)]
        for entry_edge in deployment.edges_to(service.id, "exposes"):
            entry = deployment.nodes.get(entry_edge.source)
            if isinstance(entry, EntryPoint) and entry.from_port is not None \
                    and rule.covers(entry.from_port):
                builder.link(rule.id, entry.id, "allows", rule.span)
        if covered and service.platform == "ec2":
            builder.link(rule.id, service.id, "allows", rule.span)


def link_internet(builder: Builder) -> None:
    public = [e for e in builder.deployment.of_kind(EntryPoint)
              if e.public and e.kind in _FIRST_HOPS]
    if not public:
        return
    builder.add(Resource(INTERNET, "internet", "internet", Span("")))
    for entry in public:
        builder.link(INTERNET, entry.id, "exposes", entry.span)


def link_health_routes(builder: Builder) -> None:
    deployment = builder.deployment
    for check in deployment.of_kind(HealthCheck):
        if check.path is None:
            continue
        images = _checked_images(builder, check)
        routes = [r for i in images for r in i.routes]
        if not images or not all(i.app_files for i in images):
            continue  # an app whose routes are unknown: cannot tell
        path = check.path.split("?", 1)[0]
        hit = next((r for r in routes if r.path == path and r.method in ("GET", "*", "HEAD")),
                   None)
        if hit is None and not all(i.routes_complete for i in images):
            continue  # it may be served by a router defined elsewhere
        builder.update(check, served=hit is not None, route_span=hit.span if hit else None)


def _checked_images(builder: Builder, check: HealthCheck) -> list[Image]:
    deployment = builder.deployment
    out: dict[str, Image] = {}
    for edge in deployment.edges_from(check.id, "checks"):
        owner = deployment.nodes.get(edge.target)
        owners: list[object] = [owner]
        if isinstance(owner, Proxy):  # a target group: the services it routes to
            owners = [deployment.nodes.get(e.target) for e in deployment.edges_from(owner.id)
                      if e.kind == "routes"]
        for item in owners:
            image = deployment.image_of(item) if isinstance(item, Service) else item
            if isinstance(image, Image):
                out[image.id] = image
    return list(out.values())


def refresh_healthchecks(builder: Builder) -> None:
    """Nodes embed their HealthCheck facts: give them the linked (updated) versions."""
    nodes = builder.deployment.nodes
    for node in list(nodes.values()):
        checks = getattr(node, "healthchecks", None)
        if not checks:
            continue
        fresh = tuple(n if isinstance(n := nodes.get(h.id), HealthCheck) else h for h in checks)
        if fresh != checks:
            builder.update(node, healthchecks=fresh)
