"""GPU workload does not request a GPU in its limits

## What it flags
A container whose workload shows it needs a GPU, with no GPU in its `resources.limits`
(`nvidia.com/gpu`, `amd.com/gpu`, `gpu.intel.com/*`). The evidence: a GPU in `requests`
only; a `nodeSelector` or toleration naming a GPU or accelerator
(`nvidia.com/gpu`, `cloud.google.com/gke-accelerator`); a CUDA image (`nvidia/cuda`, a
`-cuda`/`-gpu` tag, `vllm/vllm-openai`, text-generation-inference), directly or as the
base of the in-repo Dockerfile it runs. The finding sits on `resources` (on the
container when it has none).

Not flagged: a container with a GPU limit; CPU images; Triton or TorchServe images, which
also run on CPU; init containers.

## Why it matters
Extended resources are only allocated through limits. Without one the pod lands on a GPU
node (its selector or toleration) but gets no device: the model silently falls back to
the CPU and answers orders of magnitude slower, or CUDA fails at start-up; several such
pods on one node fight over the same device.

## How to fix
Set `resources.limits: {nvidia.com/gpu: 1}` (requests default to the limit for extended
resources).

## Example
```yaml
containers:
  - name: llm
    image: vllm/vllm-openai:v0.6.3
    resources:
      limits: {memory: 24Gi}
```

```yaml
containers:
  - name: llm
    image: vllm/vllm-openai:v0.6.3
    resources:
      limits: {memory: 24Gi, nvidia.com/gpu: 1}
```

## References
- https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.dockerfile import Dockerfile
from mlaudit.models.image import ImageRef
from mlaudit.models.kubernetes import Container, KubeApp, Workload
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.kubernetes._k8s import image_of, title, where

RULE = Rule(
    id="MLA907", name="k8s-gpu-limit-missing",
    title="GPU workload does not request a GPU in its limits",
    severity=Severity.HIGH, category=Category.SCALING, target=KubeApp,
    kind=Kind.RELIABILITY, tags=("kubernetes", "gpu"), docs=__doc__ or "",
)
_GPU_RESOURCE = re.compile(r"^(?:nvidia\.com/gpu|amd\.com/gpu|gpu\.intel\.com/\w+|"
                           r"nvidia\.com/mig-[\w.-]+)$")
_GPU_IMAGES = frozenset({"vllm/vllm-openai", "huggingface/text-generation-inference",
                         "nvidia/cuda"})
_CUDA_TAG = re.compile(r"(?:^|[-_.])(?:cuda|cu\d{2,3}|gpu)(?:[-_.\d]|$)", re.I)


def _gpu_image(ref: ImageRef | None) -> bool:
    if ref is None or ref.has_variable:
        return False
    return ref.repository in _GPU_IMAGES or ref.repository.endswith("/cuda") or \
        bool(ref.tag and _CUDA_TAG.search(ref.tag))


def _evidence(ctx: RuleContext, app: KubeApp, workload: Workload,
              container: Container) -> str | None:
    resources = container.resources
    requested = [k for k, _ in (resources.requests or ()) if _GPU_RESOURCE.match(k)] \
        if resources else []
    if requested:
        return f"requests {requested[0]} without a limit"
    if workload.gpu_hints:
        return f"is scheduled on GPU nodes ({workload.gpu_hints[0][0]})"
    if _gpu_image(container.image):
        return f"runs the GPU image {container.image.raw if container.image else ''}"
    image = image_of(ctx.deployment, app, workload, container)
    if image is not None and ctx.deployment is not None:
        dockerfile = next((d for d in ctx.deployment.models(Dockerfile)
                           if d.path == image.dockerfile), None)
        final = dockerfile.final_stage if dockerfile is not None else None
        if final is not None and _gpu_image(final.image):
            return f"runs {image.dockerfile}, built FROM {final.image.raw}"
    return None


@RULE.check
def check(app: KubeApp, ctx: RuleContext) -> Iterator[Finding]:
    for workload in app.workloads():
        for container in workload.containers or ():
            resources = container.resources
            if container.init or (resources is not None and any(
                    _GPU_RESOURCE.match(k) for k, _ in resources.limits or ())):
                continue
            reason = _evidence(ctx, app, workload, container)
            if reason is None:
                continue
            yield ctx.finding(
                f"container {container.name} of {title(workload)} {reason} but sets no GPU "
                "in resources.limits: it gets no device", resources.span if resources
                else container.span, related=[where(app)],
                key=f"{workload.key}/{container.name}")
