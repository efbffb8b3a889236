"""ECR repository allows image tags to be overwritten

## What it flags
An `aws_ecr_repository` whose `image_tag_mutability` is `"MUTABLE"` or is not set (the
AWS default is mutable). The finding sits on the attribute, or on the resource block when
it is missing.

Not flagged: `"IMMUTABLE"` and `"IMMUTABLE_WITH_EXCLUSION"`; values that cannot be
resolved statically.

Calls to `terraform-aws-modules/ecr/aws` are read as the repository they create
(`repository_image_tag_mutability`, whose module default is `IMMUTABLE`).

## Why it matters
A service that deploys `model:v3` gets whatever was pushed last under that tag. A
mutable tag lets a re-run pipeline, a mistaken push or an attacker with push rights
silently replace the model image behind a running service, and makes rollbacks point at
images that are not what they were.

## How to fix
Make tags immutable and deploy by a unique tag (the commit SHA) or by digest.

## Example
```hcl
resource "aws_ecr_repository" "model" {
  name = "model-server"
}
```

```hcl
resource "aws_ecr_repository" "model" {
  name                 = "model-server"
  image_tag_mutability = "IMMUTABLE"
}
```

## References
- https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._terraform import once, with_registry

RULE = Rule(
    id="MLA305",
    name="ecr-tag-mutable",
    title="ECR repository allows image tags to be overwritten",
    severity=Severity.MEDIUM,
    category=Category.IMAGE,
    target=TerraformModule,
    kind=Kind.SECURITY,
    tags=("terraform", "aws", "ecr"),
    docs=__doc__ or "",
)


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    for repo in with_registry(module, ctx.deployment, "aws_ecr_repository"):
        value = repo.get("image_tag_mutability", "MUTABLE")
        if isinstance(value, str) and value.upper() == "MUTABLE":
            how = "sets image_tag_mutability = MUTABLE" if repo.has("image_tag_mutability") \
                else "leaves image tags mutable (the default)"
            yield ctx.finding(f"aws_ecr_repository {repo.config_address} {how}",
                              repo.span_of("image_tag_mutability"), key=repo.config_address)
