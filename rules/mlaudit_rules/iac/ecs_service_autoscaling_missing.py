"""ECS service has no auto scaling

## What it flags
An `aws_ecs_service` that no `aws_appautoscaling_target` (ECS namespace,
`ecs:service:DesiredCount`) names in its `resource_id`, written as a literal
`service/<cluster>/<service>`, through variables, or as references such as
`"service/${aws_ecs_cluster.main.name}/${aws_ecs_service.api.name}"`; and a scaling
target that no `aws_appautoscaling_policy` or scheduled action is attached to. The
finding sits on the service block, or on the target block.

Not flagged: daemon services; `desired_count = 0`; services whose `desired_count` is in
`lifecycle.ignore_changes` (scaled outside Terraform); services passed to a registry
module; every service, when any scaling target's `resource_id` cannot be resolved
(and every target, when a policy's cannot).

Registry modules: a `terraform-aws-modules/ecs/aws//modules/service` call is a service
that the module scales (its `enable_autoscaling` defaults to true, with CPU and memory
policies); with `enable_autoscaling = false` it runs a fixed count, reported at that
input line; so is each entry of the `terraform-aws-modules/ecs/aws` module's `services`
map. Services created by any other registry module are not judged.

## Why it matters
Inference traffic is bursty and each request is expensive. A fixed task count either
pays for idle GPUs all night or queues requests until clients time out at peak.

## How to fix
Register the service as a scalable target and attach a target-tracking policy.

## Example
```hcl
resource "aws_ecs_service" "api" {
  name          = "api"
  desired_count = 2
}
```

```hcl
resource "aws_appautoscaling_target" "api" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.api.name}"
  min_capacity       = 2
  max_capacity       = 10
}
resource "aws_appautoscaling_policy" "cpu" {
  policy_type = "TargetTrackingScaling"
  resource_id = aws_appautoscaling_target.api.resource_id
  target_tracking_scaling_policy_configuration { target_value = 60 }
}
```

## References
- https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-auto-scaling.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.terraform import Resource, TerraformModule, TerraformProject, Unknown
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._scaling import (
    is_ecs_target,
    passed_to_registry_modules,
    refs,
    scaled_services,
    terraform_of,
)
from mlaudit_rules.iac._terraform import once, with_registry

RULE = Rule(
    id="MLA330",
    name="ecs-service-autoscaling-missing",
    title="ECS service has no auto scaling",
    severity=Severity.MEDIUM,
    category=Category.SCALING,
    target=TerraformModule,
    kind=Kind.RELIABILITY,
    tags=("terraform", "aws", "ecs", "autoscaling"),
    docs=__doc__ or "",
)

_ATTACHED = ("aws_appautoscaling_policy", "aws_appautoscaling_scheduled_action")


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    tf = terraform_of(ctx.deployment)
    return once(_check(module, tf, ctx)) if tf is not None else iter(())


def _targets(dep: Any, tf: TerraformProject, types: tuple[str, ...],
             services: list[Resource]) -> Iterator[tuple[Resource, set[str] | None]]:
    for mod in tf.modules:
        for res in mod.resources_of(*types):
            yield res, scaled_services(dep, mod, res, services)


def _project_facts(dep: Any, tf: TerraformProject) -> tuple[
        list[Resource], list[tuple[Resource, set[str] | None]], set[str], bool, bool]:
    """Every service and scaling target of the repository, and what they tell together."""
    services = [*tf.resources("aws_ecs_service"),
                *(r for _, _, r in tf.registry if r.type == "aws_ecs_service")]
    targets = [(t, s) for t, s in _targets(dep, tf, ("aws_appautoscaling_target",), services)
               if is_ecs_target(t) is not False]
    scaled = {a for _, names in targets for a in names or ()}
    unsure = any(names is None for _, names in targets)
    # A target naming no service we know may name one whose own `name` is unknown.
    orphan = any(names == set() and is_ecs_target(t) for t, names in targets)
    skip = scaled | passed_to_registry_modules(dep, tf)
    return services, targets, skip, unsure, orphan


def _check(module: TerraformModule, tf: TerraformProject, ctx: RuleContext) -> Iterator[Finding]:
    dep = ctx.deployment
    services, targets, skip, unsure, orphan = dep.memo(
        ("ecs-scaling", id(tf)), lambda: _project_facts(dep, tf))
    for svc in with_registry(module, dep, "aws_ecs_service"):
        if svc.config_address in skip or unsure or _fixed_elsewhere(svc) or (
                orphan and not isinstance(svc.get("name"), str)):
            continue
        count = svc.get("desired_count")
        fixed = f"a fixed {count if isinstance(count, int) else 'number of'} task(s)"
        what = f"{svc.module_address} ({svc.registry}) sets enable_autoscaling = false" \
            if svc.registry else f"aws_ecs_service {svc.config_address} has no " \
            "aws_appautoscaling_target"
        yield ctx.finding(
            f"{what}: it runs {fixed}", svc.span,
            related=[(svc.span_of("desired_count"), "fixed task count")]
            if svc.has("desired_count") else [], key=svc.config_address)
    policies = dep.memo(("ecs-scaling-policies", id(tf)),
                        lambda: list(_targets(dep, tf, _ATTACHED, services)))
    if any(names is None and not refs(dep, p, "resource_id", "aws_appautoscaling_target")
           for p, names in policies):
        return  # a policy we cannot place may be attached to any target
    mine = set(map(id, module.resources))
    for target, names in targets:
        if id(target) not in mine or not is_ecs_target(target):
            continue
        if not any(_attached(dep, target, names, p, n) for p, n in policies):
            # Config addresses repeat across roots (copied roots all have
            # aws_ecs_service.api): only this root's services are the ones it registers.
            roots, by_address = dep.memo(("ecs-service-roots", id(tf)),
                                         lambda: _index(tf, services))
            registered = sorted((i, s) for a in names or () for i, s in by_address.get(a, ())
                                if roots.get(id(s), module.root) == module.root)
            yield ctx.finding(
                f"aws_appautoscaling_target {target.config_address} has no "
                "aws_appautoscaling_policy: the service's task count never changes",
                target.span, related=[(s.span, "the service it registers")
                                      for _, s in registered],
                key=target.config_address)


def _index(tf: TerraformProject, services: list[Resource]
           ) -> tuple[dict[int, str], dict[str, list[tuple[int, Resource]]]]:
    """id(resource) -> the root module directory its instance belongs to; services (in
    order) by config address."""
    roots = {id(r): mod.root for mod in tf.modules for r in mod.resources}
    by_address: dict[str, list[tuple[int, Resource]]] = {}
    for order, service in enumerate(services):
        by_address.setdefault(service.config_address, []).append((order, service))
    return roots, by_address


def _attached(dep: Any, target: Resource, names: set[str] | None, policy: Resource,
              policy_names: set[str] | None) -> bool:
    if target.config_address in (refs(dep, policy, "resource_id",
                                      "aws_appautoscaling_target") or ()):
        return True
    value = policy.get("resource_id")
    if isinstance(value, str) and value == target.get("resource_id"):
        return True
    return bool(names and policy_names and names & policy_names)


def _fixed_elsewhere(svc: Resource) -> bool:
    """Daemons, parked services, and counts Terraform is told to ignore."""
    if svc.get("scheduling_strategy", "REPLICA") != "REPLICA" or svc.get("desired_count") == 0:
        return True
    for life in svc.blocks("lifecycle"):
        ignored = life.get("ignore_changes")
        items = ignored if isinstance(ignored, list) else [ignored]
        if any(i in ("desired_count", "all") or (isinstance(i, Unknown) and i.ref in (
                "desired_count", "all")) for i in items):
            return True
    return False
