"""MLA1xx: secrets in any file mlaudit reads."""

from __future__ import annotations

from typing import Any

from mlaudit.rule import Rule
from mlaudit_rules.secrets import (
    aws_credentials_hardcoded,
    credential_file_committed,
    secret_hardcoded,
    secret_in_plain_environment,
)

RULES: tuple[Rule[Any], ...] = (
    aws_credentials_hardcoded.RULE, secret_hardcoded.RULE, credential_file_committed.RULE,
    secret_in_plain_environment.RULE,
)
