"""ECR repository policy lets anyone push images

## What it flags
An `aws_ecr_repository_policy` whose policy has an `Allow` statement for every principal
(`"Principal": "*"` or `{"AWS": "*"}`) on an action that writes images: `ecr:PutImage`,
the layer upload actions, `ecr:BatchDeleteImage`, or a wildcard that covers them
(`ecr:*`, `ecr:Put*`, `*`), with no `Condition`. The policy may be a JSON string, a
`jsonencode(...)` or a `data "aws_iam_policy_document"` (`principals { type = "*" }` or
`type = "AWS"` with identifier `"*"`). The finding sits on the statement that grants it.

Not flagged: statements with a `Condition` (an organisation id, a source account: cannot
tell who passes), `Deny` statements, pull-only grants (`ecr:BatchGetImage`,
`ecr:GetDownloadUrlForLayer`), named principals, policies mlaudit cannot resolve.

## Why it matters
Whoever can push to the repository the model service pulls from decides what code serves
the model: an overwritten tag (`:latest`, or any tag when tags are mutable) is deployed on
the next task start or scale-out. A public push grant hands that to every AWS account.

## How to fix
Name the accounts or roles that may push (the CI role), and keep public or cross-account
grants to the pull actions; add an `aws:PrincipalOrgID` condition for organisation-wide
access.

## Example
```hcl
resource "aws_ecr_repository_policy" "model" {
  repository = aws_ecr_repository.model.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = ["ecr:*"] }]
  })
}
```

```hcl
resource "aws_ecr_repository_policy" "model" {
  repository = aws_ecr_repository.model.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:role/ci-push" }
      Action    = ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                   "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability"]
    }]
  })
}
```

## References
- https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.terraform import Body, Resource, TerraformModule, Unknown
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.iac._terraform import once

RULE = Rule(
    id="MLA307",
    name="ecr-repository-public-push",
    title="ECR repository policy lets anyone push images",
    severity=Severity.CRITICAL,
    category=Category.IMAGE,
    target=TerraformModule,
    kind=Kind.SECURITY,
    tags=("terraform", "aws", "ecr", "supply-chain"),
    docs=__doc__ or "",
)

_WRITE_ACTIONS = ("ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                  "ecr:CompleteLayerUpload", "ecr:BatchDeleteImage")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _writes(actions: Any) -> str | None:
    """The first write action a list of actions (wildcards allowed) covers."""
    for action in _as_list(actions):
        if not isinstance(action, str):
            continue
        for write in _WRITE_ACTIONS:
            if fnmatch.fnmatchcase(write.lower(), action.lower()):
                return action
    return None


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in _as_list(v) for k, v in principal.items() if k in ("AWS", "*"))
    return False


def _json_statements(policy: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(policy, dict):
        for statement in _as_list(policy.get("Statement")):
            if isinstance(statement, dict):
                yield "", statement


def _document_grants(document: Resource) -> Iterator[tuple[Body, str]]:
    for statement in document.blocks("statement"):
        if str(statement.get("effect", "Allow")) != "Allow" or statement.blocks("condition"):
            continue
        if statement.block_unknown("principals") or statement.block_unknown("condition"):
            continue
        public = any(p.get("type") == "*" or (
            p.get("type") == "AWS" and "*" in _as_list(p.get("identifiers")))
            for p in statement.blocks("principals"))
        action = _writes(statement.get("actions"))
        if public and action:
            yield statement, action


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    documents = {d.name: d for d in module.data_sources if d.type == "aws_iam_policy_document"}
    for policy in module.resources_of("aws_ecr_repository_policy"):
        grants: list[tuple[Span, str]] = []
        value = policy.get("policy")
        if isinstance(value, Unknown) and value.ref.startswith("data.aws_iam_policy_document."):
            document = documents.get(value.ref.split(".")[2])
            if document is not None:
                grants = [(s.span, a) for s, a in _document_grants(document)]
        else:
            for _, statement in _json_statements(policy.decoded("policy")):
                if (statement.get("Effect") == "Allow" and "Condition" not in statement
                        and _everyone(statement.get("Principal"))):
                    action = _writes(statement.get("Action"))
                    if action:
                        grants.append((policy.span_of("policy"), action))
        for span, action in grants[:1]:
            yield ctx.finding(
                f"aws_ecr_repository_policy {policy.config_address} allows any AWS principal "
                f"`{action}`: anyone can push the image the service runs",
                span, key=policy.config_address)


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))
