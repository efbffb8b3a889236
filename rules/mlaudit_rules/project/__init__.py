"""Rules of this family, listed explicitly (one rule per module)."""

from __future__ import annotations

from typing import Any

from mlaudit.rule import Rule
from mlaudit_rules.project import (
    app_port_public,
    app_server_proxy_headers_ignored,
    health_check_cannot_work,
    lambda_function_url_public,
    lambda_heavy_model,
    lambda_heavy_model_undersized,
    proxy_target_unknown,
    single_server,
    user_data_docker_port_public,
)

RULES: tuple[Rule[Any], ...] = (
    lambda_heavy_model.RULE,
    lambda_heavy_model_undersized.RULE,
    proxy_target_unknown.RULE,
    app_server_proxy_headers_ignored.RULE,
    health_check_cannot_work.RULE,
    lambda_function_url_public.RULE,
    app_port_public.RULE,
    user_data_docker_port_public.RULE,
    single_server.RULE,
)
