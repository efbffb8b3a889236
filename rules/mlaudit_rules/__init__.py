"""mlaudit's built-in rule pack. `ALL_RULES` lists every rule explicitly, sorted by id.

Nothing registers itself on import: a rule exists when it is listed here (a test checks
that every rule module is listed).
"""

from __future__ import annotations

from typing import Any

from mlaudit.rule import Rule
from mlaudit_rules.containers import (
    dockerfile_healthcheck_missing,
    dockerfile_user_root,
    image_tag_mutable,
)
from mlaudit_rules.secrets import aws_credentials_hardcoded
from mlaudit_rules.tool import unused_suppression

ALL_RULES: tuple[Rule[Any], ...] = (
    unused_suppression.RULE,
    aws_credentials_hardcoded.RULE,
    dockerfile_healthcheck_missing.RULE,
    dockerfile_user_root.RULE,
    image_tag_mutable.RULE,
)
