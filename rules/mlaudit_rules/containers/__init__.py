"""MLA2xx: Dockerfiles, compose files and ECS task definitions.

The rules of this family, by module name (one rule per module). The package imports none
of them: `mlaudit_rules.load_all()` and the engine import a rule module only when needed.
"""

MODULES: tuple[str, ...] = (
    "compose_healthcheck_missing",
    "compose_port_published_all_interfaces",
    "dockerfile_copy_before_install",
    "dockerfile_healthcheck_missing",
    "dockerfile_user_root",
    "ecs_healthcheck_missing",
    "image_tag_mutable",
)
