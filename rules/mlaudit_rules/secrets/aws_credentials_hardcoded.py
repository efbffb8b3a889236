"""Hardcoded AWS access key

## What it flags
An AWS access key id (`AKIA…`, `ASIA…`) or a secret access key written literally into
any file mlaudit reads: Python, Dockerfile `ENV`/`ARG`, Terraform provider blocks and
variable defaults, tfvars, compose and workflow `env`, ECS task definitions, `.env`
files. A secret access key is recognised by its random 40-character shape on a line
that names it (`aws_secret_access_key`, `secret_key`, `AWS_SECRET…`), or on a bare
`value`/`default` line whose object names it just above (an ECS `{"name": …, "value": …}`
pair, a Terraform `variable` block). Each key is reported once per line.

Not flagged: the AWS documentation keys (`AKIAIOSFODNN7EXAMPLE`,
`wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`), references (`os.environ.get(...)`,
`${{ secrets.X }}`, `var.x`, `${VAR}`), obvious placeholders (`AKIAXXXXXXXXXXXXXXXX`,
`<your-key>`), and 40-character tokens that are not named as a secret or do not look
random (hex digests, commit ids). An access key id inside a presigned URL
(`X-Amz-Credential=AKIA…/…`, `AWSAccessKeyId=AKIA…`) is not flagged when no secret access
key is written in the same file: presigned URLs carry the id in clear by design, and the
id alone signs nothing (the URL's own signature expires). With a secret in the file the
pair is complete and both are reported. The message gives the key's kind (`AKIA`
long-term, `ASIA` temporary) and whether the file holds the other half, never the key.

## Why it matters
A key in a repository is a key in every clone, fork, CI cache and image layer built from
it, and scanners harvest public repositories for them within minutes. A model service's
keys usually reach S3 buckets of training data and the model registry.

## How to fix
Deactivate the key in IAM now (rotation is not optional once it was committed), then
give the workload a role: an ECS task role, a Lambda execution role, an EC2 instance
profile, or GitHub OIDC with `role-to-assume` in CI. Locally, use `aws configure sso` or
a named profile. Code should call `boto3.client("s3")` and let the SDK find credentials.

## Example
```python
import boto3

s3 = boto3.client(
    "s3",
    aws_access_key_id="AKIA…",  # a real key id, pasted in
    aws_secret_access_key="…",  # and its 40-character secret
)
```

```python
import boto3

s3 = boto3.client("s3")  # credentials come from the task role
```

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html
- https://docs.aws.amazon.com/general/latest/gr/aws-access-keys-best-practices.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.roles import ALL_ROLES
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Severity
from mlaudit.sources import FileKind, SourceFile
from mlaudit.span import Span
from mlaudit_rules.secrets._analysis import ANALYSIS, file_secrets

RULE = Rule(
    id="MLA101",
    name="aws-credentials-hardcoded",
    title="Hardcoded AWS access key",
    severity=Severity.CRITICAL,
    category=Category.SECRETS,
    target=SourceFile,
    confidence=Confidence.HIGH,
    tags=("aws", "credentials", "cwe-798"),
    roles=ALL_ROLES,
    analyses=(ANALYSIS,),
    docs=__doc__ or "",
)


@RULE.check
def check(source: SourceFile, ctx: RuleContext) -> Iterator[Finding]:
    if source.kind is FileKind.PRIVATE_KEY:
        return
    keys = file_secrets(source, generic=False).aws
    by_line: dict[int, list[str]] = {}
    for key in keys:
        by_line.setdefault(key.line, []).append(key.value)
    kinds = {key.kind for key in keys}
    for key in keys:
        span = Span(source.path, key.line, key.start + 1, key.line, key.end + 1)
        # Every key of the line is passed, so the default fingerprint key (the line's
        # text) holds none of them, not only this finding's own.
        yield ctx.finding(f"AWS {key.kind} is hardcoded ({_why(key.kind, key.value, kinds)})",
                          span, secrets=by_line[key.line])


_KEY_ID_KINDS = {"AKIA": "a long-term IAM user key", "ASIA": "a temporary STS key",
                 "ABIA": "an STS service bearer key", "ACCA": "a context-specific key"}


def _why(kind: str, value: str, kinds: set[str]) -> str:
    """Its shape and whether the file holds the other half of the pair, never the value."""
    if kind == "access key id":
        other = "secret access key"
        shape = f"{value[:4]} prefix: {_KEY_ID_KINDS.get(value[:4], 'an access key id')}"
    else:
        other = "access key id"
        shape = f"{len(value)} random base-64 characters named as a secret key"
    return f"{shape}; the file also holds an AWS {other}" if other in kinds else shape
