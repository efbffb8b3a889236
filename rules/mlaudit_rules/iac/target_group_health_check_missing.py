"""Load balancer target group has no working health check

## What it flags
An `aws_lb_target_group` / `aws_alb_target_group` with no `health_check` block (the
defaults probe `/`, or only open a TCP connection on an NLB), with `enabled = false`, or
with an HTTP check on the default path `/` while the Python app in the repository serves
a dedicated health route (`/healthz`, `/ready`, …). The finding sits on the resource, the
`enabled` line or the `path` line (the block when `path` is left out).

Not flagged: a `health_check` with a dedicated path (whether the app serves it is
MLA702's question); TCP/TLS target groups (NLB) with a `health_check` block; Lambda
target groups; `path = "/"` when no Python app with a health route is in the repository
(cannot tell), or when the app does not serve `/` at all (the check then fails outright:
MLA702 reports that); blocks or values that cannot be resolved statically.

## Why it matters
The target group health check decides which tasks receive traffic and when a rolling
deployment may go on. `/` of a model API is often a 404 (every target unhealthy) or a
static page that answers while the model is still loading or has failed, so traffic goes
to replicas that cannot serve.

## How to fix
Declare a `health_check` that probes the app's readiness route, with thresholds that
tolerate model loading (or a `health_check_grace_period_seconds` on the ECS service).

## Example
```hcl
resource "aws_lb_target_group" "api" {
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id
}
```

```hcl
resource "aws_lb_target_group" "api" {
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id
  health_check {
    path    = "/healthz"
    matcher = "200"
  }
}
```

## References
- https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.helpers import model_loaded
from mlaudit_rules.iac._terraform import once

if TYPE_CHECKING:  # the app's model loads only when Python code was parsed
    from mlaudit.models.python_source import PythonModule, Route

RULE = Rule(
    id="MLA310",
    name="target-group-health-check-missing",
    title="Load balancer target group has no working health check",
    severity=Severity.HIGH,
    category=Category.HEALTH,
    target=TerraformModule,
    kind=Kind.RELIABILITY,
    tags=("terraform", "aws", "load-balancer"),
    docs=__doc__ or "",
)

_HTTP = ("HTTP", "HTTPS")


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    health: list[Route] | None = None
    for tg in module.resources_of("aws_lb_target_group", "aws_alb_target_group"):
        target_type, protocol = tg.get("target_type", "instance"), tg.get("protocol")
        if target_type not in ("instance", "ip", "alb") or protocol == "GENEVE" or \
                tg.block_unknown("health_check"):
            continue  # Lambda targets, GWLB, or unknown: cannot tell
        name, key = tg.config_address, tg.config_address
        blocks = tg.blocks("health_check")
        if not blocks:
            probe = "a TCP connect" if protocol in ("TCP", "TLS", "UDP", "TCP_UDP") else \
                "GET / expecting 200"
            yield ctx.finding(f"target group {name} has no health_check block: the load "
                              f"balancer falls back to {probe}", tg.span, key=key)
            continue
        block = blocks[0]
        if block.get("enabled", True) is False:
            yield ctx.finding(f"target group {name} disables its health check",
                              block.span_of("enabled"), key=key)
            continue
        check_protocol = block.get("protocol", protocol if protocol in _HTTP else None)
        if check_protocol not in _HTTP or block.get("path", "/") != "/":
            continue
        if health is None:  # the repository's dedicated health routes, computed once
            deployment = ctx.deployment
            modules: list[PythonModule] = []
            if deployment is not None and model_loaded("mlaudit.models.python_source"):
                from mlaudit.models.python_source import PythonModule

                modules = list(deployment.models(PythonModule))
            health = [r for m in modules for r in m.health_routes()
                      if r.path is not None and r.path_complete]
            routes = [r for m in modules for r in m.routes]
            # When no route serves / at all, the check fails outright: that is MLA702's
            # finding (health-check-cannot-work), so this rule stays quiet on it.
            root_unserved = bool(routes) and all(
                r.path_complete and r.path != "/" for r in routes)
        if health and not root_unserved:
            route = health[0]
            yield ctx.finding(
                f"target group {name} health-checks / while the app serves {route.path}",
                block.span_of("path"), related=[(route.span, f"health route {route.path}")],
                key=key)
