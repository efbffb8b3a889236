"""Live load balancer serves plain HTTP instead of redirecting to HTTPS

## What it flags
An HTTP listener of an application load balancer whose default action forwards to a
target group (or answers with a fixed response) instead of redirecting.

Not flagged: HTTP listeners whose default action is a redirect; HTTPS listeners.

## Why it matters
Inference requests and their answers (often personal data, API tokens in headers) cross
the internet in clear text, and clients that started on `http://` never move to TLS.

## How to fix
Make the HTTP listener's default action a `redirect` to HTTPS with status `HTTP_301`, and
forward only from the HTTPS listener.

## Example
```text
listener 80/HTTP: forward -> api
```

```text
listener 80/HTTP: redirect -> https://#{host}:443/#{path}?#{query} (HTTP_301)
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA808",
    name="live-listener-http-forward",
    title="Live load balancer serves plain HTTP instead of redirecting to HTTPS",
    severity=Severity.MEDIUM,
    category=Category.EDGE,
    target=LiveState,
    kind=Kind.SECURITY,
    tags=("live", "aws", "load-balancer", "tls"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for listener in state.facts.listeners:
        if listener.protocol.upper() != "HTTP" or "redirect" in listener.actions:
            continue
        if not {"forward", "fixed-response"} & set(listener.actions):
            continue
        action = "/".join(listener.actions)
        yield report(ctx, state, f"load balancer {listener.load_balancer} ({listener.region}):"
                     f" HTTP listener on {listener.port} answers with {action} instead of "
                     "redirecting to HTTPS", listener.arn)
