"""Live Lambda function URL needs no authentication

## What it flags
A Lambda function with a function URL whose `AuthType` is `NONE`.

Not flagged: function URLs with `AWS_IAM`; functions without a URL.

## Why it matters
Anyone on the internet can call the function: for a model that means free inference on
your bill, scraping of the model's behaviour, and a denial-of-wallet vector with no
throttling in front of it.

## How to fix
Set `AuthType` to `AWS_IAM` and call the URL with SigV4, or put the function behind API
Gateway or CloudFront with authentication and rate limits.

## Example
```text
FunctionUrlConfig: AuthType NONE
```

```text
FunctionUrlConfig: AuthType AWS_IAM
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA812",
    name="live-lambda-url-unauthenticated",
    title="Live Lambda function URL needs no authentication",
    severity=Severity.HIGH,
    category=Category.EXPOSURE,
    target=LiveState,
    kind=Kind.SECURITY,
    tags=("live", "aws", "lambda", "auth"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for function in state.facts.functions:
        if function.url_auth == "NONE":
            yield report(ctx, state, f"Lambda function {function.name} ({function.region}) has "
                         "a function URL with AuthType NONE: anyone can invoke it",
                         function.arn, function.name)
