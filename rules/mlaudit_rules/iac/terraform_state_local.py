"""Terraform root module keeps its state on local disk

## What it flags
A root module (a directory with a `provider` block and resources or module calls, that no
other module in the repository calls) whose `terraform {}` block declares no `backend` or
`cloud` block, or declares `backend "local"`. The finding sits on the `terraform` block,
or on the first `provider` block when there is no `terraform` block.

Not flagged: child modules (a directory another configuration in the repository calls
through a local `source`), modules with any remote backend (`s3`, `gcs`, `azurerm`,
`remote`, an empty `backend "s3" {}` completed by `-backend-config`) or a `cloud {}`
block, configurations with no provider block or with neither a resource nor a module
call, and roots whose backend is
given outside their `.tf` files: `terraform init -backend-config` or a `backend.tf` /
`backend.tf.json` written by a workflow step, a shell script or a Makefile for that
directory (`working-directory:`, `-chdir=DIR`, `cd DIR`); Terragrunt (a `terragrunt.hcl`
in the directory, one whose `terraform { source }` names it, or an ancestor with
`remote_state`/`generate`); Atmos components (`components/terraform/*` in a repository
with `atmos.yaml`, or a root reading `cloudposse/stack-config/yaml` itself or through a
local module: the stacks carry the backend); a directory packed into an archive for a
Service Catalog Terraform product (`archive_file` in a configuration declaring
`aws_servicecatalog_*`, or a script's `tar`); a root of a component catalogue whose
siblings (at least three roots under the nearest common directory, two thirds of them)
get their backend in one of those ways.

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
from mlaudit.models.terraform import TerraformModule, TerraformProject
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._backend import external_backends

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


_ATMOS_MODULES = ("cloudposse/stack-config/yaml",)


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    # A root whose resources all come from modules (local or registry) still has state.
    if not module.is_root or not module.providers or not (
            module.resources or module.module_calls):
        return
    backend = module.backend
    if backend is not None and backend.type != "local":
        return
    if backend is None and _backend_elsewhere(module, ctx):
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


def _backend_elsewhere(module: TerraformModule, ctx: RuleContext) -> bool:
    """Backend settings given outside the module's .tf files (CI, Terragrunt, Atmos), or a
    configuration packaged for a service that keeps the state (Service Catalog)."""
    deployment = ctx.deployment
    project = getattr(deployment, "project", None)
    tf = getattr(deployment, "terraform", None)
    if project is None or not isinstance(tf, TerraformProject):
        return False
    found = deployment.memo(("external-backends", id(tf)), lambda: external_backends(
        project, sorted({m.path for m in tf.modules if m.is_root})) | _catalog_products(tf)
        | _atmos_components(tf))
    if "*" in found or module.path in found:
        return True
    return module.path in deployment.memo(("catalogue-roots", id(tf)),
                                          lambda: _catalogue_members(tf, found))


def _catalogue_members(tf: TerraformProject, managed: set[str]) -> set[str]:
    """Roots of a component catalogue whose siblings get their backend from outside: in a
    directory holding at least three roots, when two thirds of them have such evidence,
    the others follow the same convention (a component that happens not to read the
    stack configuration itself). Walks up to the nearest ancestor holding three roots."""
    roots = sorted({m.path for m in tf.modules if m.is_root})
    by_parent: dict[str, list[str]] = {}
    for root in roots:
        parent = posixpath.dirname(root)
        while True:
            by_parent.setdefault(parent, []).append(root)
            if not parent:
                break
            parent = posixpath.dirname(parent)
    out: set[str] = set()
    for root in roots:
        if root in managed:
            continue
        parent = posixpath.dirname(root)
        while True:
            group = by_parent.get(parent, [])
            if len(group) >= 3:
                share = sum(1 for r in group if r in managed) / len(group)
                if share >= 2 / 3:
                    out.add(root)
                break
            if not parent:
                break
            parent = posixpath.dirname(parent)
    return out


def _atmos_components(tf: TerraformProject) -> set[str]:
    """Roots that read Atmos stack configuration (`cloudposse/stack-config/yaml`, the
    remote-state and stack modules of Atmos components), themselves or through a local
    module: Atmos writes their backend from the stacks."""
    return {m.root for m in tf.modules if any(
        c.source.removeprefix("registry.terraform.io/").startswith(_ATMOS_MODULES)
        for c in m.module_calls)}


def _catalog_products(tf: TerraformProject) -> set[str]:
    """Directories archived by `archive_file` in a configuration that declares a Service
    Catalog product: the product's Terraform runs inside Service Catalog."""
    catalog = any(True for _ in tf.resources("aws_servicecatalog_"))
    if not catalog:
        return set()
    out = set()
    for module in tf.modules:
        for data in module.data_sources:
            source = data.get("source_dir") if data.type == "archive_file" else None
            if isinstance(source, str):
                normal = posixpath.normpath(source.removeprefix("./"))
                out.add("" if normal == "." else normal)
    return out
