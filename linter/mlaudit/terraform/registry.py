"""What well-known registry modules create, read from their inputs.

A registry module's code is not in the repository, so a rule sees nothing of
`module "ecr" { source = "terraform-aws-modules/ecr/aws" }`. For a few modules whose
inputs map one to one onto a resource's arguments, the call is read as that resource (its
`registry` field names the module), with the module's own defaults where they differ from
the resource's, and each argument's span at the input line (the `module` block for a
default). Anything else a registry module does stays unknown: "cannot tell".

Defaults are those of the modules' current major versions (ecr 2.x/3.x, rds 6.x, ecs 5.x+).
"""

from __future__ import annotations

from typing import Any

from mlaudit.models.terraform import Body, Resource, Unknown
from mlaudit.models.terraform_syntax import Block, Expr, Literal, ObjectExpr
from mlaudit.span import Span
from mlaudit.terraform.values import Scope, evaluate

_PREFIXES = ("registry.terraform.io/", "app.terraform.io/")


def module_name(source: str) -> str:
    """`terraform-aws-modules/ecs/aws//modules/service` (a registry address, a git URL of a
    terraform-aws-modules repository, with `?ref=`) -> `ecs//modules/service`; "" else."""
    text = source.split("?", 1)[0]
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    if text.startswith("terraform-aws-modules/"):
        parts = text.split("//", 1)
        head = parts[0].split("/")
        if len(head) == 3 and head[2] == "aws":
            return head[1] + (f"//{parts[1].strip('/')}" if len(parts) > 1 else "")
        return ""
    marker = "github.com/terraform-aws-modules/terraform-aws-"
    if marker in text:
        rest = text.split(marker, 1)[1]
        repo, _, sub = rest.partition("//")
        repo = repo.removesuffix(".git")
        return repo + (f"//{sub.strip('/')}" if sub else "")
    return ""


class _Inputs:
    def __init__(self, block: Block, scope: Scope) -> None:
        self.block = block
        self.scope = scope

    def value(self, name: str, default: Any) -> tuple[Any, Span]:
        attribute = self.block.attribute(name)
        if attribute is None:
            return default, self.block.span
        value = evaluate(attribute.expr, self.scope)
        return (default if value is None else value), attribute.span

    def given(self, name: str) -> bool:
        return self.block.attribute(name) is not None

    def off(self, *names: str) -> bool:
        """True when any of these `create*` switches is known to be false."""
        return any(self.value(n, True)[0] is False for n in names)


def registry_resources(source: str, block: Block, scope: Scope, address: str,
                       path: str) -> list[Resource]:
    name = module_name(source)
    inputs = _Inputs(block, scope)
    if name == "ecr":
        return _ecr(inputs, address, path)
    if name in ("rds", "rds//modules/db_instance"):
        return _rds(inputs, address, path, name)
    if name == "ecs//modules/service":
        return _ecs_service(inputs, address, path)
    if name == "ecs":
        return _ecs_services(inputs, address, path)
    if name == "security-group":
        return _security_group(inputs, address, path)
    return []


def _resource(rtype: str, address: str, path: str, span: Span,
              values: dict[str, tuple[Any, Span]], source: str,
              nested: dict[str, tuple[Body, ...]] | None = None) -> Resource:
    body = Body(span, {k: v for k, (v, _) in values.items()},
                {k: at for k, (_, at) in values.items()}, nested or {})
    return Resource(rtype, "this", f"{address}.{rtype}.this", address, "managed", body, path,
                    registry=source)


def _ecr(inputs: _Inputs, address: str, path: str) -> list[Resource]:
    if inputs.off("create", "create_repository"):
        return []
    kind = inputs.value("repository_type", "private")[0]
    if kind != "private":
        return []  # a public repository (or unknown type) has no tag mutability setting
    values = {"name": inputs.value("repository_name", ""),
              # the module's default is IMMUTABLE, the resource's MUTABLE
              "image_tag_mutability": inputs.value("repository_image_tag_mutability",
                                                   "IMMUTABLE")}
    scan, at = inputs.value("repository_image_scan_on_push", True)
    scanning = Body(at, {"scan_on_push": scan}, {"scan_on_push": at})
    return [_resource("aws_ecr_repository", address, path, inputs.block.span, values,
                      "terraform-aws-modules/ecr/aws", {"image_scanning_configuration": (
                          scanning,)})]


def _rds(inputs: _Inputs, address: str, path: str, name: str) -> list[Resource]:
    if inputs.off("create_db_instance", "create"):
        return []
    values: dict[str, tuple[Any, Span]] = {}
    # The module's defaults equal the resource's (false, false, false, null): only inputs
    # the caller writes are arguments, so a finding says what the caller wrote.
    for key in ("publicly_accessible", "deletion_protection", "skip_final_snapshot",
                "replicate_source_db", "identifier", "engine"):
        if inputs.given(key):
            values[key] = inputs.value(key, None)
    return [_resource("aws_db_instance", address, path, inputs.block.span, values,
                      f"terraform-aws-modules/{name.split('//')[0]}/aws")]


