"""Serverless SageMaker endpoint cold-starts a heavy model

## What it flags
A serverless SageMaker variant (Terraform `serverless_config`, CloudFormation
`ServerlessConfig`, the SDK's `serverless_inference_config=ServerlessInferenceConfig(...)`)
with no provisioned concurrency, serving a model the repository shows to be heavy (a
Hugging Face, PyTorch, TensorFlow, DJL or TGI model: the SDK class, the
`image_uris.retrieve` framework or the Deep Learning Container image), or with less
memory than its model files need (1 GB plus twice their size, when they are in the
repository). The finding sits on the memory size, else the serverless configuration.

Not flagged: provisioned concurrency set (or set to a value that cannot be read); models
whose framework the repository does not show; scikit-learn, XGBoost and ONNX models.

Endpoints the deploying code deletes again (`predictor.delete_endpoint()`, a
`delete_endpoint` naming it) are temporary and never flagged.

## Why it matters
A serverless endpoint starts a container on demand: it pulls the image, imports the
framework and loads the weights while the caller waits (tens of seconds for a
transformer), after every idle period and on every scale-out. Below its needs the
container runs out of memory and the invocation fails.

## How to fix
Set `provisioned_concurrency` (and the memory the model needs, up to 6144 MB), or serve
the model from a real-time endpoint.

## Example
```python
predictor = model.deploy(
    serverless_inference_config=ServerlessInferenceConfig(memory_size_in_mb=2048),
)
```

```python
predictor = model.deploy(
    serverless_inference_config=ServerlessInferenceConfig(
        memory_size_in_mb=6144, max_concurrency=5, provisioned_concurrency=1),
)
```

## References
- https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html
- https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-provisioned-concurrency.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.sagemaker import SageMakerEndpoint
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit_rules.iac._sagemaker import describe, heavy_frameworks

RULE = Rule(
    id="MLA351",
    name="sagemaker-serverless-cold-start",
    title="Serverless SageMaker endpoint cold-starts a heavy model",
    severity=Severity.MEDIUM,
    category=Category.SERVERLESS,
    target=SageMakerEndpoint,
    kind=Kind.RELIABILITY,
    confidence=Confidence.MEDIUM,
    tags=("sagemaker", "aws", "cold-start"),
    docs=__doc__ or "",
)


@RULE.check
def check(endpoint: SageMakerEndpoint, ctx: RuleContext) -> Iterator[Finding]:
    if endpoint.temporary:
        return  # deleted by the code that deploys it: a tutorial's or a test's endpoint
    deployment = ctx.deployment
    for variant in endpoint.variants:
        if not variant.serverless or variant.provisioned_unknown or \
                variant.provisioned_concurrency:
            continue
        evidence = heavy_frameworks(variant.model)
        need, why = _artifact_need(deployment, variant.model)
        short = variant.memory_mb is not None and not variant.memory_unknown and \
            need is not None and variant.memory_mb < need
        if not evidence and not short:
            continue
        facts = []
        if evidence:
            facts.append(f"serves a heavy {evidence[0][1]}")
        if short:
            facts.append(f"has {variant.memory_mb} MB, below the {need} MB its model needs "
                         f"({why})")
        yield ctx.finding(
            f"{describe(endpoint)} variant {variant.name} is serverless with no provisioned "
            f"concurrency and {' and '.join(facts)}: every cold start loads it while the "
            "caller waits", variant.memory_span or variant.serverless_span or variant.span,
            related=evidence, key=f"{endpoint.key}/{variant.name}")


def _artifact_need(deployment: object, model: object) -> tuple[int | None, str]:
    """1 GB plus twice the size of the model file the model's data URL names, when that
    file is in the repository (None: size unknown)."""
    data = getattr(model, "model_data", None)
    project = getattr(deployment, "project", None)
    if not data or project is None:
        return None, ""
    name = data.rstrip("/").rsplit("/", 1)[-1]
    sizes = [a.size for a in project.artifacts if a.path.rsplit("/", 1)[-1] == name]
    if not sizes:
        return None, ""
    mb = -(-max(sizes) // (1024 * 1024))
    return 1024 + 2 * mb, f"1024 MB + 2 x {mb} MB of {name}"
