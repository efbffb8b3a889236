"""MLA4xx: GitHub Actions workflows (one rule per module; `_*` modules are shared helpers)."""

from __future__ import annotations

from typing import Any

from mlaudit.rule import Rule
from mlaudit_rules.ci import (
    action_unpinned,
    aws_long_lived_keys_in_ci,
    aws_oidc_missing_id_token,
    deploy_without_test_gate,
    ecs_deploy_no_wait,
    image_pushed_only_latest,
    pull_request_target_checkout,
    workflow_permissions_excessive,
    workflow_script_injection,
)

RULES: tuple[Rule[Any], ...] = (
    deploy_without_test_gate.RULE,
    aws_long_lived_keys_in_ci.RULE,
    aws_oidc_missing_id_token.RULE,
    action_unpinned.RULE,
    workflow_permissions_excessive.RULE,
    workflow_script_injection.RULE,
    pull_request_target_checkout.RULE,
    ecs_deploy_no_wait.RULE,
    image_pushed_only_latest.RULE,
)
