"""Live SageMaker endpoint runs one instance with no autoscaling

## What it flags
A SageMaker real-time endpoint whose production variant runs on one instance and has no
scalable target registered in Application Auto Scaling.

Not flagged: serverless variants; variants with two or more instances; variants with a
scalable target; endpoints whose scaling could not be read (a notice says so).

## Why it matters
One instance is one Availability Zone and no headroom: an instance failure, a host
maintenance or a traffic spike takes the model offline, and nothing adds capacity.

## How to fix
Run at least two instances for production traffic and register the variant as a scalable
target with a policy on `SageMakerVariantInvocationsPerInstance`.

## Example
```text
endpoint churn-model, variant AllTraffic: 1 x ml.m5.xlarge, no scalable target
```

```text
endpoint churn-model, variant AllTraffic: 2 x ml.m5.xlarge, scalable target 2-6
```

## References
- https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, report

RULE = Rule(
    id="MLA813",
    name="live-sagemaker-single-instance",
    title="Live SageMaker endpoint runs one instance with no autoscaling",
    severity=Severity.MEDIUM,
    category=Category.SCALING,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "aws", "sagemaker", "autoscaling"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    for endpoint in state.facts.endpoints:
        if endpoint.scalable_variants is None:
            continue
        for variant in endpoint.variants:
            count = variant.current_count if variant.current_count is not None \
                else variant.desired_count
            if variant.serverless_memory is not None or count != 1:
                continue
            if variant.name in endpoint.scalable_variants:
                continue
            yield report(ctx, state, f"SageMaker endpoint {endpoint.name} ({endpoint.region}): "
                         f"variant {variant.name} runs 1 x {variant.instance_type or 'instance'}"
                         " with no scalable target", endpoint.arn, endpoint.name)
