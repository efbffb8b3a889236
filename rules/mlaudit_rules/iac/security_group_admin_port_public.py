"""Security group opens SSH, RDP or every port to the internet

## What it flags
A security group ingress rule that admits `0.0.0.0/0` or `::/0` on SSH (22), RDP (3389),
or on every port (`protocol = "-1"`, or TCP 0-65535). Inline `ingress` blocks (also from
`dynamic "ingress"`), `aws_security_group_rule` with `type = "ingress"` and
`aws_vpc_security_group_ingress_rule` are all read, with CIDRs and ports resolved through
variables, locals and module inputs. The finding sits on the inline block's `from_port`
line, or on the rule resource.

Not flagged: SSH from a /32 office address or a VPN range; egress rules; other ports such as
443; sources that are security groups or prefix lists; CIDRs, ports or protocols that
cannot be resolved.

Calls to `terraform-aws-modules/security-group/aws` are read too: `ingress_rules` (known
rule names such as `ssh-tcp`, `rdp-tcp`, `all-all`) for `ingress_cidr_blocks`, and
`ingress_with_cidr_blocks`; an unknown rule name is not judged.

## Why it matters
Internet-wide scanners find an open SSH or RDP port within minutes and brute-force it
around the clock; one weak key or unpatched daemon hands over a GPU host, its instance
role and the model weights on its disk. An all-ports rule also exposes every debug
server, notebook and metrics endpoint that happens to listen on the machine.

## How to fix
Reach instances through SSM Session Manager (no inbound port at all), or restrict SSH to
the VPN / office CIDR. Open only the ports the service needs, from the load balancer's
security group.

## Example
```hcl
resource "aws_security_group" "gpu" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
```

```hcl
resource "aws_security_group" "gpu" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.20.0.0/16"] # VPN
  }
}
```

## References
- https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
- https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule, TerraformProject
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._ingress import once, public_ingress

RULE = Rule(
    id="MLA320",
    name="security-group-admin-port-public",
    title="Security group opens SSH, RDP or every port to the internet",
    severity=Severity.HIGH,
    category=Category.EXPOSURE,
    target=TerraformModule,
    kind=Kind.SECURITY,
    tags=("terraform", "aws", "security-group", "network"),
    docs=__doc__ or "",
)

_ADMIN = ((22, "SSH"), (3389, "RDP"))


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    tf = getattr(ctx.deployment, "terraform", None)
    registry = tf.registry_of(module) if isinstance(tf, TerraformProject) else []
    for rule in public_ingress(module, registry):
        if rule.all_ports:
            what = "all ports" if rule.from_port is None else "all TCP ports"
            yield ctx.finding(f"{rule.owner} allows {rule.source} on {what} (SSH, RDP and every "
                              "other listener)", rule.span, key=rule.key)
            continue
        hits = [f"{name} {port}" for port, name in _ADMIN if rule.covers(port)]
        if hits:
            where = "" if rule.from_port == rule.to_port else f" ({rule.ports})"
            yield ctx.finding(f"{rule.owner} allows {rule.source} on {' and '.join(hits)}{where}",
                              rule.span, key=rule.key)
