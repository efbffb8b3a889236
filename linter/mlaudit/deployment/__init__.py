"""Builders of the deployment model (`mlaudit.models.deployment`), one module per format.

`build(project)` runs them in dependency order: images first (everything else links to
them), then each format, then the cross-format links. A builder that meets input it does
not expect is skipped with a note in `Deployment.problems`: the model is then partial,
never wrong, and the scan goes on.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from mlaudit.deployment._builder import Builder
from mlaudit.models.deployment import Deployment
from mlaudit.project import ParsedProject

__all__ = ["build"]


def _terraform(project: ParsedProject) -> Any:
    try:
        evaluate = importlib.import_module("mlaudit.terraform.evaluate")
    except ModuleNotFoundError:
        return None
    return evaluate.build_terraform(project)


def _steps(builder: Builder) -> list[tuple[str, Callable[[], None]]]:
    from mlaudit.deployment import link
    from mlaudit.deployment.compose import build_compose
    from mlaudit.deployment.docker import build_images
    from mlaudit.deployment.ecs import build_task_definition_files
    from mlaudit.deployment.functions import build_functions
    from mlaudit.deployment.nginx import build_nginx
    from mlaudit.deployment.python import attach_python
    from mlaudit.deployment.terraform_net import TfIndex
    from mlaudit.deployment.workflows import build_workflows

    index = TfIndex()
    tf = builder.terraform
    steps: list[tuple[str, Callable[[], None]]] = [
        ("dockerfile", lambda: build_images(builder)),
        ("python", lambda: attach_python(builder)),
        ("compose", lambda: build_compose(builder)),
        ("nginx", lambda: build_nginx(builder)),
        ("ecs", lambda: build_task_definition_files(builder)),
    ]
    if tf is not None:
        from mlaudit.deployment.terraform_compute import build_compute
        from mlaudit.deployment.terraform_images import build_terraform_images
        from mlaudit.deployment.terraform_net import build_network

        steps += [("terraform network", lambda: build_network(builder, tf, index)),
                  ("terraform compute", lambda: build_compute(builder, tf, index)),
                  ("terraform images", lambda: build_terraform_images(builder, tf))]
    steps += [
        ("functions", lambda: build_functions(builder)),
        ("workflows", lambda: build_workflows(builder)),
        ("link images", lambda: link.link_images(builder)),
        ("link proxies", lambda: link.link_proxies(builder)),
        ("link security groups", lambda: link.link_security_groups(builder, index)),
        ("link internet", lambda: link.link_internet(builder)),
        ("link health checks", lambda: link.link_health_routes(builder)),
        ("refresh", lambda: link.refresh_healthchecks(builder)),
    ]
    return steps


def build(project: ParsedProject) -> Deployment:
    builder = Builder(project, _terraform(project))
    for name, step in _steps(builder):
        try:
            step()
        except Exception as exc:  # a builder bug must not end the scan: keep what we have
            builder.problem(f"deployment model: {name} step failed "
                            f"({type(exc).__name__}: {exc})")
    return builder.deployment
