"""MLA5xx: the edge (nginx, load balancer listeners).

The rules of this family, by module name (one rule per module). The package imports none
of them: `mlaudit_rules.load_all()` and the engine import a rule module only when needed.
"""

MODULES: tuple[str, ...] = (
    "alb_listener_http_forward",
    "alb_tls_policy_outdated",
    "nginx_client_max_body_size_missing",
    "nginx_proxy_headers_missing",
    "nginx_rate_limit_missing",
    "nginx_server_tokens_on",
    "nginx_tls_missing",
    "nginx_tls_weak",
)
