"""MLA8xx: live AWS checks (MLA800-MLA849) and drift (MLA850-MLA899).

Their subject is the `LiveState` (`mlaudit.models.live`) that `mlaudit live` and
`mlaudit scan --live` build through read-only API calls: a static scan has none, so it
never imports these rules (nor boto3). Fixtures are recorded facts (`live-facts.json`)
beside a Terraform root and its state.
"""

MODULES: tuple[str, ...] = (
    "live_security_group_open",
    "live_ecs_service_not_autoscaled",
    "live_ecs_deployment_downtime",
    "live_ecs_healthcheck_missing",
    "live_ecs_image_latest",
    "live_ecs_service_below_desired",
    "live_target_group_health_check_weak",
    "live_targets_unhealthy",
    "live_listener_http_forward",
    "live_listener_tls_outdated",
    "live_lambda_cold_start",
    "live_lambda_undersized",
    "live_lambda_url_unauthenticated",
    "live_sagemaker_single_instance",
    "live_sagemaker_serverless_memory_low",
    "live_ecr_tag_mutable",
    "live_ecr_scan_on_push_disabled",
    "live_iam_access_key_old",
    "live_root_access_key",
    "drift_security_group_rules",
    "drift_ecs_service",
    "drift_target_group_health_check",
    "drift_lambda_configuration",
    "drift_ecr_tag_mutability",
    "drift_sagemaker_variant",
    "drift_resource_deleted",
    "drift_reported_by_terraform",
)
