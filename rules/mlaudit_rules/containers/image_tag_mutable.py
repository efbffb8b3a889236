"""Image reference is unpinned or uses :latest

## What it flags
Every container image reference in the repository with no tag or with `:latest`, and no
`@sha256:` digest: Dockerfile `FROM` (every stage), compose `image:`, ECS container `image`
(task-definition JSON and Terraform `container_definitions`), Terraform image attributes
(`aws_lambda_function.image_uri`, App Runner `image_identifier`, any `image`), SAM /
Serverless function images, `docker run` in EC2 user data, workflow `docker://` steps, and
Kubernetes container images (manifests; Kustomize overlays, where an `images:` entry that
sets `newTag: latest` is the line reported; Helm `image.tag` in `values.yaml`).

Not flagged: `scratch`; a `FROM` naming an earlier build stage; a version tag
(`python:3.12-slim`); a digest pin; any reference holding a variable or an unresolved value
(`${IMAGE}`, `var.image`, `${{ ... }}`, an ECR URL whose tag comes from a variable); a
compose `image:` next to `build:` (it names the image the build produces); a Kustomize
base's untagged image that every overlay pins with `images:`; a Helm chart's empty
`image.tag` (the chart's `appVersion` is used); the tags a
workflow builds and pushes (MLA4xx rules cover those).

## Why it matters
`latest` moves. The same commit builds a different image tomorrow (a new Python minor,
a new CUDA, a new glibc), so a model that passed its tests can fail in production with
nothing in the repository having changed, and a rollback does not roll back.

## How to fix
Pin a version tag, and for reproducible production builds a digest (Renovate and
Dependabot keep digests up to date).

## Example
```dockerfile
FROM python:latest
CMD ["python", "train.py"]
```

```dockerfile
FROM python:3.12-slim@sha256:2d7d0f9ff7a8c2c6b3bd7c2cbe0dd7b8a0e7a3e93f67e8bbf4f9a0b5c6d7e8f9
CMD ["python", "train.py"]
```

## References
- https://docs.docker.com/build/building/best-practices/#pin-base-image-versions
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment, ImageReference
from mlaudit.models.image import ImageRef, parse_image
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.helpers import model_loaded

if TYPE_CHECKING:  # this rule runs on every scan: import other formats' models lazily
    from mlaudit.models.dockerfile import Dockerfile
    from mlaudit.models.terraform import Body

RULE = Rule(
    id="MLA203",
    name="image-tag-mutable",
    title="Image reference is unpinned or uses :latest",
    severity=Severity.MEDIUM,
    category=Category.IMAGE,
    target=Deployment,
    kind=Kind.RELIABILITY,
    confidence=Confidence.HIGH,
    tags=("docker", "supply-chain"),
    docs=__doc__ or "",
)

# Where each context's reference is consumed, for the message. `workflow-tag` (a tag a
# workflow builds and pushes) is not a reference that is pulled: MLA4xx covers it.
_WHERE = {"dockerfile-from": "base image", "compose-image": "compose image",
          "ecs-image": "ECS container image", "terraform-image": "Terraform image",
          "function-image": "Lambda function image", "user-data-image": "user-data image",
          "workflow-uses": "workflow step image", "workflow-container": "job container image",
          "workflow-service": "job service image", "k8s-image": "Kubernetes container image"}
# Terraform attributes naming a container image, read only on resources that run
# containers: `image` on a VM resource (google_compute_instance, a droplet) is an OS image.
_TF_ATTRIBUTES = ("image", "image_uri", "image_identifier")
_TF_CONTAINER_TYPES = ("aws_ecs_", "aws_lambda_", "aws_apprunner_", "aws_sagemaker_",
                       "aws_batch_", "aws_codebuild_", "kubernetes_", "docker_",
                       "google_cloud_run", "azurerm_container_")


def _skipped(deployment: Deployment) -> set[tuple[str, int]]:
    """FROM lines naming an earlier stage; compose images that name a build's result."""
    out: set[tuple[str, int]] = set()
    dockerfiles: list[Dockerfile] = []
    if model_loaded("mlaudit.models.dockerfile"):  # else no Dockerfile (nor compose) parsed
        from mlaudit.models.dockerfile import Dockerfile

        dockerfiles = list(deployment.models(Dockerfile))
    for dockerfile in dockerfiles:
        earlier: set[str] = set()
        for stage in dockerfile.stages:
            if stage.image.raw.lower() in earlier:
                out.add((stage.from_span.path, stage.from_span.line))
            if stage.name:
                earlier.add(stage.name.lower())
    if not any(type(m).__module__ == "mlaudit.models.compose"
               for m in deployment.project.models.values()):
        return out  # no compose file: its models need not even be imported
    from mlaudit.models.compose import ComposeFile

    for compose in deployment.models(ComposeFile):
        out.update((s.image_span.path, s.image_span.line) for s in compose.services
                   if s.build is not None and s.image_span is not None)
    return out


