"""GPU instance serving a model the repository shows to be small

## What it flags
A real-time SageMaker variant on a GPU instance type (ml.g4dn, ml.g5, ml.g6, ml.p3,
ml.p4d, ml.p5) whose model is a scikit-learn, XGBoost, LightGBM, CatBoost, linear
learner or ONNX model (the SDK class, the `image_uris.retrieve` framework, the built-in
algorithm image, a `.onnx` model file), and nothing heavy: no Hugging Face, PyTorch or
TensorFlow framework, and, when the model file is in the repository, smaller than
`max-model-bytes` (1 GB). The finding sits on the instance type.

Not flagged: CPU and Inferentia instances; models whose framework is not shown; a model
file in the repository above the size.

Endpoints the deploying code deletes again (`predictor.delete_endpoint()`, a
`delete_endpoint` naming it) are temporary and never flagged.

## Why it matters
Tree ensembles and linear models do not use a GPU at inference (the SageMaker XGBoost
and scikit-learn containers predict on CPU unless told otherwise), and a small ONNX graph
answers in milliseconds on CPU. A GPU instance costs several times a CPU one for the
same throughput.

## How to fix
Use a CPU instance type (ml.m5, ml.c5, ml.c6i), or a serverless endpoint.

## Example
```python
xgb.deploy(initial_instance_count=2, instance_type="ml.g5.xlarge")
```

```python
xgb.deploy(initial_instance_count=2, instance_type="ml.c6i.large")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.sagemaker import (
    HEAVY_FRAMEWORKS,
    LIGHT_FRAMEWORKS,
    SageMakerEndpoint,
    is_gpu_instance,
)
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._sagemaker import describe

RULE = Rule(
    id="MLA352",
    name="sagemaker-gpu-small-model",
    title="GPU instance serving a model the repository shows to be small",
    severity=Severity.INFO,
    category=Category.SCALING,
    target=SageMakerEndpoint,
    kind=Kind.COST,
    tags=("sagemaker", "aws", "cost", "gpu"),
    options={"max-model-bytes": 1024 * 1024 * 1024},
    docs=__doc__ or "",
)


@RULE.check
def check(endpoint: SageMakerEndpoint, ctx: RuleContext) -> Iterator[Finding]:
    if endpoint.temporary:
        return  # deleted by the code that deploys it: a tutorial's or a test's endpoint
    limit = int(ctx.option("max-model-bytes"))
    artifacts = ctx.deployment.project.artifacts if ctx.deployment is not None else []
    for variant in endpoint.variants:
        model = variant.model
        if variant.serverless or model is None or not is_gpu_instance(variant.instance_type):
            continue
        frameworks = set(model.frameworks)
        if not frameworks or not frameworks <= LIGHT_FRAMEWORKS or frameworks & HEAVY_FRAMEWORKS:
            continue
        name = (model.model_data or "").rstrip("/").rsplit("/", 1)[-1]
        if name and any(a.size > limit for a in artifacts if a.path.rsplit("/", 1)[-1] == name):
            continue
        shown = ", ".join(sorted(frameworks))
        yield ctx.finding(
            f"{describe(endpoint)} variant {variant.name} runs a {shown} model on the GPU "
            f"instance type {variant.instance_type}: it predicts on CPU, a CPU instance "
            "costs a fraction", variant.instance_type_span or variant.span,
            related=[(model.framework_span or model.span, f"{shown} model {model.name}")],
            key=f"{endpoint.key}/{variant.name}")
