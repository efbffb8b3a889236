"""Public load balancer serves traffic over plain HTTP

## What it flags
On a public Application Load Balancer (`internal` false or unset, `load_balancer_type`
application or unset) declared in Terraform:
- an `aws_lb_listener`/`aws_alb_listener` on protocol HTTP (or port 80 with no protocol)
  whose `default_action` forwards to a target group, or answers with a 2xx
  `fixed-response`, instead of redirecting to HTTPS. The finding sits on the action's
  `type`;
- a load balancer none of whose listeners speaks HTTPS while its HTTP listeners only
  redirect (to an HTTPS endpoint that does not exist). The finding sits on the `aws_lb`
  resource. When one of its HTTP listeners forwards, that listener is the one finding.

Not flagged: an HTTP listener whose default action redirects to HTTPS; internal load
balancers; Network/Gateway Load Balancers; listeners whose load balancer cannot be
resolved in the same module (cannot tell whether it is internal); a load balancer when
some listener's `load_balancer_arn` cannot be resolved (it may be the HTTPS one).

## Why it matters
An inference API on plain HTTP exposes request payloads and API keys to anyone on the
path, and clients that post to `http://` keep doing so forever.

## How to fix
Add an HTTPS listener with an ACM certificate and make port 80 redirect.

## Example
```hcl
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}
```

```hcl
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}
```

## References
- https://docs.aws.amazon.com/elasticloadbalancing/latest/application/create-https-listener.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.terraform import Resource, TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.edge._alb import (
    LB_TYPES,
    LISTENER_TYPES,
    is_application,
    is_public,
    load_balancer_of,
    once,
    protocol,
    referenced,
)

RULE = Rule(
    id="MLA502",
    name="alb-listener-http-forward",
    title="Public load balancer serves traffic over plain HTTP",
    severity=Severity.HIGH,
    category=Category.EDGE,
    target=TerraformModule,
    kind=Kind.SECURITY,
    tags=("terraform", "aws", "alb", "tls"),
    docs=__doc__ or "",
)


def _public_alb(lb: Resource | None) -> bool:
    return lb is not None and is_application(lb) is True and is_public(lb) is True


def _serves(listener: Resource) -> Any:
    """The default action that serves content over this listener, or None."""
    if listener.block_unknown("default_action"):
        return None
    actions = listener.blocks("default_action")
    if any(a.get("type") == "redirect" for a in actions):
        return None
    for action in actions:
        kind = action.get("type")
        if kind == "forward":
            return action
        if kind == "fixed-response":
            status = next((b.get("status_code") for b in action.blocks("fixed_response")), None)
            if isinstance(status, (str, int)) and str(status).startswith("2"):
                return action
    return None


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    listeners = list(module.resources_of(*LISTENER_TYPES))
    reported: set[str] = set()
    for listener in listeners:
        lb = load_balancer_of(module, listener)
        if not _public_alb(lb) or protocol(listener, lb) != "HTTP":
            continue
        action = _serves(listener)
        if action is not None:
            reported.add(listener.config_address)
            yield ctx.finding(
                f"{listener.config_address} on public load balancer "
                f"{lb.config_address if lb else '?'} serves HTTP on port "
                f"{listener.get('port')} with a {action.get('type')} default action instead "
                "of redirecting to HTTPS",
                action.span_of("type"), key=listener.config_address)
    terraform: Any = getattr(ctx.deployment, "terraform", None)
    modules = getattr(terraform, "modules", None) or (module,)

    def unplaced_listener() -> bool:  # an ARN passed through a variable may be the HTTPS one
        return any(referenced(other, item.get("load_balancer_arn"), LB_TYPES) is None
                   for other in modules for item in other.resources_of(*LISTENER_TYPES))

    unplaced = ctx.deployment.memo(("alb-unplaced-listener", id(terraform)), unplaced_listener) \
        if ctx.deployment is not None else unplaced_listener()
    if unplaced:
        return
    for lb in module.resources_of(*LB_TYPES):
        own = [x for x in listeners if getattr(load_balancer_of(module, x), "name", None)
               == lb.name]
        if not _public_alb(lb) or not own or any(x.count_unknown for x in own):
            continue
        if any(x.config_address in reported for x in own):
            continue  # its forwarding HTTP listener is the finding: one edge, one finding
        protocols = [protocol(x, lb) for x in own]
        if all(p == "HTTP" for p in protocols):
            ports = ", ".join(f"HTTP:{x.get('port')}" for x in own)
            yield ctx.finding(f"public load balancer {lb.config_address} has no HTTPS listener "
                              f"(listeners: {ports})", lb.span, key=lb.config_address,
                              related=[(x.span, f"{x.config_address} is HTTP") for x in own])
