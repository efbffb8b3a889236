"""nginx announces its version (server_tokens on)

## What it flags
`server_tokens on` (or `build`) anywhere: the finding sits on that directive. And a main
`nginx.conf` whose `http {}` block leaves `server_tokens` unset (the default is `on`):
the finding sits on the `http` line, once per file.

Not flagged: `server_tokens off` at http level, or in every server of the file; a setting brought in
by an included file of the repository; a conf.d snippet holding only `server {}` blocks
(the http block lives in a main nginx.conf elsewhere: cannot tell); an http-level include
that can be neither resolved nor recognised (it may set it);
nginx configs of a SageMaker serving container that nothing else in the repository runs
(SageMaker's HTTPS endpoint, with SigV4 auth, throttling and TLS, is the edge; that
nginx only relays /ping and /invocations inside the container).

## Why it matters
The version in every `Server` header and error page tells scanners which CVEs to try.
Hiding it costs nothing.

## How to fix
Set `server_tokens off;` in the http block.

## Example
```nginx
http {
    server { listen 80; location / { proxy_pass http://api:8000; } }
}
```

```nginx
http {
    server_tokens off;
    server { listen 80; location / { proxy_pass http://api:8000; } }
}
```

## References
- https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.nginx import Directive, NginxConfig
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.edge._nginx import behind_sagemaker_endpoint, configs_of, http_directives

RULE = Rule(
    id="MLA507",
    name="nginx-server-tokens-on",
    title="nginx announces its version (server_tokens on)",
    severity=Severity.LOW,
    category=Category.EDGE,
    target=NginxConfig,
    kind=Kind.SECURITY,
    tags=("nginx", "hardening"),
    docs=__doc__ or "",
)


@RULE.check
def check(config: NginxConfig, ctx: RuleContext) -> Iterator[Finding]:
    if behind_sagemaker_endpoint(ctx, config):
        return  # SageMaker's endpoint is the edge; this nginx is internal
    explicit: dict[int, Span] = {}
    candidates: list[Directive] = list(config.directives)
    for server in config.servers:
        candidates.extend(server.directives)
        candidates.extend(d for loc in server.all_locations() for d in loc.directives)
    if config.http_server_tokens is not None and config.http_server_tokens.value in ("on",
                                                                                     "build"):
        explicit[config.http_server_tokens.span.line] = config.http_server_tokens.span
    for d in candidates:
        if d.name == "server_tokens" and d.args[:1] in (("on",), ("build",)):
            explicit[d.span.line] = d.span
    for line in sorted(explicit):
        yield ctx.finding("server_tokens on: nginx sends its version in every response "
                          "header and error page", explicit[line], key="server_tokens on")
    http = next((d for d in config.directives if d.name == "http"), None)
    if http is None or config.http_server_tokens is not None:
        return  # a snippet without http {}: the main config is elsewhere (cannot tell)
    extra = http_directives(config, configs_of(ctx))
    if extra.unknown or any(d.name == "server_tokens" for d in extra.directives):
        return
    if config.servers and all(s.server_tokens is not None for s in config.servers):
        return  # every server sets its own (reported above when "on")
    yield ctx.finding("http block leaves server_tokens unset (default on): nginx sends its "
                      "version in every response header and error page", http.span,
                      key="http server_tokens unset")
