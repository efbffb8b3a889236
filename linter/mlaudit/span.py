"""Source positions. Every value a rule may report on carries one."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar

C = TypeVar("C", bound=type)


def compact_pickle(cls: C) -> C:
    """Pickle a (slotted, frozen) dataclass as its constructor arguments.

    Parser processes hand hundreds of thousands of model objects back to the main process
    on a cold run of a large repository (the parse cache itself stores JSON, never
    pickles); the default path for slotted dataclasses sets each field through
    `dataclasses.fields()`, 2.5x slower than calling the constructor, and writes the
    field names into every object. Apply it above `@dataclass`.
    """
    names = tuple(f.name for f in dataclasses.fields(cls) if f.init)

    def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:
        return cls, tuple(getattr(self, name) for name in names)

    cls.__reduce__ = __reduce__  # type: ignore[assignment]
    return cls


@compact_pickle
@dataclass(frozen=True, slots=True)
class Span:
    """A place in a scanned file: repo-relative POSIX path and 1-based line/column.

    `end_line`/`end_column` are optional (0 = unknown); `end_column` is the column after
    the last character, as SARIF wants it.
    """

    path: str
    line: int = 1
    column: int = 1
    end_line: int = 0
    end_column: int = 0

    def __post_init__(self) -> None:
        # Never let a 0 or negative position escape: SARIF and annotations reject them.
        if self.line < 1:
            object.__setattr__(self, "line", 1)
        if self.column < 1:
            object.__setattr__(self, "column", 1)

    def with_path(self, path: str) -> Span:
        return Span(path, self.line, self.column, self.end_line, self.end_column)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"
