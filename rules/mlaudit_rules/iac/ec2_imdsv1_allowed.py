"""Instance metadata service allows IMDSv1

## What it flags
An `aws_instance`, `aws_launch_template` or (older autoscaling groups)
`aws_launch_configuration` that does not set
`metadata_options { http_tokens = "required" }`: the block is missing, `http_tokens` is
missing or `"optional"`. The finding sits on `http_tokens`, on `metadata_options`, or on
the resource block, whichever exists.

Not flagged: `http_tokens = "required"`; metadata turned off entirely
(`http_endpoint = "disabled"`); values or `dynamic` blocks that cannot be resolved; no
`metadata_options` on an instance whose AMI is Amazon Linux 2023 looked up by name (an
`aws_ssm_parameter` under `/aws/service/ami-amazon-linux-latest/al2023-...`, or an
`aws_ami` filtered on an `al2023-ami-*` name): those AMIs are registered as IMDSv2-only.

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
from mlaudit.models.terraform import Resource, TerraformModule, Unknown
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
    for res in module.resources_of("aws_instance", "aws_launch_template",
                                   "aws_launch_configuration"):
        if res.block_unknown("metadata_options"):
            continue
        options = res.blocks("metadata_options")
        if not options and _imdsv2_only_ami(module, res):
            continue
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


def _imdsv2_only_ami(module: TerraformModule, res: Resource) -> bool:
    """The AMI is Amazon Linux 2023, found through a data source by its public name:
    AWS registers AL2023 AMIs with `ImdsSupport: v2.0`, so IMDSv1 is off without
    `metadata_options`. A literal AMI id proves nothing either way."""
    ami = res.get("ami" if res.type == "aws_instance" else "image_id")
    if not isinstance(ami, Unknown) or not ami.ref.startswith("data."):
        return False
    address = ".".join(ami.ref.split(".")[:3])
    prefix = f"{module.module_address}." if module.module_address else ""
    for source in module.data_sources:
        if source.address.split("[", 1)[0] != prefix + address:
            continue
        if source.type == "aws_ssm_parameter":
            name = source.get("name")
            return isinstance(name, str) and "/ami-amazon-linux-latest/al2023-" in name
        if source.type == "aws_ami":
            return any(f.get("name") == "name" and isinstance(f.get("values"), list)
                       and f.get("values")
                       and all(isinstance(v, str) and v.startswith("al2023-ami-")
                               for v in f.get("values"))
                       for f in source.blocks("filter"))
    return False
