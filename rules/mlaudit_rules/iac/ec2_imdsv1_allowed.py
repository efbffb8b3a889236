"""Instance metadata service allows IMDSv1

## What it flags
An `aws_instance` or `aws_launch_template` that does not set
`metadata_options { http_tokens = "required" }`: the block is missing, `http_tokens` is
missing or `"optional"`. The finding sits on `http_tokens`, on `metadata_options`, or on
the resource block, whichever exists.

Not flagged: `http_tokens = "required"`; metadata turned off entirely
(`http_endpoint = "disabled"`); values or `dynamic` blocks that cannot be resolved.

## Why it matters
GPU inference hosts run model servers that fetch URLs (image inputs, webhooks, model
downloads). With IMDSv1 a single server-side request forgery returns the instance role's
credentials from `http://169.254.169.254/`, which typically read the model bucket and
more. IMDSv2's session token defeats that class of request.

## How to fix
Require session tokens, and keep the hop limit low unless containers need more.

## Example
```hcl
resource "aws_instance" "gpu" {
  ami           = "ami-0a1b2c3d4e5f67890"
  instance_type = "g5.xlarge"
}
```

```hcl
resource "aws_instance" "gpu" {
  ami           = "ami-0a1b2c3d4e5f67890"
  instance_type = "g5.xlarge"
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }
}
```

## References
- https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.iac._terraform import once

RULE = Rule(
    id="MLA303",
    name="ec2-imdsv1-allowed",
    title="Instance metadata service allows IMDSv1",
    severity=Severity.MEDIUM,
    category=Category.IAC,
    target=TerraformModule,
    kind=Kind.SECURITY,
    tags=("terraform", "aws", "ec2"),
    docs=__doc__ or "",
)


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    for res in module.resources_of("aws_instance", "aws_launch_template"):
        if res.block_unknown("metadata_options"):
            continue
        options = res.blocks("metadata_options")
        if not options:
            yield ctx.finding(f"{res.type} {res.config_address} has no metadata_options: IMDSv1 "
                              "stays enabled", res.span, key=res.config_address)
            continue
        block = options[0]
        if block.get("http_endpoint") == "disabled":
            continue
        tokens = block.get("http_tokens")
        if tokens is None:
            yield ctx.finding(f"{res.type} {res.config_address} sets no http_tokens in "
                              "metadata_options: IMDSv1 stays enabled", block.span,
                              key=res.config_address)
        elif tokens == "optional":
            yield ctx.finding(f'{res.type} {res.config_address} sets http_tokens = "optional": '
                              "IMDSv1 stays enabled", block.span_of("http_tokens"),
                              key=res.config_address)
