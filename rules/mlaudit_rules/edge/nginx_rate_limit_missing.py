"""nginx proxies to the inference API with no rate limit

## What it flags
A `location` that hands requests to an app server (`proxy_pass`, `grpc_pass`,
`uwsgi_pass`, `fastcgi_pass`) with no `limit_req` or `limit_conn` in effect: none in the
location, none inherited from its server or the http block (also through included files
of the repository, and through the main nginx.conf that includes a conf.d snippet). The
finding sits on the `location` line.

Not flagged: `limit_req`/`limit_conn` at http or server level; static-only locations;
named (`@name`) and `internal` locations (reached from a location whose limits applied);
health-probe locations (`/healthz`, `/ready`, …), which load balancers poll by design;
servers listening only on 127.0.0.1 or a unix socket; an include that can be neither
resolved nor recognised (it may set a limit);
nginx configs of a SageMaker serving container that nothing else in the repository runs
(SageMaker's HTTPS endpoint, with SigV4 auth, throttling and TLS, is the edge; that
nginx only relays /ping and /invocations inside the container).

## Why it matters
One inference request costs orders of magnitude more than serving a file. Without a
limit a single client, a retry storm or a scraper saturates the GPU workers and every
other user times out; on autoscaled hardware it also runs up the bill.

## How to fix
Define a zone in the http block and apply it where the API is proxied.

## Example
```nginx
http {
    server {
        location /predict { proxy_pass http://api:8000; }
    }
}
```

```nginx
http {
    limit_req_zone $binary_remote_addr zone=api:10m rate=5r/s;
    server {
        location /predict {
            limit_req zone=api burst=10 nodelay;
            proxy_pass http://api:8000;
        }
    }
}
```

## References
- https://nginx.org/en/docs/http/ngx_http_limit_req_module.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.nginx import Location, NginxConfig
from mlaudit.models.python_source import is_health_path
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.edge._nginx import (
    behind_sagemaker_endpoint,
    configs_of,
    http_directives,
    http_parents,
    is_internal,
    pulled,
    server_label,
)

RULE = Rule(
    id="MLA506",
    name="nginx-rate-limit-missing",
    title="nginx proxies to the inference API with no rate limit",
    severity=Severity.MEDIUM,
    category=Category.EDGE,
    target=NginxConfig,
    kind=Kind.RELIABILITY,
    tags=("nginx", "rate-limit"),
    docs=__doc__ or "",
)

_LIMITS = ("limit_req", "limit_conn")


def _http_limited(config: NginxConfig, configs: list[NginxConfig]) -> bool | None:
    """Whether the http level sets a limit (None: cannot tell)."""
    unknown = False
    for parent in http_parents(config, configs):
        if parent.http_limit_req or parent.http_limit_conn:
            return True
        extra = http_directives(parent, configs)
        if any(d.name in _LIMITS for d in extra.directives):
            return True
        unknown = unknown or extra.unknown
    return None if unknown else False


def _internal(loc: Location) -> bool:
    # Named and `internal` locations are reached by an internal redirect from another
    # location, whose limits already applied to the request.
    return loc.modifier == "@" or any(d.name == "internal" for d in loc.directives)


@RULE.check
def check(config: NginxConfig, ctx: RuleContext) -> Iterator[Finding]:
    if behind_sagemaker_endpoint(ctx, config):
        return  # SageMaker's endpoint is the edge; this nginx is internal
    configs = configs_of(ctx) or [config]
    http = _http_limited(config, configs)
    if http is not False:
        return
    for server in config.servers:
        if server.stream or is_internal(server):
            continue
        for loc in server.all_locations():
            if loc.proxy is None or loc.limit_req or loc.limit_conn or _internal(loc):
                continue
            if is_health_path(loc.path):
                continue  # a health probe location is not the inference API; probes poll it
            extra = pulled((*loc.directives, *server.directives), configs, config.path)
            if extra.unknown or any(d.name in _LIMITS for d in extra.directives):
                continue
            yield ctx.finding(
                f"location {loc.path} proxies to {loc.proxy.text} with no limit_req or "
                "limit_conn in effect", loc.span,
                key=f"{server_label(server)} {loc.modifier}{loc.path}")