def _ecs_service(inputs: _Inputs, address: str, path: str) -> list[Resource]:
    """The service submodule registers its service with Application Auto Scaling (and
    attaches CPU and memory policies) unless `enable_autoscaling = false`: only then is
    it a service with a fixed task count, judged at that input line."""
    if inputs.off("create", "create_service"):
        return []
    scaling, at = inputs.value("enable_autoscaling", True)
    if scaling is not False:
        return []
    strategy = inputs.value("scheduling_strategy", None)
    if isinstance(strategy[0], Unknown):
        return []
    values = {"name": inputs.value("name", Unknown("name")),
              "desired_count": inputs.value("desired_count", 1),
              "scheduling_strategy": (strategy[0] or "REPLICA", strategy[1])}
    return [_resource("aws_ecs_service", address, path, at, values,
                      "terraform-aws-modules/ecs/aws//modules/service")]


# Named rules of the security-group module (its rules.tf): from port, to port, protocol.
# A name missing here is "cannot tell".
_NAMED_RULES: dict[str, tuple[int, int, str]] = {
    "all-all": (-1, -1, "-1"), "all-tcp": (0, 65535, "tcp"), "ssh-tcp": (22, 22, "tcp"),
    "rdp-tcp": (3389, 3389, "tcp"), "rdp-udp": (3389, 3389, "udp"),
    "http-80-tcp": (80, 80, "tcp"), "https-443-tcp": (443, 443, "tcp"),
    "http-8080-tcp": (8080, 8080, "tcp"), "postgresql-tcp": (5432, 5432, "tcp"),
    "mysql-tcp": (3306, 3306, "tcp"), "redis-tcp": (6379, 6379, "tcp"),
}


def _security_group(inputs: _Inputs, address: str, path: str) -> list[Resource]:
    """`ingress_rules` (named rules, for `ingress_cidr_blocks` and
    `ingress_ipv6_cidr_blocks`) and `ingress_with_cidr_blocks` (maps with a `rule` name or
    ports, and comma-separated `cidr_blocks`), as `aws_security_group_rule` ingress rules
    at the input line."""
    if inputs.off("create", "create_sg"):
        return []
    source = "terraform-aws-modules/security-group/aws"
    cidrs, _ = inputs.value("ingress_cidr_blocks", [])
    ipv6, _ = inputs.value("ingress_ipv6_cidr_blocks", [])
    out: list[Resource] = []
    names, at = inputs.value("ingress_rules", [])
    for name in names if isinstance(names, list) else []:
        ports = _NAMED_RULES.get(name) if isinstance(name, str) else None
        if ports is not None:
            out.append(_rule(address, path, at, ports, cidrs, ipv6, len(out), source))
    items, at = inputs.value("ingress_with_cidr_blocks", [])
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        rule = item.get("rule")
        ports = _NAMED_RULES.get(rule) if isinstance(rule, str) else None
        if ports is None and rule is None:
            low, high, protocol = item.get("from_port"), item.get("to_port"), item.get(
                "protocol")
            if isinstance(low, int) and isinstance(high, int) and isinstance(protocol, str):
                ports = (low, high, protocol)
        blocks = item.get("cidr_blocks", None)
        own = [c.strip() for c in blocks.split(",")] if isinstance(blocks, str) else cidrs
        if ports is not None:
            out.append(_rule(address, path, at, ports, own, [], len(out), source))
    return out


def _rule(address: str, path: str, at: Span, ports: tuple[int, int, str], cidrs: Any,
          ipv6: Any, number: int, source: str) -> Resource:
    values: dict[str, tuple[Any, Span]] = {
        "type": ("ingress", at), "from_port": (ports[0], at), "to_port": (ports[1], at),
        "protocol": (ports[2], at), "cidr_blocks": (cidrs, at), "ipv6_cidr_blocks": (ipv6, at)}
    body = Body(at, {k: v for k, (v, _) in values.items()},
                {k: s for k, (_, s) in values.items()})
    return Resource("aws_security_group_rule", "ingress", f"{address}.aws_security_group_rule."
                    f"ingress[{number}]", address, "managed", body, path, number,
                    registry=source)


def _ecs_services(inputs: _Inputs, address: str, path: str) -> list[Resource]:
    """The ecs module's `services` map: each entry is a service submodule call, judged as
    `_ecs_service` judges one (its `enable_autoscaling` is optional, null -> true)."""
    if inputs.off("create"):
        return []
    services, at = inputs.value("services", {})
    attribute = inputs.block.attribute("services")
    out: list[Resource] = []
    for key, svc in services.items() if isinstance(services, dict) else ():
        if not isinstance(svc, dict) or svc.get("create") is False or \
                svc.get("create_service") is False or svc.get("enable_autoscaling") is not False:
            continue
        strategy = svc.get("scheduling_strategy")
        if not (strategy is None or isinstance(strategy, str)):
            continue
        where = _item_span(attribute.expr, (key, "enable_autoscaling")) if attribute else None
        count = svc.get("desired_count")
        values = {"name": (svc.get("name") or key, at),
                  "desired_count": (1 if count is None else count, at),
                  "scheduling_strategy": (strategy or "REPLICA", at)}
        out.append(_resource("aws_ecs_service", f'{address}.module.service["{key}"]', path,
                             where or at, values, "terraform-aws-modules/ecs/aws"))
    return out


def _item_span(expr: Expr, keys: tuple[str, ...]) -> Span | None:
    """Where `{ k1 = { k2 = ... } }` writes the key path, when written as object literals."""
    for key_expr, value in expr.items if isinstance(expr, ObjectExpr) else ():
        if isinstance(key_expr, Literal) and key_expr.value == keys[0]:
            return key_expr.span if len(keys) == 1 else _item_span(value, keys[1:])
    return None
