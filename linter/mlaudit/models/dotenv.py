"""The .env model: `NAME=value` entries as docker compose and python-dotenv read them."""

from __future__ import annotations

from dataclasses import dataclass

from mlaudit.span import Span


@dataclass(frozen=True, slots=True)
class DotEnvEntry:
    """One assignment. `value` is unquoted and unescaped (None for a bare `NAME` line);
    `span` points at the name. Values are raw secrets material: pass them via `secrets=`."""

    name: str
    value: str | None
    span: Span
    exported: bool = False  # written as `export NAME=...`


@dataclass(frozen=True)
class DotEnv:
    """A .env file. `invalid` holds the spans of lines that are not assignments (skipped,
    as docker compose and python-dotenv skip them)."""

    path: str
    entries: tuple[DotEnvEntry, ...] = ()
    invalid: tuple[Span, ...] = ()

    def get(self, name: str) -> DotEnvEntry | None:
        """The effective (last) assignment of `name`, or None."""
        return next((e for e in reversed(self.entries) if e.name == name), None)

    def as_dict(self) -> dict[str, str | None]:
        return {e.name: e.value for e in self.entries}
