"""Image references written in Terraform attributes (`image`, `image_uri`, `image_id` is
an AMI and is skipped), wherever a resource or nested block holds one."""

from __future__ import annotations

from mlaudit.deployment._builder import Builder, node_id
from mlaudit.models.terraform import Body, TerraformProject

_IMAGE_ATTRIBUTES = ("image", "image_uri")
_MAX_DEPTH = 6


def build_terraform_images(builder: Builder, tf: TerraformProject) -> None:
    for res in tf.resources(""):
        if res.type in ("aws_ecs_task_definition", "aws_lambda_function"):
            continue  # linked with their context by the compute builder
        _body(builder, res.body, node_id("resource", res.address), 0)


def _body(builder: Builder, body: Body, owner: str, depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    for name in _IMAGE_ATTRIBUTES:
        value = body.attributes.get(name)
        if isinstance(value, str) and value.strip() and " " not in value.strip():
            builder.image_ref(value, body.span_of(name), "terraform-image", owner)
    for nested in body.nested.values():
        for child in nested:
            _body(builder, child, owner, depth + 1)