def _partly_unknown(value: object) -> str | None:
    """An image whose repository is unknown but whose tag is not: `"${aws_ecr_repository.
    api.repository_url}:latest"`, or a bare ECR repository URL (no tag: `:latest`). The
    image as shown, else None."""
    from mlaudit.models.terraform import UNKNOWN_PART, Unknown

    if not isinstance(value, Unknown):
        return None
    if value.ref.startswith(("aws_ecr_repository.", "data.aws_ecr_repository.")) \
            and value.ref.endswith(".repository_url"):
        return f"{value.ref} (no tag)"
    text = value.text
    if text is None or " " in text.strip() or "@sha256:" in text:
        return None
    tail = text.rsplit(UNKNOWN_PART, 1)[-1]
    if text.endswith(UNKNOWN_PART) or "/" in tail:
        return None  # the tag (or more of the name) is what is unknown: cannot tell
    if tail == ":latest":
        return text.replace(UNKNOWN_PART, "<unresolved>")
    return None


def _terraform(deployment: Deployment) -> Iterator[ImageReference]:
    def walk(body: Body, owner: str, depth: int) -> Iterator[ImageReference]:
        for name in _TF_ATTRIBUTES:
            value = body.attributes.get(name)
            if isinstance(value, str) and value.strip() and " " not in value.strip():
                yield ImageReference(parse_image(value), body.span_of(name),
                                     "terraform-image", owner)

        for bodies in body.nested.values():
            for child in bodies:
                if depth < 6:
                    yield from walk(child, owner, depth + 1)

    for module in getattr(deployment.terraform, "modules", ()):
        for res in module.resources:
            if res.type.startswith(_TF_CONTAINER_TYPES):
                yield from walk(res.body, res.address, 0)


def _terraform_partial(deployment: Deployment) -> Iterator[tuple[str, Span]]:
    """(image as shown, span) for container images whose repository URL is unknown but
    whose tag is known to be mutable: through variables, tfvars or module inputs."""
    for module in getattr(deployment.terraform, "modules", ()):
        for res in module.resources:
            if not res.type.startswith(_TF_CONTAINER_TYPES):
                continue
            pending: list[tuple[Body, int]] = [(res.body, 0)]
            while pending:
                body, depth = pending.pop()
                for name in _TF_ATTRIBUTES:
                    shown = _partly_unknown(body.attributes.get(name))
                    if shown is not None:
                        yield shown, body.span_of(name)
                if depth < 6:
                    pending += [(c, depth + 1) for cs in body.nested.values() for c in cs]


def _describe(ref: ImageRef) -> str:
    return "uses :latest" if ref.tag == "latest" else "has no tag"


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    skipped = _skipped(deployment)
    seen: set[tuple[str, int, str]] = set()
    # Terraform attributes are read here (container resources only), not from the model.
    refs = [r for r in deployment.image_references() if r.context != "terraform-image"]
    for item in [*refs, *_terraform(deployment)]:
        ref, span = item.ref, item.span
        where = _WHERE.get(item.context)
        marker = (span.path, span.line, ref.raw)
        if where is None or marker in seen or (span.path, span.line) in skipped:
            continue
        seen.add(marker)  # a file evaluated twice (a module called twice): one finding
        if ref.is_latest_or_untagged and ref.repository:
            yield _finding(ctx, item, where, span)
    for shown, span in _terraform_partial(deployment):
        if (span.path, span.line, shown) not in seen:
            seen.add((span.path, span.line, shown))
            what = "has no tag" if shown.endswith("(no tag)") else "uses :latest"
            yield ctx.finding(f"Terraform image {shown.removesuffix(' (no tag)')} {what}; pin "
                              "a version or digest", span, key=f"terraform-image:{shown}")


def _finding(ctx: RuleContext, item: ImageReference, where: str, span: Span) -> Finding:
    ref = item.ref
    # Keep the original Dockerfile key so existing fingerprints and baselines survive.
    key = f"from:{ref.raw}" if item.context == "dockerfile-from" else f"{item.context}:{ref.raw}"
    return ctx.finding(f"{where} {ref.raw} {_describe(ref)}; pin a version or digest", span,
                       key=key)
