"""Rules of this family, listed explicitly (one rule per module)."""

from __future__ import annotations

from typing import Any

from mlaudit.rule import Rule
from mlaudit_rules.edge import (
    alb_listener_http_forward,
    alb_tls_policy_outdated,
    nginx_client_max_body_size_missing,
    nginx_proxy_headers_missing,
    nginx_rate_limit_missing,
    nginx_server_tokens_on,
    nginx_tls_missing,
    nginx_tls_weak,
)

RULES: tuple[Rule[Any], ...] = (
    nginx_tls_missing.RULE,
    alb_listener_http_forward.RULE,
    nginx_tls_weak.RULE,
    alb_tls_policy_outdated.RULE,
    nginx_proxy_headers_missing.RULE,
    nginx_rate_limit_missing.RULE,
    nginx_server_tokens_on.RULE,
    nginx_client_max_body_size_missing.RULE,
)
