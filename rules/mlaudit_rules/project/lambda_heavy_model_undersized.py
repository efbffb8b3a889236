"""Lambda with a heavy ML stack has too little memory or too short a timeout

## What it flags
A Lambda function that packages a heavy ML stack (the evidence MLA705 uses: torch,
tensorflow, transformers and similar in its requirements or image, large model files, or
a model loaded from an EFS file system mounted into the function)
with memory below its floor or a timeout below `timeout-min-seconds` (default 30 s). An
unset value counts as Lambda's default (128 MB, 3 s) and is reported on the function.

The memory floor is `memory-min-mb` (default 1024 MB) plus `model-memory-factor`
(default 2) times the size of the model files known to ship with the function (under a
zip function's code directory or an image's Dockerfile directory). Why 1024 MB: importing
torch or TensorFlow alone leaves a process of roughly 300-600 MB, and Lambda gives CPU in
proportion to memory (one full vCPU at 1769 MB), so below 1 GB there is little room left
for the weights and the import crawls on a fraction of a core. Why twice the model files:
loading reads the file and builds the tensors, so the peak holds about two copies. A model
fetched at run time (S3, a hub) or read from EFS is not known and adds nothing: the floor
is a lower bound.

Not flagged: a heavy function with enough memory and time (TensorFlow serving a small
model at 1536 MB, 120 s); light functions (scikit-learn, xgboost, lightgbm); values that
cannot be resolved (a variable without a default, `!Ref`); EFS mounted for data only.

## Why it matters
Lambda allocates CPU in proportion to memory: at 128-1024 MB importing torch and loading
weights takes many seconds, or the process is killed for running out of memory. A 3 s
timeout ends most cold starts before the model has loaded, so the first request after
every scale-out fails.

## How to fix
Give the function at least 1 GB plus about twice its model's size (more for speed: CPU
grows with memory) and a timeout that covers a cold start.

## Example
```hcl
resource "aws_lambda_function" "embed" {
  filename = data.archive_file.embed.output_path # requirements.txt: torch
  handler  = "app.handler"
  runtime  = "python3.12"
}
```

```hcl
resource "aws_lambda_function" "embed" {
  filename    = data.archive_file.embed.output_path
  handler     = "app.handler"
  runtime     = "python3.12"
  memory_size = 2048
  timeout     = 60
}
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit_rules.python._lambda import heavy_evidence, lambda_functions, model_bytes

RULE = Rule(
    id="MLA706", name="lambda-heavy-model-undersized",
    title="Lambda with a heavy ML stack has too little memory or too short a timeout",
    severity=Severity.MEDIUM, category=Category.SERVERLESS, target=Deployment,
    # By name: a Terraform-only scan never imports the SAM/Serverless model.
    requires=("mlaudit.models.functions.ServerlessApp", "mlaudit.models.terraform.TerraformModule"),
    kind=Kind.RELIABILITY, confidence=Confidence.MEDIUM, tags=("lambda", "cold-start"),
    options={"memory-min-mb": 1024, "model-memory-factor": 2, "timeout-min-seconds": 30,
             "model-file-min-bytes": 50 * 1024 * 1024},
    docs=__doc__ or "",
)
# What Lambda uses when the configuration leaves a value out.
_DEFAULT_MEMORY_MB, _DEFAULT_TIMEOUT_S = 128, 3


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    base_floor = int(ctx.option("memory-min-mb"))
    factor = float(ctx.option("model-memory-factor"))
    timeout_floor = int(ctx.option("timeout-min-seconds"))
    for fn in lambda_functions(deployment):
        evidence = heavy_evidence(deployment, fn, int(ctx.option("model-file-min-bytes")))
        if not evidence:
            continue
        what = evidence[0][1]
        model_mb = math.ceil(model_bytes(deployment, fn) / (1024 * 1024))
        memory_floor = base_floor + math.ceil(factor * model_mb)
        floor_why = f" ({base_floor} MB + {factor:g} x {model_mb} MB of model files)" \
            if memory_floor > base_floor else ""
        memory = fn.memory if fn.memory is not None else _DEFAULT_MEMORY_MB
        if not fn.memory_unknown and memory < memory_floor:
            said = "" if fn.memory is not None else " (unset: Lambda's default)"
            yield ctx.finding(
                f"Lambda function {fn.name} has {memory} MB of memory{said} but packages a "
                f"heavy model stack ({what}); below {memory_floor} MB{floor_why} it loads "
                "slowly or runs out of memory", fn.memory_span or fn.span, related=evidence,
                key=f"{fn.key}:memory")
        timeout = fn.timeout if fn.timeout is not None else _DEFAULT_TIMEOUT_S
        if not fn.timeout_unknown and timeout < timeout_floor:
            said = "" if fn.timeout is not None else " (unset: Lambda's default)"
            yield ctx.finding(
                f"Lambda function {fn.name} has a {timeout} s timeout{said} but packages a "
                f"heavy model stack ({what}); a cold start needs more than {timeout_floor} s "
                "to import it and load the weights", fn.timeout_span or fn.span,
                related=evidence, key=f"{fn.key}:timeout")
