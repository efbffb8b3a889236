"""Live IAM user has an active access key older than 90 days

## What it flags
An active access key of an IAM user created more than 90 days before the run (a
long-lived CI or deployment key). The key id is shown redacted.

Not flagged: inactive keys; keys younger than 90 days.

## Why it matters
A static key that never rotates has had the longest time to leak (CI logs, laptops, old
`.env` files) and works from anywhere until someone deletes it. Pipelines that deploy
models hold some of the most powerful keys in an account.

## How to fix
Replace CI keys with OIDC federation (GitHub Actions `aws-actions/configure-aws-
credentials` with a role), or rotate the key and delete the old one.

## Example
```text
user ci-deploy: key AKIA**************** active, created 400 days ago
```

```text
GitHub Actions assumes role ci-deploy through OIDC: no access key
```

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from mlaudit.finding import Finding, Location
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES

RULE = Rule(
    id="MLA817",
    name="live-iam-access-key-old",
    title="Live IAM user has an active access key older than 90 days",
    severity=Severity.MEDIUM,
    category=Category.SECRETS,
    target=LiveState,
    kind=Kind.SECURITY,
    tags=("live", "aws", "iam", "credentials"),
    roles=LIVE_ROLES,
    options={"max_age_days": 90},
    docs=__doc__ or "",
)


def _when(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    now = _when(state.facts.collected_at)
    limit = int(ctx.option("max_age_days"))
    if now is None:
        return
    account = state.facts.account or "account"
    for key in state.facts.access_keys:
        created = _when(key.created)
        if key.status != "Active" or created is None:
            continue
        age = (now - created).days
        if age > limit:
            user = f"arn:aws:iam::{account}:user/{key.user}"
            yield ctx.finding(f"IAM user {key.user} has an active access key {key.key_id} "
                              f"created {age} days ago (over {limit})",
                              Location(resource=user), key=f"{user}:{key.key_id}",
                              secrets=[key.key_id])
