"""Live SageMaker serverless endpoint has too little memory for its model

## What it flags
A serverless variant of a SageMaker endpoint with less memory than its model needs: less
than 2048 MB (option `min_memory_mb`) in any case, or less than three times the model
artifact's size when the facts carry it (a recorded run may; a live run does not read the
artifact, so the floor applies).

Not flagged: instance-backed variants; serverless variants at or above the floor.

## Why it matters
A serverless endpoint gets CPU in proportion to its memory and must fit the framework,
the unpacked model and the request in it: too little memory means out-of-memory failures
and minute-long cold starts.

## How to fix
Raise `MemorySizeInMB` (up to 6144), or move the model to an instance-backed variant.

## Example
```text
ServerlessConfig: MemorySizeInMB 1024
```

```text
ServerlessConfig: MemorySizeInMB 4096
```

## References
- https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA814",
    name="live-sagemaker-serverless-memory-low",
    title="Live SageMaker serverless endpoint has too little memory for its model",
    severity=Severity.MEDIUM,
    category=Category.SERVERLESS,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "aws", "sagemaker", "serverless"),
    roles=LIVE_ROLES,
    options={"min_memory_mb": 2048},
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    floor = int(ctx.option("min_memory_mb"))
    for endpoint in state.facts.endpoints:
        for variant in endpoint.variants:
            memory = variant.serverless_memory
            if memory is None:
                continue
            need = floor
            why = f"below {floor} MB"
            if variant.model_size:
                by_model = 3 * variant.model_size // (1024 * 1024)
                if by_model > need:
                    need, why = by_model, f"below 3x its {variant.model_size // 2**20} MiB model"
            if memory < need:
                yield report(ctx, state, f"SageMaker endpoint {endpoint.name} "
                             f"({endpoint.region}): serverless variant {variant.name} has "
                             f"{memory} MB, {why}", endpoint.arn, endpoint.name)
