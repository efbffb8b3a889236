"""MLA9xx: platform-as-a-service deployments (Render, Heroku, Fly.io, App Runner).

The rules of this family, by module name (one rule per module). The package imports none
of them: `mlaudit_rules.load_all()` and the engine import a rule module only when needed.
"""

MODULES: tuple[str, ...] = (
    "apprunner_memory_below_model",
    "fly_health_check_missing",
    "fly_internal_port_mismatch",
    "fly_scale_to_zero_heavy_model",
    "heroku_dyno_too_small_for_model",
    "heroku_web_fixed_port",
    "render_health_check_missing",
    "render_plan_too_small_for_model",
    "render_single_instance",
)
