"""Live AWS account root user has access keys

## What it flags
An account whose IAM account summary reports `AccountAccessKeysPresent` above 0: the root
user has an access key.

Not flagged: accounts without root access keys; runs where the account summary could not
be read (a notice names `iam:GetAccountSummary`).

## Why it matters
The root user cannot be limited by any policy. Its key gives unrestricted control of the
account, its billing and its models, and it is a prime target for credential stuffing
and leaked-secret scanners.

## How to fix
Delete the root user's access keys, use IAM roles for everything, and protect the root
user with MFA.

## Example
```text
AccountAccessKeysPresent: 1
```

```text
AccountAccessKeysPresent: 0
```

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding, Location
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES

RULE = Rule(
    id="MLA818",
    name="live-root-access-key",
    title="Live AWS account root user has access keys",
    severity=Severity.CRITICAL,
    category=Category.SECRETS,
    target=LiveState,
    kind=Kind.SECURITY,
    tags=("live", "aws", "iam", "credentials"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    if state.facts.root_access_keys:
        account = state.facts.account or "account"
        yield ctx.finding(f"the root user of account {account} has "
                          f"{state.facts.root_access_keys} access key(s)",
                          Location(resource=f"arn:aws:iam::{account}:root"),
                          key=f"root:{account}")
