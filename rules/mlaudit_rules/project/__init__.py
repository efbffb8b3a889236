"""MLA7xx: cross-file rules over the deployment model.

The rules of this family, by module name (one rule per module). The package imports none
of them: `mlaudit_rules.load_all()` and the engine import a rule module only when needed.
"""

MODULES: tuple[str, ...] = (
    "app_port_public",
    "app_server_proxy_headers_ignored",
    "health_check_cannot_work",
    "lambda_function_url_public",
    "api_gateway_route_unauthenticated",
    "docker_run_without_restart",
    "state_changing_route_unauthenticated",
    "lambda_heavy_model",
    "lambda_heavy_model_undersized",
    "proxy_target_unknown",
    "single_server",
    "user_data_docker_port_public",
)
