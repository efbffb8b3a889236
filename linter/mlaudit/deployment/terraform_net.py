"""Terraform networking -> entry points: security group rules, load balancers, listeners,
target groups (as proxies with their health checks), ECR repositories, state backends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mlaudit.deployment._builder import Builder, node_id
from mlaudit.deployment.tf_refs import attribute_refs
from mlaudit.models.deployment import WORLD_CIDRS, EntryPoint, HealthCheck, Proxy, Resource
from mlaudit.models.terraform import Body, TerraformProject, Unknown
from mlaudit.models.terraform import Resource as TfResource
from mlaudit.span import Span


@dataclass
class TfIndex:
    """What later Terraform steps need to link, keyed by SCOPED addresses (`key`): a
    reference resolves only inside the module instance, and so the deployment unit (root
    module), that makes it. Side-by-side roots declaring `aws_lb_target_group.app` each
    keep their own."""

    tf: TerraformProject | None = None
    rules_by_sg: dict[str, list[str]] = field(default_factory=dict)  # sg key -> entries
    target_groups: dict[str, str] = field(default_factory=dict)  # tg key -> proxy id
    lbs: dict[str, str] = field(default_factory=dict)  # lb key -> entry id
    ecr_names: dict[str, str] = field(default_factory=dict)  # ecr key -> repo name
    sg_members: dict[str, list[str]] = field(default_factory=dict)  # sg key -> attached ids

    def root(self, res: TfResource) -> str:
        return self.tf.root_of(res) if self.tf is not None else ""

    def unit(self, res: TfResource) -> str:
        return unit_id(self.root(res))

    def key(self, res: TfResource, ref: str) -> str:
        """The scoped key of `ref` (`type.name` as written) seen from `res`."""
        return f"{self.root(res)}|{res.module_address}|{ref}"

    def keys(self, res: TfResource, refs: list[str]) -> list[str]:
        return [self.key(res, ref) for ref in refs]

    def own(self, res: TfResource) -> str:
        data = "data." if res.mode == "data" else ""
        return self.key(res, f"{data}{res.type}.{res.name}")


def unit_id(root: str) -> str:
    """The deployment unit of a Terraform root module directory."""
    return f"terraform:{root or '.'}"


def resources(tf: TerraformProject, *types: str) -> Iterator[TfResource]:
    """Managed resources of exactly these types, across every module instance."""
    for module in tf.modules:
        yield from module.resources_of(*types)


def addr(res: TfResource, index: TfIndex | None = None) -> str:
    """A resource's address qualified by where it lives: ids stay unique when one scan
    holds several root modules declaring the same address, and when one module is
    called by several roots (its instances are then qualified by the calling root)."""
    if res.module_address and index is not None:
        return f"{index.root(res) or '.'}/{res.address}"
    directory = res.path.rsplit("/", 1)[0] if "/" in res.path else ""
    return f"{directory}/{res.address}" if directory else res.address


def sibling_addr(res: TfResource, ref: str, index: TfIndex) -> str:
    """`addr` of the resource `ref` (`type.name`) declared next to `res` (same instance)."""
    if res.module_address:
        return f"{index.root(res) or '.'}/{res.module_address}.{ref}"
    directory = res.path.rsplit("/", 1)[0] if "/" in res.path else ""
    return f"{directory}/{ref}" if directory else ref


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _cidrs(*values: Any) -> tuple[tuple[str, ...], bool]:
    """(cidrs, all known) from cidr attributes (lists or single strings)."""
    out: list[str] = []
    known = True
    for value in values:
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str):
                out.append(item)
            else:
                known = False
    return tuple(out), known


def _public(cidrs: tuple[str, ...], known: bool) -> bool | None:
    if any(c in WORLD_CIDRS for c in cidrs):
        return True
    return False if known else None


def _rule(builder: Builder, index: TfIndex, rule_id: str, name: str, span: Span,
          body: Body | TfResource, sg: str | None, cidr_names: tuple[str, ...],
          protocol_name: str, unit: str) -> None:
    cidrs, known = _cidrs(*(body.get(n) for n in cidr_names))
    source_sg = body.get("source_security_group_id") or body.get("referenced_security_group_id")
    if not cidrs and source_sg is not None:
        known = True  # only another security group may connect
    protocol = body.get(protocol_name)
    entry = EntryPoint(rule_id, "security-group-rule", name, span,
                       as_int(body.get("from_port")), as_int(body.get("to_port")),
                       str(protocol) if isinstance(protocol, (str, int)) else None,
                       cidrs, _public(cidrs, known), None, sg)
    builder.add(entry, body.body.end_line if isinstance(body, TfResource) else body.end_line,
                unit=unit)
    if sg is not None:
        index.rules_by_sg.setdefault(sg, []).append(entry.id)


def build_network(builder: Builder, tf: TerraformProject, index: TfIndex) -> None:
    project = builder.project
    for res in resources(tf, "aws_security_group"):
        if res.type != "aws_security_group":
            continue
        for number, block in enumerate(res.blocks("ingress")):
            _rule(builder, index, node_id("entry", "sg", addr(res, index), f"ingress{number}"),
                  f"{res.address} ingress[{number}]", block.span, block, index.own(res),
                  ("cidr_blocks", "ipv6_cidr_blocks"), "protocol", index.unit(res))
    for res in resources(tf, "aws_security_group_rule"):
        if res.get("type") != "ingress":
            continue
        sgs = attribute_refs(project, res, ("security_group_id",))
        _rule(builder, index, node_id("entry", "sg", addr(res, index)), res.address, res.span, res,
              index.key(res, sgs[0]) if sgs else None, ("cidr_blocks", "ipv6_cidr_blocks"),
              "protocol", index.unit(res))
    for res in resources(tf, "aws_vpc_security_group_ingress_rule"):
        sgs = attribute_refs(project, res, ("security_group_id",))
        _rule(builder, index, node_id("entry", "sg", addr(res, index)), res.address, res.span, res,
              index.key(res, sgs[0]) if sgs else None, ("cidr_ipv4", "cidr_ipv6"),
              "ip_protocol", index.unit(res))
    _load_balancers(builder, tf, index)
    for res in resources(tf, "aws_ecr_repository"):
        name = as_str(res.get("name"))
        node = builder.add(Resource(node_id("registry", addr(res, index)), "registry",
                                    name or res.address, res.span), res.body.end_line,
                           unit=index.unit(res))
        if name:
            index.ecr_names[index.own(res)] = name
        del node
    for module in tf.modules:
        if module.is_root:  # the root itself: what a pipeline's `terraform apply` deploys
            first = module.files[0] if module.files else module.path
            span = module.backend.span if module.backend is not None else (
                module.terraform_block_span or Span(first, 1, 1))
            root = builder.add(Resource(node_id("root", module.path or "."), "terraform-root",
                                        f"root {module.path or '.'}", span),
                               unit=unit_id(module.path))
            builder.alias("terraform-root", module.path, root.id)
    for backend in tf.backends:
        builder.add(Resource(node_id("backend", backend.module_path or ".", backend.type),
                             "state-backend", f"{backend.type} backend", backend.span),
                    unit=unit_id(backend.module_path))


def _load_balancers(builder: Builder, tf: TerraformProject, index: TfIndex) -> None:
    project = builder.project
    for res in resources(tf, "aws_lb", "aws_alb"):
        if res.type not in ("aws_lb", "aws_alb"):
            continue
        internal = res.get("internal", False)
        public = None if isinstance(internal, Unknown) else not bool(internal)
        entry = EntryPoint(node_id("entry", "lb", addr(res, index)), "load-balancer",
                           as_str(res.get("name")) or res.address, res.span, public=public,
                           group=res.config_address)
        builder.add(entry, res.body.end_line, unit=index.unit(res))
        index.lbs[index.own(res)] = entry.id
        for sg in index.keys(res, attribute_refs(project, res, ("security_groups",))):
            index.sg_members.setdefault(sg, []).append(entry.id)
    for res in resources(tf, "aws_lb_target_group", "aws_alb_target_group"):
        if res.type not in ("aws_lb_target_group", "aws_alb_target_group"):
            continue
        port = as_int(res.get("port"))
        proxy_id = node_id("proxy", "tg", addr(res, index))
        checks = []
        for block in res.blocks("health_check")[:1]:
            if block.get("enabled") is False:
                continue
            check_port = as_int(block.get("port"))
            checks.append(HealthCheck(node_id("healthcheck", proxy_id), "target-group",
                                      block.span, as_str(block.get("path")) or "/",
                                      check_port if check_port is not None else port))
        proxy = Proxy(proxy_id, "target-group", as_str(res.get("name")) or res.address, res.span,
                      res.address, None, port, tuple(checks))
        builder.add(proxy, res.body.end_line, unit=index.unit(res))
        index.target_groups[index.own(res)] = proxy_id
        for check in checks:
            builder.add(check, unit=index.unit(res))
            builder.link(check.id, proxy_id, "checks", check.span)
    for res in resources(tf, "aws_lb_listener", "aws_alb_listener", "aws_lb_listener_rule"):
        _listener(builder, res, index)


def _listener(builder: Builder, res: TfResource, index: TfIndex) -> None:
    project = builder.project
    if res.type == "aws_lb_listener_rule":
        listeners = attribute_refs(project, res, ("listener_arn",))
        sources = [node_id("entry", "listener", sibling_addr(res, a, index))
                   for a in listeners]
        actions = ("action", "target_group_arn")
    else:
        lbs = attribute_refs(project, res, ("load_balancer_arn",))
        protocol = as_str(res.get("protocol"))
        lb_id = index.lbs.get(index.key(res, lbs[0])) if lbs else None
        lb = builder.deployment.nodes.get(lb_id or "")
        port = as_int(res.get("port"))
        entry = EntryPoint(node_id("entry", "listener", addr(res, index)), "listener",
                           f"{protocol or '?'}:{port or '?'}", res.span, port, port,
                           protocol, (), getattr(lb, "public", None),
                           (protocol or "").upper() in ("HTTPS", "TLS") if protocol else None,
                           lbs[0] if lbs else None)
        builder.add(entry, res.body.end_line, unit=index.unit(res))
        if lb_id is not None:
            builder.link(lb_id, entry.id, "forwards", res.span)
        sources = [entry.id]
        actions = ("default_action", "target_group_arn")
    for tg in index.keys(res, attribute_refs(project, res, actions)):
        target = index.target_groups.get(tg)
        for source in sources:
            if target is not None and source in builder.deployment.nodes:
                builder.link(source, target, "forwards", res.span)
