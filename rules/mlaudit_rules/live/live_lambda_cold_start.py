"""Live ML Lambda function has no provisioned concurrency

## What it flags
A Lambda function that is heavy to start (its layers carry an ML framework such as
PyTorch, TensorFlow, ONNX Runtime, scikit-learn or XGBoost; or its zip and layers weigh
50 MiB or more; or its container image 1 GiB or more) and that has no provisioned
concurrency on any version or alias.

Not flagged: small functions; functions with provisioned concurrency; functions whose
provisioned concurrency could not be read (a notice names the permission).

## Why it matters
A cold start of such a function imports the framework and loads the model: many seconds,
during which the request waits or times out behind an API gateway's 29-second limit.
Every scale-out and every deployment causes cold starts.

## How to fix
Configure provisioned concurrency on the alias that serves traffic (and scale it with
Application Auto Scaling), or move the model to a container service or a SageMaker
endpoint.

## Example
```text
predict: layer torch-2-1, no provisioned concurrency
```

```text
predict: layer torch-2-1, alias live with provisioned concurrency 2
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._lambda import ml_reason
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA810",
    name="live-lambda-cold-start",
    title="Live ML Lambda function has no provisioned concurrency",
    severity=Severity.MEDIUM,
    category=Category.SERVERLESS,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "aws", "lambda", "cold-start"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for function in state.facts.functions:
        reason = ml_reason(function)
        if reason is None or function.provisioned_concurrency is not False:
            continue
        yield report(ctx, state, f"Lambda function {function.name} ({function.region}) has no "
                     f"provisioned concurrency, and {reason}: every cold start loads it",
                     function.arn, function.name)
