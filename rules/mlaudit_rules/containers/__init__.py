"""MLA2xx: Dockerfiles, compose files and ECS task definitions."""

from __future__ import annotations

from typing import Any

from mlaudit.rule import Rule
from mlaudit_rules.containers import (
    compose_healthcheck_missing,
    compose_port_published_all_interfaces,
    dockerfile_copy_before_install,
    dockerfile_healthcheck_missing,
    dockerfile_user_root,
    ecs_healthcheck_missing,
    image_tag_mutable,
)

RULES: tuple[Rule[Any], ...] = (
    dockerfile_copy_before_install.RULE,
    dockerfile_healthcheck_missing.RULE,
    dockerfile_user_root.RULE,
    image_tag_mutable.RULE,
    compose_healthcheck_missing.RULE,
    ecs_healthcheck_missing.RULE,
    compose_port_published_all_interfaces.RULE,
)
