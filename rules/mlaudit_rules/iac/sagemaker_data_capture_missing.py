"""Production SageMaker endpoint captures no data

## What it flags
A real-time SageMaker endpoint declared for deployment (Terraform, a CloudFormation/SAM
template or a deploy script) with no data capture: no `data_capture_config` block,
no `DataCaptureConfig`, no `data_capture_config=DataCaptureConfig(...)` in `deploy()`, or
one with capture disabled. The finding sits on the endpoint.

Not flagged: serverless endpoints (they do not support data capture); endpoints deployed
from a notebook (experiments); endpoints whose name or directory says they are not
production (dev, test, staging, sandbox, demo, benchmark); a configuration that cannot
be read.

Endpoints the deploying code deletes again (`predictor.delete_endpoint()`, a
`delete_endpoint` naming it) are temporary and never flagged.

## Why it matters
Without captured requests and responses there is nothing for Model Monitor to compare
with the training baseline: data drift and quality regressions of the model go unseen
until users report them, and incidents cannot be replayed.

## How to fix
Enable data capture (a sampling percentage is enough) to an S3 prefix, and schedule a
Model Monitor job on it.

## Example
```hcl
resource "aws_sagemaker_endpoint_configuration" "api" {
  production_variants {
    variant_name           = "AllTraffic"
    model_name             = aws_sagemaker_model.api.name
    initial_instance_count = 2
    instance_type          = "ml.m5.xlarge"
  }
}
```

```hcl
resource "aws_sagemaker_endpoint_configuration" "api" {
  production_variants {
    variant_name           = "AllTraffic"
    model_name             = aws_sagemaker_model.api.name
    initial_instance_count = 2
    instance_type          = "ml.m5.xlarge"
  }
  data_capture_config {
    initial_sampling_percentage = 20
    destination_s3_uri          = "s3://ml-capture/api"
    capture_options { capture_mode = "Input" }
    capture_options { capture_mode = "Output" }
  }
}
```

## References
- https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.sagemaker import SageMakerEndpoint
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._sagemaker import describe, non_production

RULE = Rule(
    id="MLA353",
    name="sagemaker-data-capture-missing",
    title="Production SageMaker endpoint captures no data",
    severity=Severity.LOW,
    category=Category.DRIFT,
    target=SageMakerEndpoint,
    kind=Kind.RELIABILITY,
    tags=("sagemaker", "aws", "monitoring"),
    docs=__doc__ or "",
)


@RULE.check
def check(endpoint: SageMakerEndpoint, ctx: RuleContext) -> Iterator[Finding]:
    if endpoint.temporary:
        return  # deleted by the code that deploys it: a tutorial's or a test's endpoint
    if endpoint.source == "notebook" or endpoint.data_capture is not False:
        return
    real_time = [v for v in endpoint.variants if not v.serverless]
    if not real_time or non_production(endpoint):
        return
    said = " (disabled)" if endpoint.data_capture_span is not None else ""
    yield ctx.finding(
        f"{describe(endpoint)} captures no requests or responses{said}: Model Monitor has "
        "nothing to detect drift on", endpoint.data_capture_span or endpoint.span,
        key=endpoint.key)
