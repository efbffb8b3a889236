"""Shared helpers of the scaling and rollout rules: which ECS service an Application Auto
Scaling target scales, what is attached to a target, whether a service is public.

The evaluated model turns `"service/${aws_ecs_cluster.main.name}/${aws_ecs_service.api.name}"`
into an unknown value (the names exist only after apply), so links are read from the
expression as written: the references it makes, or the last path segment when that is a
literal, a variable or a local. Every function answers None for "cannot tell".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mlaudit.models.terraform import Resource, TerraformModule, TerraformProject, Unknown
from mlaudit.models.terraform_syntax import (
    Attribute,
    Block,
    Expr,
    Ref,
    Template,
    TerraformFile,
    walk_expr,
)

ECS_DIMENSION = "ecs:service:DesiredCount"
_NAME_END = re.compile(r"[.\[]")
_NOT_RESOURCES = {"var", "local", "module", "each", "count", "path", "self", "terraform", "data"}


def terraform_of(deployment: Any) -> TerraformProject | None:
    tf = getattr(deployment, "terraform", None)
    return tf if isinstance(tf, TerraformProject) else None


def source_block(deployment: Any, res: Resource) -> Block | None:
    """The block as written, from the parsed file of the scan (None when unavailable)."""
    models = getattr(getattr(deployment, "project", None), "models", {})
    model = models.get(res.path)
    if not isinstance(model, TerraformFile):
        return None
    return model.declaration(res.mode, res.type, res.name)


def _attributes(block: Block, name: str | None) -> Iterator[Attribute]:
    """Attributes called `name` (every attribute for None) at any depth of the block,
    `dynamic` content included."""
    for attribute in block.attributes:
        if name is None or attribute.name == name:
            yield attribute
    for child in block.blocks:
        yield from _attributes(child, name)


def refs(deployment: Any, res: Resource, attribute: str | None, *types: str) -> set[str] | None:
    """Config addresses (module-qualified) of resources of `types` that `attribute` (at any
    nesting depth; None: anywhere in the block) refers to. None: the source is unavailable."""
    value = res.get(attribute) if attribute else None
    prefix = f"{res.module_address}." if res.module_address else ""
    if isinstance(value, Unknown) and value.ref.split(".")[0] in types:
        # `aws_x.this[0].id` (a `count` instance) names the resource `aws_x.this`
        rtype, _, rest = value.ref.partition(".")
        name = _NAME_END.split(rest, maxsplit=1)[0]
        return {f"{prefix}{rtype}.{name}"}
    block = source_block(deployment, res)
    if block is None:
        return None
    out: set[str] = set()
    for attr in _attributes(block, attribute):
        for node in walk_expr(attr.expr):
            if isinstance(node, Ref) and len(node.parts) >= 2 and node.parts[0] in types:
                out.add(f"{prefix}{node.parts[0]}.{node.parts[1]}")
    return out


def _local_expr(deployment: Any, module: TerraformModule, name: str) -> Expr | None:
    models = getattr(getattr(deployment, "project", None), "models", {})
    for path in module.files:
        model = models.get(path)
        if isinstance(model, TerraformFile):
            for block in model.blocks_of("locals"):
                found = block.attribute(name)
                if found is not None:
                    return found.expr
    return None


def _known(expr: Expr, module: TerraformModule) -> str | None:
    """A string from a literal-free reference: `var.x` or `local.x` with a known value."""
    if isinstance(expr, Ref) and len(expr.parts) == 2:
        if expr.parts[0] == "var" and str(expr.parts[1]) in module.variables:
            value = module.variables[str(expr.parts[1])].value
            return value if isinstance(value, str) else None
        if expr.parts[0] == "local":
            value = module.locals.get(str(expr.parts[1]))
            return value if isinstance(value, str) else None
    return None


def _service_name(expr: Expr, module: TerraformModule) -> str | None:
    """The last `/` segment of a written `service/<cluster>/<service>` template."""
    if not isinstance(expr, Template):
        return None
    tail: list[str | Expr] = []
    for part in reversed(expr.parts):
        if isinstance(part, str) and "/" in part:
            tail.insert(0, part.rsplit("/", 1)[1])
            break
        tail.insert(0, part)
    pieces = [p if isinstance(p, str) else _known(p, module) for p in tail]
    return "".join(p for p in pieces if p is not None) if None not in pieces else None


def scaled_services(deployment: Any, module: TerraformModule, target: Resource,
                    services: list[Resource]) -> set[str] | None:
    """Config addresses of the ECS services a scaling target names; None: cannot tell."""
    value = target.get("resource_id")
    name: str | None = None
    if isinstance(value, str):
        parts = value.split("/")
        if len(parts) != 3 or parts[0] != "service":
            return set()
        name = parts[2]
    else:
        block = source_block(deployment, target)
        attribute = block.attribute("resource_id") if block is not None else None
        expr = attribute.expr if attribute is not None else None
        if isinstance(expr, Ref) and expr.parts[0] == "local" and len(expr.parts) == 2:
            expr = _local_expr(deployment, module, str(expr.parts[1]))
        if expr is None:
            return None
        prefix = f"{target.module_address}." if target.module_address else ""
        named = {f"{prefix}{n.parts[0]}.{n.parts[1]}" for n in walk_expr(expr)
                 if isinstance(n, Ref) and n.parts[0] == "aws_ecs_service" and len(n.parts) > 1}
        if named:
            return named
        name = _service_name(expr, module)
        if name is None:
            return None
    memo = getattr(deployment, "memo", None)
    by_name = memo(("ecs-services-by-name", id(services)), lambda: _by_name(services)) \
        if memo is not None else _by_name(services)
    return set(by_name.get(name, ()))


def _by_name(services: list[Resource]) -> dict[Any, list[str]]:
    """Service config addresses by literal `name` (asked per scaling target: a walk over
    every service each time is quadratic on a monorepo)."""
    out: dict[Any, list[str]] = {}
    for service in services:
        name = service.get("name")
        if isinstance(name, str):
            out.setdefault(name, []).append(service.config_address)
    return out


def is_ecs_target(target: Resource) -> bool | None:
    """True for an ECS service target, False for another namespace, None: cannot tell."""
    namespace, dimension = target.get("service_namespace"), target.get("scalable_dimension")
    if not isinstance(namespace, str) or not isinstance(dimension, str):
        return None
    return namespace == "ecs" and dimension == ECS_DIMENSION


def service_public(deployment: Any, tf: TerraformProject, service: Resource) -> bool | None:
    """Whether the service sits behind an internet-facing load balancer (None: cannot tell):
    service -> load_balancer target group <- listener (or listener rule) -> aws_lb."""
    tg_types = ("aws_lb_target_group", "aws_alb_target_group")
    groups = refs(deployment, service, "target_group_arn", *tg_types)
    if groups is None:
        return None
    if not groups:  # no target group written: public only if an LB is hidden in a variable
        hidden = service.blocks("load_balancer") or service.block_unknown("load_balancer")
        return None if hidden else False
    everything = list(tf.resources("aws_"))
    by_address = {r.config_address: r for r in everything}
    listeners: set[str] = set()
    kinds = ("aws_lb_listener", "aws_alb_listener", "aws_lb_listener_rule",
             "aws_alb_listener_rule")
    for res in everything:
        if res.type not in kinds or not groups & (refs(deployment, res, None, *tg_types)
                                                  or set()):
            continue
        if res.type.endswith("_rule"):
            listeners |= refs(deployment, res, "listener_arn", "aws_lb_listener",
                              "aws_alb_listener") or set()
        else:
            listeners.add(res.config_address)
    verdicts: list[bool | None] = []
    for address in listeners:
        listener = by_address.get(address)
        lbs = refs(deployment, listener, "load_balancer_arn", "aws_lb", "aws_alb") \
            if listener is not None else None
        for lb in (by_address.get(a) for a in lbs or ()):
            internal = lb.get("internal") if lb is not None else Unknown()
            verdicts.append(None if isinstance(internal, Unknown) else internal is not True)
        if not lbs:
            verdicts.append(None)
    if True in verdicts:
        return True
    return False if verdicts and None not in verdicts else None


def passed_to_registry_modules(deployment: Any, tf: TerraformProject) -> set[str]:
    """Resources referenced by the arguments of a module outside the repository (a registry
    or git module may create their scaling, which the scan cannot see)."""
    models = getattr(getattr(deployment, "project", None), "models", {})
    out: set[str] = set()
    for module in tf.modules:
        external = {c.name for c in module.module_calls if c.local_path is None}
        prefix = f"{module.module_address}." if module.module_address else ""
        for path in module.files:
            model = models.get(path)
            blocks = model.blocks_of("module") if isinstance(model, TerraformFile) else ()
            for block in blocks:
                if block.labels and block.labels[0] in external:
                    out |= {f"{prefix}{n.parts[0]}.{n.parts[1]}" for a in _attributes(block, None)
                            for n in walk_expr(a.expr) if isinstance(n, Ref) and len(n.parts) > 1
                            and str(n.parts[0]) not in _NOT_RESOURCES}
    return out
