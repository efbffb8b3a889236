"""SageMaker endpoint variant runs one instance and nothing scales it

## What it flags
A real-time SageMaker endpoint variant whose instance count is 1 (Terraform
`initial_instance_count`, CloudFormation `InitialInstanceCount`, the SDK's
`deploy(initial_instance_count=1, ...)` in a deploy script or notebook) and that no
Application Auto Scaling target in the `sagemaker` namespace (`resource_id =
"endpoint/<name>/variant/<variant>"`, read through `${aws_sagemaker_endpoint.x.name}`,
variables, locals, `!Sub`/`!Join`, or `register_scalable_target` in code) scales with an
attached policy. A target without a policy is reported too (its count never changes).

Not flagged: serverless variants (SageMaker scales them); counts above 1; counts that
cannot be read; endpoints when any sagemaker scaling target or policy of the same scope
names an endpoint that cannot be resolved (it may be this one).

Endpoints the deploying code deletes again (`predictor.delete_endpoint()`, a
`delete_endpoint` naming it) are temporary and never flagged.

## Why it matters
One instance is one failure domain: an instance replacement, an AZ event or a deploy of
the endpoint stops inference, and a traffic peak queues or throttles requests
(`ModelError`/429) with nothing to add capacity.

## How to fix
Run at least two instances, and register the variant as a scalable target with a
target-tracking policy on `SageMakerVariantInvocationsPerInstance`.

## Example
```hcl
resource "aws_sagemaker_endpoint_configuration" "api" {
  production_variants {
    variant_name           = "AllTraffic"
    model_name             = aws_sagemaker_model.api.name
    initial_instance_count = 1
    instance_type          = "ml.m5.xlarge"
  }
}
```

```hcl
resource "aws_appautoscaling_target" "api" {
  service_namespace  = "sagemaker"
  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"
  resource_id        = "endpoint/${aws_sagemaker_endpoint.api.name}/variant/AllTraffic"
  min_capacity       = 2
  max_capacity       = 6
}
resource "aws_appautoscaling_policy" "api" {
  name               = "invocations"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = "sagemaker"
  resource_id        = aws_appautoscaling_target.api.resource_id
  scalable_dimension = aws_appautoscaling_target.api.scalable_dimension
  target_tracking_scaling_policy_configuration {
    target_value = 70
    predefined_metric_specification {
      predefined_metric_type = "SageMakerVariantInvocationsPerInstance"
    }
  }
}
```

## References
- https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.sagemaker import SageMakerEndpoint
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._sagemaker import describe

RULE = Rule(
    id="MLA350",
    name="sagemaker-endpoint-single-instance",
    title="SageMaker endpoint variant runs one instance and nothing scales it",
    severity=Severity.MEDIUM,
    category=Category.SCALING,
    target=SageMakerEndpoint,
    kind=Kind.RELIABILITY,
    tags=("sagemaker", "aws", "autoscaling"),
    docs=__doc__ or "",
)


@RULE.check
def check(endpoint: SageMakerEndpoint, ctx: RuleContext) -> Iterator[Finding]:
    if endpoint.temporary:
        return  # deleted by the code that deploys it: a tutorial's or a test's endpoint
    if endpoint.scaling_unknown:
        return
    for variant in endpoint.variants:
        if variant.serverless or variant.instance_count != 1:
            continue
        if variant.name in endpoint.scaled:
            continue
        targets = [span for name, span in endpoint.scaling_spans if name == variant.name]
        what = "its scalable target has no scaling policy" if targets else \
            "no scalable target with a policy scales it"
        kind = f" ({variant.instance_type})" if variant.instance_type else ""
        yield ctx.finding(
            f"{describe(endpoint)} variant {variant.name} runs 1 instance{kind} and {what}: "
            "one instance failure or a traffic peak stops inference",
            variant.count_span or variant.span,
            related=[(s, "the scalable target") for s in targets],
            key=f"{endpoint.key}/{variant.name}")
