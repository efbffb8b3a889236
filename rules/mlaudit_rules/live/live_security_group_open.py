"""Live security group admits the internet on an application or admin port

## What it flags
A security group, as it is in the account now, with an ingress permission from
`0.0.0.0/0` or `::/0` on an application port (the configured `app-ports`: 8000, 8080,
5000, ...), on SSH (22) or RDP (3389), or on every port (protocol `-1`, or TCP 0-65535).
The finding points at the Terraform block declaring the group when a root's state
manages it, else at the group itself.

Not flagged: 80 and 443 (a load balancer's listeners are meant to be public); sources
that are CIDRs narrower than the whole internet, security groups or prefix lists.

## Why it matters
This is what is actually reachable, whatever the code says: a rule added in the console
during an incident, or by another tool, exposes the model server or a shell to every
scanner on the internet, bypassing the load balancer, its TLS and its authentication.

## How to fix
Remove the permission (`aws ec2 revoke-security-group-ingress`), and admit the service's
port only from the load balancer's security group. Reach hosts through SSM Session
Manager rather than SSH.

## Example
```text
sg-0abc (api): tcp 8000 from 0.0.0.0/0
```

```text
sg-0abc (api): tcp 8000 from sg-0lb (the load balancer's group)
```

## References
- https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import IngressRule, LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.helpers import is_public_cidr
from mlaudit_rules.live._live import ADMIN_PORTS, LIVE_ROLES, report

RULE = Rule(
    id="MLA800",
    name="live-security-group-open",
    title="Live security group admits the internet on an application or admin port",
    severity=Severity.HIGH,
    category=Category.EXPOSURE,
    target=LiveState,
    kind=Kind.SECURITY,
    tags=("live", "aws", "security-group", "network"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


def _covers(rule: IngressRule, port: int) -> bool:
    if rule.protocol == "-1":
        return True
    if rule.protocol not in ("tcp", "6") or rule.from_port is None or rule.to_port is None:
        return False
    return rule.from_port <= port <= rule.to_port


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    app_ports = tuple(int(p) for p in ctx.options.get("app_ports", ()))
    for group in state.facts.security_groups:
        for rule in group.ingress:
            if not is_public_cidr(rule.source):
                continue
            if rule.protocol == "-1" or (rule.from_port, rule.to_port) == (0, 65535):
                hits = ["every port"]
            else:
                hits = [f"{name} {port}" for port, name in ADMIN_PORTS if _covers(rule, port)]
                hits += [f"application port {p}" for p in app_ports if _covers(rule, p)
                         and p not in (80, 443)]
            if hits:
                yield report(ctx, state, f"security group {group.id} ({group.name}) in "
                             f"{group.region} admits {rule.source} on {', '.join(hits)}",
                             group.id)
