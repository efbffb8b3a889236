"""Lambda with a heavy ML stack has no provisioned concurrency

## What it flags
An AWS Lambda function (Terraform `aws_lambda_function`, SAM
`AWS::Serverless::Function`, a Serverless Framework function) that callers wait on,
whose package depends on a heavy framework (torch, tensorflow, jax, transformers,
sentence-transformers, diffusers, onnxruntime-gpu and the like: one list,
`HEAVY_ML_PACKAGES`, shared by every rule; found in a requirements file or
`pyproject.toml` in its code directory, or a `pip install` in its image's Dockerfile,
directly or through a requirements file it copies in), ships model files larger than
`model-file-min-bytes` (default 50 MB), or loads a model from an EFS file system mounted
into it (Terraform `file_system_config`, SAM `FileSystemConfigs`: a model load in its code
whose path starts with the `local_mount_path`, or, for a path built from a constant or an
environment default, in a module that names the mount path), and has no provisioned
concurrency
(`aws_lambda_provisioned_concurrency_config` on the function or an alias, SAM
`ProvisionedConcurrencyConfig`, Serverless `provisionedConcurrency`).

"Callers wait on" means a synchronous entry point is declared: a SAM `Api`/`HttpApi`
event, a Serverless `http`/`httpApi`/`alb` event, a function URL, or in Terraform an API
Gateway integration, a load balancer target attachment, a function URL, or an invoke
permission for API Gateway or Elastic Load Balancing that refers to the function.

Not flagged: light dependencies (scikit-learn, xgboost, lightgbm, catboost, pandas, numpy,
onnxruntime: import plus a typical model load takes about a second); EFS mounted for
data only (no model load reads from the mount); a function with no
known synchronous entry (queue, stream, schedule or SDK invocations only: a cold start
delays work nobody waits on, and provisioned concurrency would be a standing cost for
nothing); a function with provisioned concurrency; a function whose code cannot be
located (a prebuilt zip, an S3 object, an image not built in the repository): cannot tell.

A Terraform image function's Dockerfile is the image built and pushed under the name of
the ECR repository its `image_uri` refers to (a workflow's `docker build -t`, a build
action's tags); failing that, when the repository has one image function and one
Dockerfile built for Lambda (an AWS Lambda base image, or `awslambdaric` installed), that
one. SAM image functions name theirs in `Metadata` (`DockerContext`, `Dockerfile`).

## Why it matters
Every new execution environment imports the framework and loads the weights before it
answers: a cold start of several seconds up to a minute. Lambda starts new environments on
every scale-out and after idle periods, so users see those stalls and API Gateway's 29 s
limit turns them into errors.

## How to fix
Configure provisioned concurrency on an alias (or SnapStart where the runtime supports
it), or serve the model from a container service that stays warm.

## Example
```yaml
Resources:
  Embed:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: embed/          # embed/requirements.txt: sentence-transformers
      Handler: app.handler
      Events:
        Embed:
          Type: HttpApi
```

```yaml
Resources:
  Embed:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: embed/
      Handler: app.handler
      AutoPublishAlias: live
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 2
      Events:
        Embed:
          Type: HttpApi
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit_rules.python._lambda import heavy_evidence, lambda_functions

RULE = Rule(
    id="MLA705", name="lambda-heavy-model",
    title="Lambda with a heavy ML stack has no provisioned concurrency",
    severity=Severity.HIGH, category=Category.SERVERLESS, target=Deployment,
    # By name: a Terraform-only scan never imports the SAM/Serverless model.
    requires=("mlaudit.models.functions.ServerlessApp", "mlaudit.models.terraform.TerraformModule"),
    kind=Kind.RELIABILITY, confidence=Confidence.MEDIUM, tags=("lambda", "cold-start"),
    options={"model-file-min-bytes": 50 * 1024 * 1024}, docs=__doc__ or "",
)


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    for fn in lambda_functions(deployment):
        if fn.provisioned is not False:  # configured, or cannot tell
            continue
        if fn.sync_entry is None:  # nobody is known to wait on a cold start
            continue
        evidence = heavy_evidence(deployment, fn, int(ctx.option("model-file-min-bytes")))
        if not evidence:
            continue
        facts = "; ".join(note for _, note in evidence[:3])
        entry_span, entry = fn.sync_entry
        yield ctx.finding(
            f"Lambda function {fn.name} has no provisioned concurrency but packages a heavy "
            f"model stack ({facts}) and is called synchronously ({entry}): every cold start "
            "imports it and loads the weights while the caller waits, seconds to a minute "
            "per new environment", fn.span, related=[*evidence, (entry_span, entry)],
            key=fn.key)
