"""MLA3xx: infrastructure as code (Terraform, SAM, Serverless)."""

from __future__ import annotations

from typing import Any

from mlaudit.rule import Rule
from mlaudit_rules.iac import (
    apprunner_health_check_tcp,
    asg_fixed_size,
    autoscaling_no_headroom,
    database_publicly_accessible,
    ec2_imdsv1_allowed,
    ecr_scan_on_push_disabled,
    ecr_tag_mutable,
    ecs_deployment_downtime,
    ecs_service_autoscaling_missing,
    rds_deletion_protection_disabled,
    security_group_admin_port_public,
    target_group_health_check_missing,
    target_group_health_check_slow,
    terraform_state_local,
)

RULES: tuple[Rule[Any], ...] = (
    terraform_state_local.RULE,
    rds_deletion_protection_disabled.RULE,
    ec2_imdsv1_allowed.RULE,
    database_publicly_accessible.RULE,
    ecr_tag_mutable.RULE,
    ecr_scan_on_push_disabled.RULE,
    target_group_health_check_missing.RULE,
    target_group_health_check_slow.RULE,
    apprunner_health_check_tcp.RULE,
    security_group_admin_port_public.RULE,
    ecs_service_autoscaling_missing.RULE,
    asg_fixed_size.RULE,
    autoscaling_no_headroom.RULE,
    ecs_deployment_downtime.RULE,
)
