"""One parser module per input format. Each wraps a maintained library and returns a model.

A parser module exposes `parse(source: SourceFile) -> model | None` (None: this file is not
of a kind mlaudit models, e.g. an arbitrary JSON file) and raises `ParseError` with a line
on malformed input. The table below is the whole registry: adding a format is one module
plus one line here. Modules are imported lazily, so a run that sees no Terraform never
imports python-hcl2.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from mlaudit.sources import FileKind, SourceFile


class ParseError(Exception):
    """A malformed input. `line`/`column` are 1-based when known."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = max(1, line)
        self.column = max(1, column)


# kind -> module under mlaudit.parsers that parses it
PARSER_MODULES: dict[FileKind, str] = {
    FileKind.DOCKERFILE: "dockerfile",
    FileKind.PYTHON: "python_source",
}

Parser = Callable[[SourceFile], Any]


def parser_for(kind: FileKind) -> tuple[Parser, str] | None:
    """The parse function and its cache version for a kind, or None if unparsed."""
    module_name = PARSER_MODULES.get(kind)
    if module_name is None:
        return None
    module = importlib.import_module(f"mlaudit.parsers.{module_name}")
    return module.parse, f"{module_name}:{module.PARSER_VERSION}"
