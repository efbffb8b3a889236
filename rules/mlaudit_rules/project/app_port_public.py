"""Application port open to the internet, around the load balancer or proxy

## What it flags
A security group ingress rule admitting `0.0.0.0/0` or `::/0` on a port range that covers
an application port: a configured `app-ports` value, or a port an app process of the
repository listens on (Dockerfile CMD / EXPOSE, compose command and app target ports, ECS
`containerPort`, user_data servers, `uvicorn.run(...)` in code). Inline `ingress` blocks,
`dynamic "ingress"`, `aws_security_group_rule` and `aws_vpc_security_group_ingress_rule`
are read. The finding sits on the inline block's `from_port` line or the rule resource;
related locations show where the app listens on that port.

Not flagged: ingress from another security group (the load balancer's); 80 and 443 (what
an edge serves); private CIDRs; ports no app uses; security groups attached to a load
balancer; a rule whose security group cannot be resolved while a load balancer listens on
that port; unresolvable CIDRs or ports; rules open on every port (MLA320 reports those).
In a repository with several Terraform roots, a root is judged against the apps tied to it
by evidence (the images its tasks or instances run); another deployment's app port is not
its concern.

## Why it matters
The app server (uvicorn, gunicorn, Triton) was meant to sit behind a load balancer or
reverse proxy that terminates TLS, authenticates, limits body size and rate. Opening its
port to the world lets anyone call the model directly over plain HTTP, around all of that,
and makes every instance a target for scanners.

## How to fix
Allow the app port only from the load balancer's security group (`security_groups` /
`source_security_group_id` / `referenced_security_group_id`), and open 443 to the world on
the load balancer instead.

## Example
```hcl
resource "aws_security_group" "api" {
  ingress {
    from_port   = 8000
    to_port     = 8000
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
```

```hcl
resource "aws_security_group" "api" {
  ingress {
    from_port       = 8000
    to_port         = 8000
    protocol        = "tcp"
    security_groups = [aws_security_group.alb.id]
  }
}
```

## References
- https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment
from mlaudit.models.terraform import TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._ingress import once, public_ingress
from mlaudit_rules.project._ingress import (
    EDGE_PORTS,
    app_listeners,
    listeners_for_root,
    load_balancer_groups,
)

RULE = Rule(
    id="MLA701",
    name="app-port-public",
    title="Application port open to the internet, around the load balancer or proxy",
    severity=Severity.HIGH,
    category=Category.EXPOSURE,
    target=Deployment,
    requires=(TerraformModule,),
    kind=Kind.SECURITY,
    tags=("terraform", "aws", "security-group", "network"),
    docs=__doc__ or "",
)


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(deployment, ctx))


def _check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    modules = tuple(getattr(deployment.terraform, "modules", ()))
    if not modules:
        return
    every_listener = app_listeners(deployment)
    configured = {int(p) for p in ctx.options.get("app_ports", (8000,))}
    edge_groups = load_balancer_groups(modules)
    for module in modules:
        unit = f"terraform:{module.root or '.'}"
        listeners = listeners_for_root(deployment, every_listener, module.root)
        ports = (configured | {x.port for x in listeners}) - set(EDGE_PORTS)
        lb_ports = _listener_ports(deployment).get(unit, set())
        for rule in public_ingress(module):
            if rule.all_ports or (module.root, rule.group) in edge_groups:
                continue
            hits = sorted(p for p in ports if rule.covers(p))
            if not rule.group:  # which group is unknown: it may be the load balancer's
                hits = [p for p in hits if p not in lb_ports]
            if not hits:
                continue
            related = [(x.span, x.note) for p in hits for x in listeners if x.port == p][:5]
            why = "where the app listens" if related else "a configured app port"
            shown = ", ".join(map(str, hits[:5]))
            yield ctx.finding(f"{rule.owner} allows {rule.source} on {shown}, {why}: clients "
                              "reach the app server directly instead of through the load "
                              "balancer or proxy", rule.span, related=related,
                              key=f"{rule.key}:{shown}")


def _listener_ports(deployment: Deployment) -> dict[str | None, set[int | None]]:
    """Listener ports by deployment unit, once per scan (asked per root module)."""
    def build() -> dict[str | None, set[int | None]]:
        out: dict[str | None, set[int | None]] = {}
        for entry in deployment.entry_points():
            if entry.kind == "listener":
                out.setdefault(deployment.node_units.get(entry.id), set()).add(entry.from_port)
        return out
    found: dict[str | None, set[int | None]] = deployment.memo("listener-ports-by-unit", build)
    return found
