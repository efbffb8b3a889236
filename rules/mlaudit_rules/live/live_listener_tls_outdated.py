"""Live HTTPS listener accepts TLS older than 1.2

## What it flags
An HTTPS or TLS listener whose security policy still negotiates TLS 1.0 or 1.1: the
`ELBSecurityPolicy-2016-08` family, `ELBSecurityPolicy-TLS-1-0-*`, `-TLS-1-1-*`,
`ELBSecurityPolicy-2015-05` and the FIPS or forward-secrecy variants that allow 1.0/1.1.

Not flagged: `ELBSecurityPolicy-TLS-1-2-*`, `ELBSecurityPolicy-TLS13-*` and
`ELBSecurityPolicy-FS-1-2-*` policies; plain HTTP listeners.

## Why it matters
TLS 1.0 and 1.1 are deprecated (RFC 8996) and fail PCI DSS and most compliance baselines;
they let a downgrade-capable attacker weaken the channel the model's inputs travel on.

## How to fix
Use `ELBSecurityPolicy-TLS13-1-2-2021-06` (TLS 1.3 and 1.2).

## Example
```text
SslPolicy: ELBSecurityPolicy-2016-08
```

```text
SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06
```

## References
- https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA809",
    name="live-listener-tls-outdated",
    title="Live HTTPS listener accepts TLS older than 1.2",
    severity=Severity.MEDIUM,
    category=Category.EDGE,
    target=LiveState,
    kind=Kind.SECURITY,
    tags=("live", "aws", "load-balancer", "tls"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)

_MODERN = ("ELBSecurityPolicy-TLS-1-2", "ELBSecurityPolicy-TLS13", "ELBSecurityPolicy-FS-1-2",
           "ELBSecurityPolicy-FIPS-TLS13", "ELBSecurityPolicy-TLS-1-2-Ext")


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for listener in state.facts.listeners:
        if listener.protocol.upper() not in ("HTTPS", "TLS") or not listener.ssl_policy:
            continue
        if listener.ssl_policy.startswith(_MODERN):
            continue
        yield report(ctx, state, f"load balancer {listener.load_balancer} ({listener.region}):"
                     f" listener {listener.port}/{listener.protocol} uses "
                     f"{listener.ssl_policy}, which allows TLS below 1.2", listener.arn)
