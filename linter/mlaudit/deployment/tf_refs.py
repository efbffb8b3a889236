"""References between Terraform resources, read from the written expressions.

The evaluated model turns `aws_lb.this.arn` into an Unknown (its value exists only after
apply); the link it expresses is still plain in the source. These helpers find, for an
evaluated resource, the references an attribute's expression makes, so the deployment
model can connect a listener to its target group or a scaling target to its ECS service.
"""

from __future__ import annotations

from mlaudit.models.terraform import Resource, Unknown
from mlaudit.models.terraform_syntax import (
    Attribute,
    Block,
    Call,
    Expr,
    ObjectExpr,
    Ref,
    TerraformFile,
    TupleExpr,
    walk_expr,
)
from mlaudit.project import ParsedProject


def source_block(project: ParsedProject, resource: Resource) -> Block | None:
    model = project.models.get(resource.path)
    if not isinstance(model, TerraformFile):
        return None
    return model.declaration(resource.mode, resource.type, resource.name)


def resource_refs(expr: Expr) -> list[str]:
    """`type.name` of every resource the expression refers to (data sources as data.x.y)."""
    out: list[str] = []
    for node in walk_expr(expr):
        if not isinstance(node, Ref) or len(node.parts) < 2:
            continue
        root = str(node.parts[0])
        if root in ("var", "local", "module", "each", "count", "path", "self", "terraform"):
            continue
        if root == "data" and len(node.parts) >= 3:
            out.append(f"data.{node.parts[1]}.{node.parts[2]}")
        else:
            out.append(f"{root}.{node.parts[1]}")
    return out


def attribute_refs(project: ParsedProject, resource: Resource, path: tuple[str, ...]) -> list[str]:
    """Resources referenced by attribute `path` (nested block names, then the attribute)."""
    value = resource.get(path[0]) if len(path) == 1 else None
    if isinstance(value, Unknown) and value.ref:
        return [".".join(value.ref.split(".")[:2])]
    block = source_block(project, resource)
    attribute = _find(block, path) if block is not None else None
    return resource_refs(attribute.expr) if attribute is not None else []


def _find(block: Block, path: tuple[str, ...]) -> Attribute | None:
    current: Block | None = block
    for name in path[:-1]:
        nested = current.blocks_of(name) if current is not None else ()
        current = nested[0] if nested else None
    return current.attribute(path[-1]) if current is not None else None


def object_items(expr: Expr) -> dict[str, Expr]:
    """An object expression's literal-keyed items (container definitions in jsonencode)."""
    out: dict[str, Expr] = {}
    if isinstance(expr, ObjectExpr):
        for key, value in expr.items:
            name = getattr(key, "value", None)
            if isinstance(name, str):
                out[name] = value
    return out


def container_image_refs(project: ParsedProject, resource: Resource) -> dict[str, list[str]]:
    """container name -> resources its `image` refers to, for a jsonencode'd list."""
    block = source_block(project, resource)
    attribute = block.attribute("container_definitions") if block is not None else None
    if attribute is None:
        return {}
    expr = attribute.expr
    if isinstance(expr, Call) and expr.name == "jsonencode" and expr.args:
        expr = expr.args[0]
    out: dict[str, list[str]] = {}
    if isinstance(expr, TupleExpr):
        for item in expr.items:
            fields = object_items(item)
            name = getattr(fields.get("name"), "value", None)
            if isinstance(name, str) and "image" in fields:
                out[name] = resource_refs(fields["image"])
    return out
