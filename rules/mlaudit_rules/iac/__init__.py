"""MLA3xx: infrastructure as code (Terraform HCL, plan and state).

The rules of this family, by module name (one rule per module). The package imports none
of them: `mlaudit_rules.load_all()` and the engine import a rule module only when needed.
"""

MODULES: tuple[str, ...] = (
    "apprunner_health_check_tcp",
    "asg_fixed_size",
    "autoscaling_no_headroom",
    "database_publicly_accessible",
    "ec2_imdsv1_allowed",
    "ecr_scan_on_push_disabled",
    "ecr_repository_public_push",
    "ecr_tag_mutable",
    "ecs_deployment_downtime",
    "ecs_service_autoscaling_missing",
    "rds_deletion_protection_disabled",
    "sagemaker_data_capture_missing",
    "sagemaker_endpoint_single_instance",
    "sagemaker_gpu_small_model",
    "sagemaker_serverless_cold_start",
    "security_group_admin_port_public",
    "target_group_health_check_missing",
    "target_group_health_check_slow",
    "terraform_state_local",
)
