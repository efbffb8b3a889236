"""MLA6xx: Python serving code. Rules of this family, listed explicitly (one rule per module)."""

from __future__ import annotations

from typing import Any

from mlaudit.rule import Rule
from mlaudit_rules.python import app_health_endpoint_missing, lambda_model_loaded_per_invocation

RULES: tuple[Rule[Any], ...] = (
    app_health_endpoint_missing.RULE,
    lambda_model_loaded_per_invocation.RULE,
)
