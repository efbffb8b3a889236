"""Load balancer TLS listener allows TLS 1.0/1.1

## What it flags
An `aws_lb_listener`/`aws_alb_listener` on HTTPS or TLS whose `ssl_policy` allows TLS 1.0
or 1.1 (`ELBSecurityPolicy-2016-08`, `-2015-05`, `-TLS-1-0-2015-04`, `-TLS-1-1-2017-01`,
`-FS-2018-06`, `-FS-1-1-2019-08`, `-TLS13-1-0-2021-06`, `-TLS13-1-1-2021-06`, ...), or
omits it (the API default is `ELBSecurityPolicy-2016-08`). The finding sits on
`ssl_policy`, or on the listener when it is omitted.

Not flagged: `ELBSecurityPolicy-TLS13-1-2-2021-06` and the other TLS 1.2+ policies
(`-TLS-1-2-2017-01`, `-TLS-1-2-Ext-2018-06`, `-FS-1-2-*`, `-TLS13-1-2-*`, `-TLS13-1-3-*`);
a policy name from a variable that cannot be resolved; custom policy names.

## Why it matters
TLS 1.0 and 1.1 are deprecated (RFC 8996) and fail PCI DSS and most security reviews;
clients of an inference API are modern SDKs that all speak TLS 1.2.

## How to fix
Use the current recommended policy.

## Example
```hcl
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-2016-08"
  certificate_arn   = aws_acm_certificate.api.arn
}
```

```hcl
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate.api.arn
}
```

## References
- https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.edge._alb import LISTENER_TYPES, once

RULE = Rule(
    id="MLA504",
    name="alb-tls-policy-outdated",
    title="Load balancer TLS listener allows TLS 1.0/1.1",
    severity=Severity.MEDIUM,
    category=Category.EDGE,
    target=TerraformModule,
    kind=Kind.SECURITY,
    tags=("terraform", "aws", "alb", "tls"),
    docs=__doc__ or "",
)

# AWS predefined policies whose minimum version is TLS 1.0 or 1.1. The dated ones without
# a version in the name (2015-05, 2016-08, ...) all allow TLS 1.0.
_WEAK = re.compile(r"^ELBSecurityPolicy-(?:20\d\d-\d\d|TLS-1-[01]-|TLS13-1-[01]-|FS-1-1-"
                   r"|FS-2018-06)", re.I)
DEFAULT_POLICY = "ELBSecurityPolicy-2016-08"


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    for listener in module.resources_of(*LISTENER_TYPES):
        proto = listener.get("protocol")
        if not isinstance(proto, str) or proto.upper() not in ("HTTPS", "TLS"):
            continue
        policy = listener.get("ssl_policy")
        if policy is None:
            yield ctx.finding(f"{proto.upper()} listener {listener.config_address} sets no "
                              f"ssl_policy: the default {DEFAULT_POLICY} allows TLS 1.0 and "
                              "1.1", listener.span, key=listener.config_address)
        elif isinstance(policy, str) and _WEAK.match(policy):
            yield ctx.finding(f"{proto.upper()} listener {listener.config_address} uses "
                              f"ssl_policy {policy}, which allows TLS 1.0/1.1",
                              listener.span_of("ssl_policy"), key=listener.config_address)
