"""The deployment model: the repository as one deployment, built once per scan.

SKELETON: the cross-file model (services, ports, health checks, entry points, proxies,
scaling, functions, pipelines) is built here from the parsed files; rules query it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mlaudit.project import ParsedProject

T = TypeVar("T")


@dataclass
class Deployment:
    project: ParsedProject
    terraform: Any = None  # mlaudit.models.terraform.TerraformProject when Terraform exists
    extra_subjects: list[Any] = field(default_factory=list)

    def models(self, cls: type[T]) -> Iterator[T]:
        return self.project.of_type(cls)

    def subjects(self) -> list[Any]:
        """Models derived from several files, which rules may also target."""
        subjects: list[Any] = list(self.extra_subjects)
        if self.terraform is not None:
            subjects.extend(getattr(self.terraform, "modules", ()))
        return subjects


def _build_terraform(project: ParsedProject) -> Any:
    try:
        evaluate = importlib.import_module("mlaudit.terraform.evaluate")
    except ModuleNotFoundError:
        return None
    return evaluate.build_terraform(project)


def build_deployment(project: ParsedProject) -> Deployment:
    return Deployment(project, terraform=_build_terraform(project))
