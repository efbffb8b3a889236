"""nginx proxies without passing Host, X-Forwarded-For and X-Forwarded-Proto

## What it flags
A `location` with `proxy_pass` whose effective `proxy_set_header` list lacks `Host`,
`X-Forwarded-For` or `X-Forwarded-Proto` (an RFC 7239 `Forwarded` header stands in for
the last two). nginx's inheritance rule is modelled: a location inherits the server's
(or http's) `proxy_set_header` list *only when it defines none itself*, so one header set
in a location drops all inherited ones. The finding sits on the `proxy_pass` line and
names the missing headers.

Not flagged: headers set at server level and none in the location; `include
proxy_params;` (the Debian/Ubuntu file that sets them) or an included file of the
repository that sets them; an include that can be neither resolved nor recognised; a
main nginx.conf whose http level may set them (the model does not keep http-level
headers: cannot tell);
nginx configs of a SageMaker serving container that nothing else in the repository runs
(SageMaker's HTTPS endpoint, with SigV4 auth, throttling and TLS, is the edge; that
nginx only relays /ping and /invocations inside the container).

## Why it matters
Without them the app sees nginx's upstream name as Host (wrong absolute URLs and
redirects), nginx's address as the client (rate limits, audit logs and abuse blocking
all see one IP) and `http` as the scheme (redirects downgrade to HTTP).

## How to fix
Set the three headers where the location proxies (or `include proxy_params;`).

## Example
```nginx
location /predict {
    proxy_set_header X-Request-Id $request_id;
    proxy_pass http://api:8000;
}
```

```nginx
location /predict {
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_pass http://api:8000;
}
```

## References
- https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.nginx import Directive, Location, NginxConfig
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.edge._nginx import (
    behind_sagemaker_endpoint,
    configs_of,
    http_parents,
    pulled,
    server_label,
)

RULE = Rule(
    id="MLA505",
    name="nginx-proxy-headers-missing",
    title="nginx proxies without passing Host, X-Forwarded-For and X-Forwarded-Proto",
    severity=Severity.LOW,
    category=Category.EDGE,
    target=NginxConfig,
    kind=Kind.RELIABILITY,
    tags=("nginx", "proxy"),
    docs=__doc__ or "",
)

_WANTED = ("Host", "X-Forwarded-For", "X-Forwarded-Proto")


def _headers(directives: tuple[Directive, ...], configs: list[NginxConfig], here: str
             ) -> set[str] | None:
    """Headers one level defines (own and included); empty = defines none; None = unknown."""
    extra = pulled(directives, configs, here)
    if extra.unknown:
        return None
    names = {d.args[0].lower() for d in (*directives, *extra.directives)
             if d.name == "proxy_set_header" and d.args}
    return names | {h.lower() for h in extra.headers}


@RULE.check
def check(config: NginxConfig, ctx: RuleContext) -> Iterator[Finding]:
    if behind_sagemaker_endpoint(ctx, config):
        return  # SageMaker's endpoint is the edge; this nginx is internal
    configs = configs_of(ctx) or [config]
    # The http level is visible only for a conf.d snippet no repository file includes
    # (the stock nginx.conf sets no proxy headers); for any other file it is unknown.
    http: set[str] | None = set() if not http_parents(config, configs) else None
    for server in config.servers:
        if server.stream:
            continue
        own = _headers(server.directives, configs, config.path)
        yield from _walk(server.locations, own or http if own is not None else None,
                         config, configs, ctx, server_label(server))


def _walk(locations: tuple[Location, ...], inherited: set[str] | None, config: NginxConfig,
          configs: list[NginxConfig], ctx: RuleContext, label: str) -> Iterator[Finding]:
    for loc in locations:
        own = _headers(loc.directives, configs, config.path)
        have = None if own is None else own or inherited  # none defined here: inherit
        yield from _walk(loc.locations, have, config, configs, ctx, label)
        if loc.proxy is None or loc.proxy.directive != "proxy_pass" or have is None:
            continue
        if "forwarded" in have:
            have = have | {"x-forwarded-for", "x-forwarded-proto"}
        missing = [h for h in _WANTED if h.lower() not in have]
        if missing:
            yield ctx.finding(
                f"location {loc.path} proxies to {loc.proxy.text} without setting "
                f"{', '.join(missing)}", loc.proxy.span, key=f"{label} {loc.modifier}{loc.path}")
