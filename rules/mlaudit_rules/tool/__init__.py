"""MLA0xx: rules about mlaudit itself."""

from __future__ import annotations

from typing import Any

from mlaudit.rule import Rule
from mlaudit_rules.tool import unused_suppression

RULES: tuple[Rule[Any], ...] = (unused_suppression.RULE,)
