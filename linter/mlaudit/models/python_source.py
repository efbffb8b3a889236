"""The Python source model: facts about serving code, extracted with `ast` (never imported)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PythonModule:
    path: str
    imports: tuple[str, ...] = ()
