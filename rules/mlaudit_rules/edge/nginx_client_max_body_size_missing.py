"""nginx keeps the 1 MB body limit in front of an inference or upload endpoint

## What it flags
A `location` that proxies to an app server at an upload or inference path (`/predict`,
`/infer`, `/invocations`, `/generate`, `/embed`, `/upload`, `/v1/...`, or `/` itself) with
no `client_max_body_size` in effect: none in the location, its server, the http block,
an included file of the repository, or the main nginx.conf that includes a conf.d
snippet. The finding sits on the `location` line.

Not flagged: any explicit `client_max_body_size` in effect (also a small one: that is a
choice); static or other paths; an include that can be neither resolved nor recognised;
a conf.d snippet whose including nginx.conf may set it at http level (cannot tell);
nginx configs of a SageMaker serving container that nothing else in the repository runs
(SageMaker's HTTPS endpoint, with SigV4 auth, throttling and TLS, is the edge; that
nginx only relays /ping and /invocations inside the container).

## Why it matters
nginx rejects bodies over 1 MB with `413 Request Entity Too Large` before the app sees
them. A base64 image, an audio clip or a batch of embeddings passes every local test
against the app and fails in production behind the proxy.

## How to fix
Set the limit the endpoint really needs, where it is proxied.

## Example
```nginx
location /predict {
    proxy_pass http://api:8000;
}
```

```nginx
location /predict {
    client_max_body_size 20m;
    proxy_pass http://api:8000;
}
```

## References
- https://nginx.org/en/docs/http/ngx_http_core_module.html#client_max_body_size
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.nginx import NginxConfig
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.edge._nginx import (
    behind_sagemaker_endpoint,
    configs_of,
    http_directives,
    http_parents,
    pulled,
    server_label,
)

RULE = Rule(
    id="MLA508",
    name="nginx-client-max-body-size-missing",
    title="nginx keeps the 1 MB body limit in front of an inference or upload endpoint",
    severity=Severity.INFO,
    category=Category.EDGE,
    target=NginxConfig,
    kind=Kind.RELIABILITY,
    tags=("nginx", "inference"),
    docs=__doc__ or "",
)

_PAYLOAD_PATH = re.compile(
    r"(?:^|/|\b)(?:predict\w*|infer\w*|invocations|generate|completions|embed\w*|upload\w*"
    r"|classify|detect|transcribe\w*|score|v\d+)(?:$|/|\b)", re.I)
_NAME = "client_max_body_size"


def _http_unset(config: NginxConfig, configs: list[NginxConfig]) -> bool:
    """True when the http level provably sets no limit (a file's own http level is
    already folded into its locations' effective value)."""
    for parent in http_parents(config, configs):
        extra = http_directives(parent, configs)
        if extra.unknown or any(d.name == _NAME for d in extra.directives):
            return False
        # A server of the parent inheriting nothing proves its http level sets nothing.
        if parent is not config and not any(s.client_max_body_size is None
                                            for s in parent.servers):
            return False
    return True


@RULE.check
def check(config: NginxConfig, ctx: RuleContext) -> Iterator[Finding]:
    if behind_sagemaker_endpoint(ctx, config):
        return  # SageMaker's endpoint is the edge; this nginx is internal
    configs = configs_of(ctx) or [config]
    if not _http_unset(config, configs):
        return
    for server in config.servers:
        if server.stream:
            continue
        for loc in server.all_locations():
            if loc.proxy is None or loc.client_max_body_size is not None:
                continue
            if loc.path != "/" and not _PAYLOAD_PATH.search(loc.path):
                continue
            extra = pulled((*loc.directives, *server.directives), configs, config.path)
            if extra.unknown or any(d.name == _NAME for d in extra.directives):
                continue
            yield ctx.finding(
                f"location {loc.path} proxies to {loc.proxy.text} with nginx's default "
                "client_max_body_size of 1m: larger images, audio or batches get 413",
                loc.span, key=f"{server_label(server)} {loc.modifier}{loc.path}")
