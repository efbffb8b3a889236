"""Everything parsed in one scan: the files, their models, artifacts and diagnostics."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mlaudit.sources import Artifact, SourceFile

T = TypeVar("T")


@dataclass
class ParsedProject:
    root: Path
    files: list[SourceFile] = field(default_factory=list)
    models: dict[str, Any] = field(default_factory=dict)  # repo path -> parsed model
    artifacts: list[Artifact] = field(default_factory=list)

    def of_type(self, cls: type[T]) -> Iterator[T]:
        for model in self.models.values():
            if isinstance(model, cls):
                yield model

    def file(self, path: str) -> SourceFile | None:
        for source in self.files:
            if source.path == path:
                return source
        return None
