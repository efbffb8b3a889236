"""Database is reachable from the internet

## What it flags
An `aws_db_instance`, `aws_rds_cluster_instance` or `aws_redshift_cluster` with
`publicly_accessible = true`, whether written literally or through a variable, local or
module input that resolves to `true`. The finding sits on the attribute line.

Not flagged: `false`, the attribute omitted (the AWS default is private), and values that
cannot be resolved statically.

Calls to `terraform-aws-modules/rds/aws` are read as the instance they create
(`publicly_accessible`).

## Why it matters
A public database gets a public DNS name and address; one security-group mistake away,
its port is open to the internet, where credential stuffing and engine exploits are
constant. Feature stores and prediction logs often hold personal data.

## How to fix
Set `publicly_accessible = false`, place the database in private subnets and reach it
from the service's security group, a bastion or SSM port forwarding.

## Example
```hcl
resource "aws_db_instance" "features" {
  engine              = "postgres"
  publicly_accessible = true
}
```

```hcl
resource "aws_db_instance" "features" {
  engine              = "postgres"
  publicly_accessible = false
}
```

## References
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._terraform import once, with_registry

RULE = Rule(
    id="MLA304",
    name="database-publicly-accessible",
    title="Database is reachable from the internet",
    severity=Severity.HIGH,
    category=Category.EXPOSURE,
    target=TerraformModule,
    kind=Kind.SECURITY,
    tags=("terraform", "aws", "rds"),
    docs=__doc__ or "",
)

_TYPES = ("aws_db_instance", "aws_rds_cluster_instance", "aws_redshift_cluster")


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    for db in with_registry(module, ctx.deployment, *_TYPES):
        if db.get("publicly_accessible") is True:
            yield ctx.finding(f"{db.type} {db.config_address} sets publicly_accessible = true",
                              db.span_of("publicly_accessible"), key=db.config_address)
