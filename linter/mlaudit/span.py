"""Source positions. Every value a rule may report on carries one."""

from __future__ import annotations

from dataclasses import dataclass


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
