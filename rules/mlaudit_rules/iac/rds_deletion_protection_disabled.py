"""Database can be deleted without protection or a final snapshot

## What it flags
An `aws_db_instance` or `aws_rds_cluster` whose `deletion_protection` is not `true`
(omitted, `false`, or a variable that resolves to `false`), and one with
`skip_final_snapshot = true`. The finding sits on the attribute, or on the resource
block when the attribute is missing.

Not flagged: values that cannot be resolved statically (a variable without default, a
resource attribute); cluster members (`aws_rds_cluster_instance`), which the cluster
protects; read replicas (`replicate_source_db`), which hold no primary data.

Calls to `terraform-aws-modules/rds/aws` are read as the instance they create
(`deletion_protection`, `skip_final_snapshot`; the module's defaults are false).

## Why it matters
The feature store, the model registry's metadata and the prediction log usually live in
RDS. A `terraform destroy`, a renamed resource or a replacement forced by a changed
attribute deletes the database; without a final snapshot the data is gone.

## How to fix
Set `deletion_protection = true` and keep final snapshots (`skip_final_snapshot = false`
with a `final_snapshot_identifier`). Turn protection off deliberately, in a separate
change, when a database really must go.

## Example
```hcl
resource "aws_db_instance" "features" {
  engine              = "postgres"
  instance_class      = "db.t4g.medium"
  skip_final_snapshot = true
}
```

```hcl
resource "aws_db_instance" "features" {
  engine                    = "postgres"
  instance_class            = "db.t4g.medium"
  deletion_protection       = true
  final_snapshot_identifier = "features-final"
}
```

## References
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._terraform import once, with_registry

RULE = Rule(
    id="MLA302",
    name="rds-deletion-protection-disabled",
    title="Database can be deleted without protection or a final snapshot",
    severity=Severity.MEDIUM,
    category=Category.IAC,
    target=TerraformModule,
    kind=Kind.RELIABILITY,
    tags=("terraform", "aws", "rds"),
    docs=__doc__ or "",
)


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    for db in with_registry(module, ctx.deployment, "aws_db_instance", "aws_rds_cluster"):
        if db.get("replicate_source_db") is not None:
            continue
        protection = db.get("deletion_protection", False)
        if protection is False:
            how = "sets deletion_protection = false" if db.has("deletion_protection") \
                else "has no deletion_protection"
            yield ctx.finding(f"{db.type} {db.config_address} {how}: a destroy or replacement "
                              "deletes the database", db.span_of("deletion_protection"),
                              key=f"{db.config_address}:deletion_protection")
        if db.get("skip_final_snapshot") is True:
            yield ctx.finding(f"{db.type} {db.config_address} sets skip_final_snapshot = true: "
                              "deleting it keeps no backup", db.span_of("skip_final_snapshot"),
                              key=f"{db.config_address}:skip_final_snapshot")
