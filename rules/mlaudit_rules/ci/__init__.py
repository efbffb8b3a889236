"""MLA4xx: CI/CD pipelines (GitHub Actions workflows).

The rules of this family, by module name (one rule per module). The package imports none
of them: `mlaudit_rules.load_all()` and the engine import a rule module only when needed.
"""

MODULES: tuple[str, ...] = (
    "action_unpinned",
    "aws_long_lived_keys_in_ci",
    "aws_oidc_missing_id_token",
    "deploy_without_test_gate",
    "ecs_deploy_no_wait",
    "image_pushed_only_latest",
    "pull_request_target_checkout",
    "workflow_permissions_excessive",
    "workflow_script_injection",
    "deploy_on_pull_request",
    "workflow_condition_unsound",
    "production_deploy_without_environment",
)
