"""ECR repository does not scan images on push

## What it flags
An `aws_ecr_repository` without `image_scanning_configuration { scan_on_push = true }`:
the block is missing or sets `scan_on_push = false`. The finding sits on `scan_on_push`
or on the resource block.

Not flagged: `scan_on_push = true`; repositories in a module that also declares an
`aws_ecr_registry_scanning_configuration` (registry-wide scanning replaces the
per-repository setting); values that cannot be resolved statically.

Calls to `terraform-aws-modules/ecr/aws` are read as the repository they create
(`repository_image_scan_on_push`, whose module default is true).

## Why it matters
Model-serving images are large and pull in CUDA, Python and dozens of native wheels. Scan
on push is the cheap first line that reports known-vulnerable packages before the image
reaches production.

## How to fix
Enable scanning on push, or registry-wide (enhanced) scanning.

## Example
```hcl
resource "aws_ecr_repository" "model" {
  name                 = "model-server"
  image_tag_mutability = "IMMUTABLE"
}
```

```hcl
resource "aws_ecr_repository" "model" {
  name                 = "model-server"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
}
```

## References
- https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._terraform import once, with_registry

RULE = Rule(
    id="MLA306",
    name="ecr-scan-on-push-disabled",
    title="ECR repository does not scan images on push",
    severity=Severity.LOW,
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
    if any(True for _ in module.resources_of("aws_ecr_registry_scanning_configuration")):
        return
    for repo in with_registry(module, ctx.deployment, "aws_ecr_repository"):
        if repo.block_unknown("image_scanning_configuration"):
            continue
        blocks = repo.blocks("image_scanning_configuration")
        scan = blocks[0].get("scan_on_push", False) if blocks else False
        if scan is False:
            at = blocks[0].span_of("scan_on_push") if blocks else repo.span
            yield ctx.finding(f"aws_ecr_repository {repo.config_address} does not scan images on "
                              "push", at, key=repo.config_address)
