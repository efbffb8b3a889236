"""ECS service has no auto scaling

## What it flags
An `aws_ecs_service` that no `aws_appautoscaling_target` (ECS namespace,
`ecs:service:DesiredCount`) names in its `resource_id`, written as a literal
`service/<cluster>/<service>`, through variables, or as references such as
`"service/${aws_ecs_cluster.main.name}/${aws_ecs_service.api.name}"`; and a scaling
target that no `aws_appautoscaling_policy` or scheduled action is attached to, or whose
only policies cannot act: a `PredictiveScaling` policy in `ForecastOnly` mode (the
default) forecasts but never changes the count. The finding sits on the service block,
or on the target block.

Services with `count`/`for_each` are judged per instance: a target naming
`aws_ecs_service.model[each.key]` scales the instance with its own key, one naming
`aws_ecs_service.model["api"]` only that one; the other instances are reported.

A service whose `desired_count` is in `lifecycle.ignore_changes` says an autoscaler was
meant to own the count; when nothing in the repository registers it (no scaling target,
no workflow or script running `aws application-autoscaling register-scalable-target`
or `aws ecs update-service --desired-count`), the finding names the ignored attribute.

Not flagged: daemon services; `desired_count = 0`; services whose ignored
`desired_count` is scaled by a script or workflow of the repository; services passed to a registry
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

import re
from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.terraform import Resource, TerraformModule, TerraformProject, Unknown
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.sources import FileKind
from mlaudit_rules.helpers import model_loaded
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
        list[Resource], list[tuple[Resource, set[str] | None]], set[str], bool, bool,
        dict[str, set[str | int]]]:
    """Every service and scaling target of the repository, and what they tell together."""
    services = [*tf.resources("aws_ecs_service"),
                *(r for _, _, r in tf.registry if r.type == "aws_ecs_service")]
    targets = [(t, s) for t, s in _targets(dep, tf, ("aws_appautoscaling_target",), services)
               if is_ecs_target(t) is not False]
    # Targets naming one instance of a service with count/for_each
    # (`aws_ecs_service.model[each.key]`, `aws_ecs_service.model["api"]`).
    instances: dict[str, set[str | int]] = {}
    whole: set[str] = set()
    for index, (target, names) in enumerate(targets):
        named = _instance_named(dep, target) if names is None or names else None
        if named is None:
            whole.update(names or ())
            continue
        address, key = named
        instances.setdefault(address, set()).add(key)
        targets[index] = (target, {address})
    scaled = whole | {a for a in instances if a not in whole and _all_keys(
        services, a, instances[a])}
    unsure = any(names is None for _, names in targets)
    # A target naming no service we know may name one whose own `name` is unknown.
    orphan = any(names == set() and is_ecs_target(t) for t, names in targets)
    skip = scaled | passed_to_registry_modules(dep, tf)
    return services, targets, skip, unsure, orphan, {
        a: keys for a, keys in instances.items() if a not in scaled}


_INDEXED = re.compile(
    r"\baws_ecs_service\.(\w+)\[\s*(each\.key|count\.index|\"([^\"]*)\"|(\d+))\s*\]")


def _instance_named(dep: Any, target: Resource) -> tuple[str, str | int] | None:
    """(service config address, instance key) a target's `resource_id` names through an
    index; None when it names no single instance that way."""
    span = target.span_of("resource_id")
    text = dep.project.read_text(span.path) if span.path else None
    lines = text.splitlines() if text is not None else []
    if not 0 < span.line <= len(lines):
        return None
    found = _INDEXED.findall(lines[span.line - 1])
    if len(found) != 1:
        return None
    name, index, literal, number = found[0]
    key: str | int | None
    if index in ("each.key", "count.index"):
        key = target.index  # the target's own instance key
    else:
        key = literal if number == "" else int(number)
    if key is None:
        return None
    prefix = f"{target.module_address}." if target.module_address else ""
    return f"{prefix}aws_ecs_service.{name}", key


def _all_keys(services: list[Resource], address: str, keys: set[str | int]) -> bool:
    return all(s.index in keys for s in services if s.config_address == address)


def _check(module: TerraformModule, tf: TerraformProject, ctx: RuleContext) -> Iterator[Finding]:
    dep = ctx.deployment
    services, targets, skip, unsure, orphan, partly = dep.memo(
        ("ecs-scaling", id(tf)), lambda: _project_facts(dep, tf))
    for svc in with_registry(module, dep, "aws_ecs_service"):
        if svc.config_address in skip or unsure or _fixed_elsewhere(svc) or (
                orphan and not isinstance(svc.get("name"), str)) or (
                svc.index in partly.get(svc.config_address, ())):
            continue
        ignored = _count_ignored(svc)
        if ignored is not None and dep.memo(("ecs-scaled-outside",), lambda: _scaled_outside(dep)):
            continue
        count = svc.get("desired_count")
        label = svc.address if svc.config_address in partly else svc.config_address
        fixed = f"a fixed {count if isinstance(count, int) else 'number of'} task(s)"
        what = f"{svc.module_address} ({svc.registry}) sets enable_autoscaling = false" \
            if svc.registry else f"aws_ecs_service {label} has no aws_appautoscaling_target"
        if svc.config_address in partly:
            what += " (the scaling targets name only its instances " + ", ".join(
                sorted(repr(k) for k in partly[svc.config_address])) + ")"
        if ignored is not None:
            what += " although lifecycle.ignore_changes leaves desired_count to an autoscaler"
        related = [(svc.span_of("desired_count"), "fixed task count")] \
            if svc.has("desired_count") else []
        if ignored is not None:
            related.append((ignored, "desired_count ignored: meant to be scaled"))
        yield ctx.finding(f"{what}: it runs {fixed}", svc.span, related=related, key=label)
    policies = dep.memo(("ecs-scaling-policies", id(tf)),
                        lambda: list(_targets(dep, tf, _ATTACHED, services)))
    if any(names is None and not refs(dep, p, "resource_id", "aws_appautoscaling_target")
           for p, names in policies):
        return  # a policy we cannot place may be attached to any target
    mine = set(map(id, module.resources))
    for target, names in targets:
        if id(target) not in mine or not is_ecs_target(target):
            continue
        attached = [p for p, n in policies if _attached(dep, target, names, p, n)]
        if not attached or all(_forecast_only(p) for p in attached):
            what = "only a PredictiveScaling policy in ForecastOnly mode, which never " \
                "scales" if attached else "no aws_appautoscaling_policy"
            # Config addresses repeat across roots (copied roots all have
            # aws_ecs_service.api): only this root's services are the ones it registers.
            roots, by_address = dep.memo(("ecs-service-roots", id(tf)),
                                         lambda: _index(tf, services))
            registered = sorted((i, s) for a in names or () for i, s in by_address.get(a, ())
                                if roots.get(id(s), module.root) == module.root)
            yield ctx.finding(
                f"aws_appautoscaling_target {target.config_address} has {what}: the "
                "service's task count never changes",
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
    """Daemons and parked services."""
    return bool(svc.get("scheduling_strategy", "REPLICA") != "REPLICA"
                or svc.get("desired_count") == 0)


def _count_ignored(svc: Resource) -> Any:
    """The `ignore_changes` span when Terraform is told to leave desired_count alone."""
    for life in svc.blocks("lifecycle"):
        ignored = life.get("ignore_changes")
        items = ignored if isinstance(ignored, list) else [ignored]
        if any(i in ("desired_count", "all") or (isinstance(i, Unknown) and i.ref in (
                "desired_count", "all")) for i in items):
            return life.span_of("ignore_changes")
    return None


def _forecast_only(policy: Resource) -> bool:
    """A predictive policy that only forecasts (ForecastOnly is the API's default mode)."""
    if policy.type != "aws_appautoscaling_policy" or policy.get("policy_type") != \
            "PredictiveScaling":
        return False
    for config in policy.blocks("predictive_scaling_policy_configuration"):
        return bool(config.get("mode", "ForecastOnly") == "ForecastOnly")
    return False


# Scaling done by a pipeline instead of Terraform.
_OUTSIDE = re.compile(r"application-autoscaling\s+register-scalable-target|"
                      r"ecs\s+update-service\b[^\n]*--desired-count|"
                      r"ecs\s+update-service\b(?:[^\n]*\\\n)+[^\n]*--desired-count")

_OUTSIDE_PY = re.compile(r"\.register_scalable_target\(|\.update_service\([^)]*desiredCount")


def _scaled_outside(dep: Any) -> bool:
    workflows: list[Any] = []
    if model_loaded("mlaudit.models.workflow"):  # else no workflow parsed: not imported
        from mlaudit.models.workflow import Workflow

        workflows = list(dep.project.of_type(Workflow))
    for workflow in workflows:
        for job in workflow.jobs:
            if any(s.run is not None and _OUTSIDE.search(s.run.text) for s in job.steps):
                return True
    for source in dep.project.files:
        pattern = _OUTSIDE if source.kind is FileKind.TEXT and source.path.endswith(
            (".sh", "Makefile")) else _OUTSIDE_PY if source.kind is FileKind.PYTHON else None
        if pattern is None:
            continue
        try:
            if pattern.search(source.text):
                return True
        except OSError:
            continue
    return False
