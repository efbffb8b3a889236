"""Shared helpers of the exposure rules: the internet-facing ingress of security groups.

One `Ingress` per rule that admits `0.0.0.0/0` or `::/0`, whatever way it is written:
inline `ingress` blocks (also from `dynamic "ingress"` and the `ingress = [...]` attribute
form) of `aws_security_group` / `aws_default_security_group`, `aws_security_group_rule`
with `type = "ingress"`, and `aws_vpc_security_group_ingress_rule`. Sources that are other
security groups, prefix lists or `self` are never public. A rule whose CIDRs, ports or
protocol cannot be resolved is left out ("cannot tell"); so are ICMP rules, whose "ports"
are message types.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from mlaudit.models.terraform import Body, Resource, TerraformModule, Unknown
from mlaudit.span import Span
from mlaudit_rules.helpers import is_public_cidr
from mlaudit_rules.iac._terraform import once

__all__ = ["GROUP_TYPES", "Ingress", "group_refs", "once", "public_ingress"]

GROUP_TYPES = ("aws_security_group", "aws_default_security_group")
_ALL = ("-1", "all")
_TCP = ("tcp", "6")


@dataclass(frozen=True)
class Ingress:
    """One public ingress rule. `from_port`/`to_port` None: every port (protocol -1)."""

    group: str  # the security group's config address ("" when it cannot be resolved)
    where: str  # the rule's config address, with the block index for inline rules
    span: Span
    from_port: int | None
    to_port: int | None
    cidrs: tuple[str, ...]  # the world CIDRs it admits

    @property
    def all_ports(self) -> bool:
        return self.from_port is None or (self.from_port <= 0 and self.to_port == 65535)

    def covers(self, port: int) -> bool:
        if self.from_port is None or self.to_port is None:
            return True
        return self.from_port <= port <= self.to_port

    @property
    def ports(self) -> str:
        if self.from_port is None:
            return "all ports"
        if self.from_port == self.to_port:
            return f"port {self.from_port}"
        return f"ports {self.from_port}-{self.to_port}"

    @property
    def key(self) -> str:
        return f"{self.where}:{self.from_port}-{self.to_port}"

    @property
    def owner(self) -> str:
        return f"security group {self.group}" if self.group else self.where

    @property
    def source(self) -> str:
        return " and ".join(self.cidrs)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _world(values: Iterable[Any]) -> tuple[str, ...]:
    """The world CIDRs among attribute values (strings or lists; unknown items skipped:
    a literal 0.0.0.0/0 next to an unresolved CIDR still opens the port)."""
    out: list[str] = []
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and is_public_cidr(item) and item.strip() not in out:
                out.append(item.strip())
    return tuple(out)


def _ports(body: Body | Resource, protocol_attr: str) -> tuple[int | None, int | None] | None:
    """(from, to) for TCP or every protocol; None when unknown or not TCP."""
    protocol = body.get(protocol_attr)
    text = str(protocol).lower() if isinstance(protocol, (str, int)) else None
    if text in _ALL:
        return None, None
    if text not in _TCP:
        return None
    low, high = _int(body.get("from_port")), _int(body.get("to_port"))
    if low is None or high is None:
        return None
    return low, high


def _make(group: str, where: str, span: Span, body: Body | Resource, cidr_attrs: tuple[str, ...],
          protocol_attr: str) -> Ingress | None:
    cidrs = _world(body.get(name) for name in cidr_attrs)
    ports = _ports(body, protocol_attr) if cidrs else None
    if ports is None:
        return None
    return Ingress(group, where, span, ports[0], ports[1], cidrs)


def _ref(value: Any) -> str:
    """`aws_security_group.web` from the unresolved `aws_security_group.web.id`."""
    if isinstance(value, Unknown) and value.ref:
        parts = [p.split("[", 1)[0] for p in value.ref.split(".")]
        if len(parts) >= 2 and parts[0] in GROUP_TYPES:
            return f"{parts[0]}.{parts[1]}"
    return ""


def _prefixed(module: TerraformModule, address: str) -> str:
    return f"{module.module_address}.{address}" if address and module.module_address else address


def public_ingress(module: TerraformModule, registry: Iterable[Resource] = ()
                   ) -> Iterator[Ingress]:
    """Every ingress rule of the module that admits the whole internet (and of `registry`,
    the rules its registry module calls create)."""
    for group in module.resources_of(*GROUP_TYPES):
        for number, block in enumerate(group.blocks("ingress")):
            found = _make(group.config_address, f"{group.config_address}.ingress[{number}]",
                          block.span_of("from_port"), block,
                          ("cidr_blocks", "ipv6_cidr_blocks"), "protocol")
            if found is not None:
                yield found
    extra = [r for r in registry if r.type == "aws_security_group_rule"]
    for rule in [*module.resources_of("aws_security_group_rule"), *extra]:
        if rule.get("type") == "ingress":
            found = _make(_prefixed(module, _ref(rule.get("security_group_id"))),
                          rule.config_address, rule.span, rule,
                          ("cidr_blocks", "ipv6_cidr_blocks"), "protocol")
            if found is not None:
                yield found
    for rule in module.resources_of("aws_vpc_security_group_ingress_rule"):
        found = _make(_prefixed(module, _ref(rule.get("security_group_id"))),
                      rule.config_address, rule.span, rule, ("cidr_ipv4", "cidr_ipv6"),
                      "ip_protocol")
        if found is not None:
            yield found


def group_refs(module: TerraformModule, value: Any) -> list[str]:
    """Config addresses of the security groups a `security_groups`-style value references
    (literal ids and unresolved expressions name no group of the repository)."""
    items = value if isinstance(value, list) else [value]
    return [_prefixed(module, a) for a in map(_ref, items) if a]
