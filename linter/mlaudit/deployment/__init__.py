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


# A builder step runs (and its module is imported) only when a model of its format was
# parsed: a pre-commit run on a Dockerfile must not pay for the Terraform, nginx or compose
# models. Keys are the model modules a parsed file's model comes from.
_TERRAFORM_MODELS = {"mlaudit.models.terraform_syntax", "mlaudit.models.terraform"}


def _present(project: ParsedProject) -> set[str]:
    return {type(model).__module__ for model in project.models.values()}


def _terraform(project: ParsedProject) -> Any:
    if not _present(project) & _TERRAFORM_MODELS:
        return None
    try:
        evaluate = importlib.import_module("mlaudit.terraform.evaluate")
    except ModuleNotFoundError:
        return None
    return evaluate.build_terraform(project)


def _format_steps(builder: Builder, present: set[str]) -> list[tuple[str, Callable[[], None]]]:
    steps: list[tuple[str, Callable[[], None]]] = []
    if "mlaudit.models.dockerfile" in present:
        from mlaudit.deployment.docker import build_images

        steps.append(("dockerfile", lambda: build_images(builder)))
    if "mlaudit.models.python_source" in present:
        from mlaudit.deployment.python import attach_python

        steps.append(("python", lambda: attach_python(builder)))
    if "mlaudit.models.compose" in present:
        from mlaudit.deployment.compose import build_compose

        steps.append(("compose", lambda: build_compose(builder)))
    if "mlaudit.models.nginx" in present:
        from mlaudit.deployment.nginx import build_nginx

        steps.append(("nginx", lambda: build_nginx(builder)))
    if "mlaudit.models.kubernetes" in present:
        from mlaudit.deployment.kubernetes import build_kubernetes

        steps.append(("kubernetes", lambda: build_kubernetes(builder)))
    if "mlaudit.models.ecs" in present:
        from mlaudit.deployment.ecs import build_task_definition_files

        steps.append(("ecs", lambda: build_task_definition_files(builder)))
    return steps


def _steps(builder: Builder) -> list[tuple[str, Callable[[], None]]]:
    from mlaudit.deployment import link

    present = _present(builder.project)
    steps = _format_steps(builder, present)
    tf = builder.terraform
    index: Any = None
    if tf is not None:
        from mlaudit.deployment.terraform_compute import build_compute
        from mlaudit.deployment.terraform_images import build_terraform_images
        from mlaudit.deployment.terraform_net import TfIndex, build_network

        index = TfIndex(tf)
        steps += [("terraform network", lambda: build_network(builder, tf, index)),
                  ("terraform compute", lambda: build_compute(builder, tf, index)),
                  ("terraform images", lambda: build_terraform_images(builder, tf))]
        if any(True for _ in tf.resources("kubernetes_")) or \
                any(True for _ in tf.resources("helm_release")):
            from mlaudit.deployment.kubernetes import build_terraform_kubernetes

            steps.append(("terraform kubernetes",
                          lambda: build_terraform_kubernetes(builder, tf)))
    if "mlaudit.models.functions" in present:
        from mlaudit.deployment.functions import build_functions

        steps.append(("functions", lambda: build_functions(builder)))
    if "mlaudit.models.workflow" in present:
        from mlaudit.deployment.workflows import build_workflows

        steps.append(("workflows", lambda: build_workflows(builder)))
    steps += _serving_steps(builder, present, index)  # after the names images are built as
    steps += [
        ("link images", lambda: link.link_images(builder)),
        ("link proxies", lambda: link.link_proxies(builder)),
        ("link internet", lambda: link.link_internet(builder)),
        ("link health checks", lambda: link.link_health_routes(builder)),
        ("refresh", lambda: link.refresh_healthchecks(builder)),
    ]
    if index is not None:  # security groups exist only in Terraform
        steps.insert(len(steps) - 3, ("link security groups",
                                      lambda: link.link_security_groups(builder, index)))
    return steps


def _serving_steps(builder: Builder, present: set[str], index: Any
                   ) -> list[tuple[str, Callable[[], None]]]:
    """SageMaker endpoints (Terraform, templates, SDK code, notebooks) and PaaS services;
    imported only when a model that can hold them was parsed."""
    project = builder.project
    tf = builder.terraform
    steps: list[tuple[str, Callable[[], None]]] = []
    if tf is not None or any(getattr(m, "sagemaker", None) is not None
                             for m in project.models.values()):
        from mlaudit.deployment.serving import build_sagemaker

        steps.append(("sagemaker", lambda: build_sagemaker(builder, index)))
    if tf is not None or "mlaudit.models.paas" in present:
        from mlaudit.deployment.serving import build_paas

        steps.append(("paas", lambda: build_paas(builder, index)))
    return steps


def build(project: ParsedProject, roles: Any = None) -> Deployment:
    from mlaudit.deployment.units import assign_units

    builder = Builder(project, _terraform(project))
    steps = [*_steps(builder), ("units", lambda: assign_units(builder, roles))]
    for name, step in steps:
        try:
            step()
        except Exception as exc:  # a builder bug must not end the scan: keep what we have
            builder.problem(f"deployment model: {name} step failed "
                            f"({type(exc).__name__}: {exc})")
    return builder.deployment
