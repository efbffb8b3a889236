"""nginx allows deprecated SSL/TLS protocol versions

## What it flags
An `ssl_protocols` directive (at http, server or location level, or in an included
snippet) that enables SSLv2, SSLv3, TLSv1 or TLSv1.1. The finding sits on the directive.

Not flagged: `ssl_protocols TLSv1.2 TLSv1.3;`; an unset `ssl_protocols` (nginx 1.23.4 and
later default to TLSv1.2 and TLSv1.3);
nginx configs of a SageMaker serving container that nothing else in the repository runs
(SageMaker's HTTPS endpoint, with SigV4 auth, throttling and TLS, is the edge; that
nginx only relays /ping and /invocations inside the container).

## Why it matters
SSLv3, TLS 1.0 and TLS 1.1 are deprecated (RFC 8996) and open to downgrade and
padding-oracle attacks; compliance scans (PCI DSS) fail on them. No supported client
needs them.

## How to fix
Allow TLS 1.2 and 1.3 only.

## Example
```nginx
ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
```

```nginx
ssl_protocols TLSv1.2 TLSv1.3;
```

## References
- https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_protocols
- https://datatracker.ietf.org/doc/html/rfc8996
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.nginx import Directive, NginxConfig
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.edge._nginx import behind_sagemaker_endpoint

RULE = Rule(
    id="MLA503",
    name="nginx-tls-weak",
    title="nginx allows deprecated SSL/TLS protocol versions",
    severity=Severity.MEDIUM,
    category=Category.EDGE,
    target=NginxConfig,
    kind=Kind.SECURITY,
    tags=("nginx", "tls"),
    docs=__doc__ or "",
)

_WEAK = {"sslv2": "SSLv2", "sslv3": "SSLv3", "tlsv1": "TLSv1", "tlsv1.1": "TLSv1.1"}


@RULE.check
def check(config: NginxConfig, ctx: RuleContext) -> Iterator[Finding]:
    if behind_sagemaker_endpoint(ctx, config):
        return  # SageMaker's endpoint is the edge; this nginx is internal
    # Every place the directive can be written: top level (snippets), the effective
    # server value (it points at the http-level line when inherited), and locations.
    found: dict[tuple[int, int], tuple[str, Span]] = {}
    candidates: list[Directive] = [*config.directives, *config.http_directives]
    for server in config.servers:
        candidates.extend(server.directives)
        for loc in server.all_locations():
            candidates.extend(loc.directives)
        if server.ssl_protocols is not None:
            setting = server.ssl_protocols
            found[(setting.span.line, setting.span.column)] = (setting.value, setting.span)
    for d in candidates:
        if d.name == "ssl_protocols":
            found[(d.span.line, d.span.column)] = (" ".join(d.args), d.span)
    for value, span in sorted(found.values(), key=lambda item: item[1].line):
        weak = [_WEAK[t.lower()] for t in value.split() if t.lower() in _WEAK]
        if weak:
            yield ctx.finding(f"ssl_protocols enables {', '.join(weak)} (deprecated): allow "
                              "TLSv1.2 and TLSv1.3 only", span, key=f"ssl_protocols {value}")
