"""The deployment model: the repository as one deployment, built once per scan.

PLACEHOLDER: the cross-file model (services, ports, health checks, entry points, proxies,
scaling, functions, pipelines) is built here from the parsed files; rules query it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from mlaudit.project import ParsedProject

T = TypeVar("T")


@dataclass
class Deployment:
    project: ParsedProject

    def models(self, cls: type[T]) -> Iterator[T]:
        return self.project.of_type(cls)

    def subjects(self) -> list[Any]:
        """Models derived from several files, which rules may also target."""
        return []


def build_deployment(project: ParsedProject) -> Deployment:
    return Deployment(project)
