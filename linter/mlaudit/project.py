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

    def read_text(self, path: str) -> str | None:
        """Text of a repo-relative file (e.g. a template named by `file()`), or None.

        Refuses anything that resolves outside the root: scanned config must never make
        mlaudit read arbitrary files of the machine.
        """
        source = self.file(path)
        if source is not None:
            try:
                return source.text
            except OSError:
                return None
        root = self.root.resolve()
        target = (root / path).resolve()
        try:
            target.relative_to(root)
        except ValueError:
            return None
        try:
            if target.is_file() and target.stat().st_size <= 5 * 1024 * 1024:
                return target.read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            return None
        return None
