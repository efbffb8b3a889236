"""Everything parsed in one scan: the files, their models, artifacts and diagnostics."""

from __future__ import annotations

import posixpath
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from mlaudit.sources import Artifact, SourceFile

T = TypeVar("T")


class PathIndex(Generic[T]):
    """Items keyed by a repository path, for "every item below this directory" in
    O(log n + k) instead of a walk over every item per question (quadratic when asked per
    service of a monorepo). Answers keep the items' original order."""

    __slots__ = ("_items", "_order", "_paths")

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        pairs = list(items)
        self._items = [item for _, item in pairs]
        order = sorted(range(len(pairs)), key=lambda i: pairs[i][0])
        self._paths = [pairs[i][0] for i in order]
        self._order = order

    def under(self, directory: str) -> list[T]:
        """Items whose path lies below `directory` ("": every item)."""
        if not directory:
            return list(self._items)
        # Paths starting with "dir/" sort between "dir/" and "dir0" ("0" follows "/").
        lo = bisect_left(self._paths, directory + "/")
        hi = bisect_left(self._paths, directory + "0", lo)
        return [self._items[i] for i in sorted(self._order[lo:hi])]

    def at_or_under(self, path: str) -> list[T]:
        """Items at `path` or below it, in path order."""
        lo = bisect_left(self._paths, path)
        hi = bisect_left(self._paths, path + "\x00", lo)
        exact = [self._items[i] for i in self._order[lo:hi]]
        lo = bisect_left(self._paths, path + "/")
        hi = bisect_left(self._paths, path + "0", lo)
        return exact + [self._items[i] for i in self._order[lo:hi]]


@dataclass
class ParsedProject:
    root: Path
    files: list[SourceFile] = field(default_factory=list)
    models: dict[str, Any] = field(default_factory=dict)  # repo path -> parsed model
    artifacts: list[Artifact] = field(default_factory=list)
    # Models by class, built on first use: rules and builders ask for "every Dockerfile"
    # once per service, and a walk over every model each time is quadratic on a monorepo.
    # Keyed by the models dict's size, the only way the engine changes it (it adds).
    _by_type: dict[Any, tuple[int, Any]] = field(default_factory=dict, repr=False)
    _by_path: tuple[int, dict[str, SourceFile]] | None = field(default=None, repr=False)
    # Files read through `read_text` (templates named by `file()`): dependencies no unit
    # lists, so an incremental scan starts over when one of them changes.
    reads: set[str] = field(default_factory=set, repr=False)

    def of_type(self, cls: type[T]) -> Iterator[T]:
        cached = self._by_type.get(cls)
        if cached is None or cached[0] != len(self.models):
            cached = (len(self.models), [m for m in self.models.values() if isinstance(m, cls)])
            self._by_type[cls] = cached
        return iter(cached[1])

    def by_path(self, cls: type[T]) -> dict[str, T]:
        """Models of a class by repository path, built once per scan. Shared: callers
        must not change it."""
        key = ("path", cls)
        cached = self._by_type.get(key)
        if cached is None or cached[0] != len(self.models):
            found = {m.path: m for m in self.models.values()  # type: ignore[attr-defined]
                     if isinstance(m, cls)}
            cached = (len(self.models), found)
            self._by_type[key] = cached
        value: dict[str, T] = cached[1]
        return value

    def under(self, cls: type[T], directory: str) -> list[T]:
        """Models of a class whose path lies below `directory` ("": all), in scan order;
        indexed once per scan."""
        key = ("under", cls)
        cached = self._by_type.get(key)
        if cached is None or cached[0] != len(self.models):
            index = PathIndex((m.path, m) for m in self.models.values()  # type: ignore[attr-defined]
                              if isinstance(m, cls))
            cached = (len(self.models), index)
            self._by_type[key] = cached
        found: list[T] = cached[1].under(directory)
        return found

    def file(self, path: str) -> SourceFile | None:
        if self._by_path is None or self._by_path[0] != len(self.files):
            self._by_path = (len(self.files), {s.path: s for s in reversed(self.files)})
        return self._by_path[1].get(path)

    def read_text(self, path: str) -> str | None:
        """Text of a repo-relative file (e.g. a template named by `file()`), or None.

        Refuses anything that resolves outside the root: scanned config must never make
        mlaudit read arbitrary files of the machine.
        """
        self.reads.add(posixpath.normpath(path))
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
