"""Terraform root module keeps its state on local disk

## What it flags
A root module (a directory with a `provider` block and resources that no other module in
the repository calls) whose `terraform {}` block declares no `backend` or `cloud` block,
or declares `backend "local"`. The finding sits on the `terraform` block, or on the first
`provider` block when there is no `terraform` block.

Not flagged: child modules (called through a local `source`), modules with any remote
backend (`s3`, `gcs`, `azurerm`, `remote`, an empty `backend "s3" {}` completed by
`-backend-config`) or a `cloud {}` block, and directories managed by Terragrunt (a
`terragrunt.hcl` next to them generates the backend).

## Why it matters
Local state lives on one laptop or CI runner: two applies race and corrupt it, a lost
disk loses the record of every deployed resource, and the file holds every secret
Terraform manages in plain text, one `git add` away from being committed.

## How to fix
Declare a remote backend with locking and encryption (S3 with `use_lockfile` or a
DynamoDB table, Terraform Cloud, GCS) and run `terraform init -migrate-state`.

## Example
```hcl
provider "aws" {
  region = "eu-west-1"
}
resource "aws_ecr_repository" "model" {
  name = "model"
}
```

```hcl
terraform {
  backend "s3" {
    bucket       = "acme-tfstate"
    key          = "model-serving/terraform.tfstate"
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true
  }
}
```

## References
- https://developer.hashicorp.com/terraform/language/backend
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

RULE = Rule(
    id="MLA301",
    name="terraform-state-local",
    title="Terraform root module keeps its state on local disk",
    severity=Severity.MEDIUM,
    category=Category.IAC,
    target=TerraformModule,
    kind=Kind.RELIABILITY,
    tags=("terraform",),
    docs=__doc__ or "",
)


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    if not module.is_root or not module.providers or not module.resources:
        return
    backend = module.backend
    if backend is not None and backend.type != "local":
        return
    if _terragrunt_managed(module, ctx):
        return
    where = f"root module {module.path}" if module.path else "the repository's root module"
    if backend is not None:
        yield ctx.finding(f"{where} stores its state with backend \"local\"",
                          backend.span, key=f"module:{module.path}:local")
        return
    at = module.terraform_block_span or min(
        (p.span for p in module.providers), key=lambda s: (s.path, s.line))
    yield ctx.finding(f"{where} declares no backend: its state stays on local "
                      "disk", at, key=f"module:{module.path}")


def _terragrunt_managed(module: TerraformModule, ctx: RuleContext) -> bool:
    deployment = ctx.deployment
    project = getattr(deployment, "project", None)
    files = getattr(project, "files", ())
    directory = module.path
    for source in files:
        parent = posixpath.dirname(source.path)
        if posixpath.basename(source.path) == "terragrunt.hcl" and (
                parent == directory or directory.startswith(parent + "/") or not parent):
            return True
    return False
