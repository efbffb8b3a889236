"""MLA6xx: Python serving code (handlers, apps).

The rules of this family, by module name (one rule per module). The package imports none
of them: `mlaudit_rules.load_all()` and the engine import a rule module only when needed.
"""

MODULES: tuple[str, ...] = (
    "app_health_endpoint_missing",
    "lambda_model_loaded_per_invocation",
    "model_loaded_per_request",
)
