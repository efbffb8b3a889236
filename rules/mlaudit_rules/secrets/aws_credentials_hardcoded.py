"""Hardcoded AWS access key

## What it flags
An AWS access key id (`AKIA…`, `ASIA…`) or a secret access key written literally into
any file mlaudit reads: Python, Dockerfile `ENV`/`ARG`, Terraform provider blocks and
variable defaults, tfvars, compose and workflow `env`, ECS task definitions, `.env`
files. A secret access key is recognised by its 40-character shape on a line that names
it (`aws_secret_access_key`, `secret_key`, `AWS_SECRET…`).

Not flagged: the AWS documentation keys (`AKIAIOSFODNN7EXAMPLE`,
`wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`), references (`os.environ.get(...)`,
`${{ secrets.X }}`, `var.x`, `${VAR}`) and obvious placeholders.

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
    aws_access_key_id="AKIA2OGYBAH6STMMNXNP",
    aws_secret_access_key="9dRLz1QjV8hX3uWpT5kY7mN2bC4vF6gH8jK0lQ1e",
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

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Severity
from mlaudit.sources import FileKind, SourceFile
from mlaudit.span import Span
from mlaudit_rules.helpers import is_placeholder

RULE = Rule(
    id="MLA101",
    name="aws-credentials-hardcoded",
    title="Hardcoded AWS access key",
    severity=Severity.CRITICAL,
    category=Category.SECRETS,
    target=SourceFile,
    confidence=Confidence.HIGH,
    tags=("aws", "credentials", "cwe-798"),
    docs=__doc__ or "",
)

DOC_EXAMPLE_KEYS = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

# Access key ids: a 4-letter type prefix and 16 base-32 characters.
_KEY_ID_RE = re.compile(r"(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])")
# Secret access keys: 40 base-64 characters, not part of a longer token.
_SECRET_RE = re.compile(r"(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])")
_SECRET_NAME_RE = re.compile(
    r"aws.{0,20}secret|secret.{0,3}access.{0,3}key|secret[-_]?key|aws[-_]?sk\b", re.I
)
# Binary-ish or lock files are not where people paste keys, but a prefilter keeps it cheap.
_CANDIDATE_RE = re.compile(r"A[KS]IA|ABIA|ACCA|[Ss][Ee][Cc][Rr][Ee][Tt]")


def _looks_random(token: str) -> bool:
    """Real secret keys mix cases and digits; hashes in lower-case hex do not."""
    return (
        any(c.islower() for c in token)
        and any(c.isupper() for c in token)
        and any(c.isdigit() for c in token)
        and len(set(token)) >= 16
    )


@RULE.check
def check(source: SourceFile, ctx: RuleContext) -> Iterator[Finding]:
    if source.kind is FileKind.PRIVATE_KEY:
        return
    text = source.text
    if not _CANDIDATE_RE.search(text):
        return
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _KEY_ID_RE.finditer(line):
            key = match.group(1)
            if key in DOC_EXAMPLE_KEYS or key.endswith("EXAMPLE"):
                continue
            span = Span(source.path, number, match.start(1) + 1, number, match.end(1) + 1)
            yield ctx.finding(f"AWS access key id {key} is hardcoded", span, secrets=[key])
        if not _SECRET_NAME_RE.search(line):
            continue
        for match in _SECRET_RE.finditer(line):
            secret = match.group(1)
            if secret in DOC_EXAMPLE_KEYS or is_placeholder(secret) or not _looks_random(secret):
                continue
            span = Span(source.path, number, match.start(1) + 1, number, match.end(1) + 1)
            yield ctx.finding(f"AWS secret access key {secret} is hardcoded", span,
                              secrets=[secret])
