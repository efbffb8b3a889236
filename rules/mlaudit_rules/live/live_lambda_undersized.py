"""Live ML Lambda function has too little memory or too short a timeout

## What it flags
A Lambda function that is heavy to start (ML framework layers, a package of 50 MiB or
more, or a large image) with less than 2048 MB of memory (Lambda's CPU share grows with
memory) or a timeout under 30 seconds.

Not flagged: functions that are not heavy to start, whatever their settings.

## Why it matters
Importing a framework and loading a model on a fraction of a vCPU takes many seconds: the
first requests after every cold start time out, and the retries cause more cold starts.

## How to fix
Give such a function at least 2048 MB (more CPU with it) and a timeout that covers a cold
start plus inference; measure with the function's `Init Duration`.

## Example
```text
predict: layer torch-2-1, MemorySize 512, Timeout 10
```

```text
predict: layer torch-2-1, MemorySize 3008, Timeout 60
```
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
    id="MLA811",
    name="live-lambda-undersized",
    title="Live ML Lambda function has too little memory or too short a timeout",
    severity=Severity.LOW,
    category=Category.SERVERLESS,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "aws", "lambda"),
    roles=LIVE_ROLES,
    options={"min_memory_mb": 2048, "min_timeout_s": 30},
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    memory_floor = int(ctx.option("min_memory_mb"))
    timeout_floor = int(ctx.option("min_timeout_s"))
    for function in state.facts.functions:
        reason = ml_reason(function)
        if reason is None:
            continue
        short = []
        if function.memory < memory_floor:
            short.append(f"memory {function.memory} MB (< {memory_floor})")
        if function.timeout < timeout_floor:
            short.append(f"timeout {function.timeout} s (< {timeout_floor})")
        if short:
            yield report(ctx, state, f"Lambda function {function.name} ({function.region}): "
                         f"{' and '.join(short)}, while {reason}", function.arn, function.name)
