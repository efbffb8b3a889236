"""nginx serves the API over plain HTTP and nothing terminates TLS

## What it flags
An nginx `server` listening on port 80 (or with no `listen`, which means 80) that proxies
(`proxy_pass`, `grpc_pass`, `uwsgi_pass`, `fastcgi_pass`) or serves files (`root`,
`alias`, `try_files`) instead of redirecting to HTTPS, when no nginx file of the
repository defines a TLS server (`listen 443 ssl`, `quic`, `ssl on`, also in a snippet a
server includes) and no load balancer
listener in the repository's Terraform speaks HTTPS/TLS. The finding sits on the
`listen` line.

Not flagged: a port-80 server whose only job is the redirect (`return 301 https://...`,
`rewrite ^ https://... permanent`, at server level or in `location /`, ACME challenge
locations allowed); a repository where another server or an HTTPS load balancer listener
terminates TLS, also through a file a server `include`s (a snippet holding
`listen 443 ssl` or `ssl_certificate`, read even when it is not a whole nginx config);
servers listening only on 127.0.0.1 or a unix socket (internal);
nginx configs of a SageMaker serving container that nothing else in the repository runs
(SageMaker's HTTPS endpoint, with SigV4 auth, throttling and TLS, is the edge; that
nginx only relays /ping and /invocations inside the container).

## Why it matters
Inference requests carry user data and API keys. Without TLS anyone on the path reads
and rewrites them, and a bearer token sent once in clear is compromised for good.

## How to fix
Terminate TLS in nginx (or in a load balancer in front of it) and turn port 80 into a
redirect.

## Example
```nginx
server {
    listen 80;
    location / { proxy_pass http://api:8000; }
}
```

```nginx
server {
    listen 80;
    return 301 https://$host$request_uri;
}
server {
    listen 443 ssl;
    ssl_certificate     /etc/ssl/api.crt;
    ssl_certificate_key /etc/ssl/api.key;
    location / { proxy_pass http://api:8000; }
}
```

## References
- https://nginx.org/en/docs/http/configuring_https_servers.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.nginx import NginxConfig, Server, include_matches
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.edge._nginx import (
    behind_sagemaker_endpoint,
    configs_of,
    is_internal,
    server_label,
)

RULE = Rule(
    id="MLA501",
    name="nginx-tls-missing",
    title="nginx serves the API over plain HTTP and nothing terminates TLS",
    severity=Severity.HIGH,
    category=Category.EDGE,
    target=NginxConfig,
    kind=Kind.SECURITY,
    tags=("nginx", "tls"),
    docs=__doc__ or "",
)

_SERVES = ("root", "alias", "try_files")


def _tls(server: Server) -> bool:
    return server.ssl or any(d.name == "ssl" and d.args[:1] == ("on",)
                             for d in server.directives)


def _tls_snippet(config: NginxConfig) -> bool:
    """A file of server-level directives for `include` (`listen 443 ssl;` at its top
    level, where nginx only accepts it inside a server): its TLS is the including
    server's."""
    return any((d.name == "listen" and {"ssl", "quic"} & set(d.args[1:]))
               or (d.name == "ssl" and d.args[:1] == ("on",)) for d in config.directives)


def _redirects(server: Server) -> bool:
    if any(r.redirects_to_https for r in server.returns):
        return True
    return any(loc.path == "/" and loc.modifier in ("", "=", "^~")
               and any(r.redirects_to_https for r in loc.returns) for loc in server.locations)


def _what_it_serves(server: Server) -> str | None:
    for loc in server.all_locations():
        if loc.proxy is not None:
            return f"proxies {loc.path} to {loc.proxy.text}"
    levels = [server.directives, *(loc.directives for loc in server.all_locations())]
    if any(d.name in _SERVES for ds in levels for d in ds):
        return "serves files"
    return None


def _tls_load_balancer(ctx: RuleContext) -> bool:
    terraform: Any = getattr(ctx.deployment, "terraform", None)
    if terraform is None:
        return False
    memo = getattr(ctx.deployment, "memo", None)
    if memo is not None:  # asked per config: once per scan
        return bool(memo("tls-load-balancer", lambda: _any_tls_listener(terraform)))
    return _any_tls_listener(terraform)


def _any_tls_listener(terraform: Any) -> bool:
    for res in terraform.resources("aws_"):
        if res.type in ("aws_lb_listener", "aws_alb_listener") and (
                res.get("protocol") in ("HTTPS", "TLS") or res.has("certificate_arn")):
            return True
    return False


# What the repository-wide TLS answer is read from: nginx files, snippets they include
# (any text file), Terraform load balancer listeners and the variables that set them.
_FACT_KINDS = ("nginx", "text", "yaml", "terraform", "terraform-json", "tfvars")

_TLS_LINE = re.compile(r"^\s*(?:listen\s[^;#]*\bssl\b|ssl_certificate\s)", re.MULTILINE)


def _tls_included(ctx: RuleContext, configs: list[NginxConfig]) -> bool:
    """A file some server includes turns TLS on (`include snippets/ssl.conf;`)."""
    if ctx.deployment is None:
        return False
    project = ctx.deployment.project
    patterns = {i.pattern for c in configs for i in c.includes if i.context == "server"}
    for pattern in patterns:
        for source in project.files:
            if include_matches(pattern, source.path):
                text = project.read_text(source.path)
                if text is not None and _TLS_LINE.search(text):
                    return True
    return False


@RULE.check
def check(config: NginxConfig, ctx: RuleContext) -> Iterator[Finding]:
    if behind_sagemaker_endpoint(ctx, config):
        return  # SageMaker's endpoint is the edge; this nginx is internal
    repository = configs_of(ctx)
    configs = repository or [config]

    def terminated() -> bool:
        return any(_tls(s) for c in configs for s in c.servers) or _tls_load_balancer(ctx) \
            or any(_tls_snippet(c) for c in configs)
    # The same for every config of the repository: once per scan (quadratic otherwise).
    if (ctx.deployment.repository_fact("MLA501.tls-terminated", _FACT_KINDS, terminated)
            if repository and ctx.deployment is not None else terminated()) or \
            (ctx.deployment is not None and ctx.deployment.repository_fact(
                "MLA501.tls-included", _FACT_KINDS, lambda: _tls_included(ctx, configs))):
        return
    for server in config.servers:
        if server.stream or is_internal(server) or _redirects(server):
            continue
        plain = [x for x in server.listens if x.port == 80 and not x.ssl and x.unix is None
                 and not x.loopback_only]
        serves = _what_it_serves(server)
        if not plain or serves is None:
            continue
        listen = plain[0]
        yield ctx.finding(
            f"nginx server {server_label(server)} {serves} over plain HTTP on :80 without "
            "redirecting to HTTPS, and no server in the repository terminates TLS",
            listen.span or server.span, key=f"{server_label(server)}")
