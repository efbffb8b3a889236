"""Python parser: the standard library's `ast`. Scanned code is parsed, never imported."""

from __future__ import annotations

import ast

from mlaudit.models.python_source import PythonModule
from mlaudit.parsers import ParseError
from mlaudit.sources import SourceFile

PARSER_VERSION = "1"


def parse(source: SourceFile) -> PythonModule:
    try:
        tree = ast.parse(source.text, filename=source.path)
    except SyntaxError as exc:
        raise ParseError(f"Python syntax error: {exc.msg}", exc.lineno or 1,
                         exc.offset or 1) from None
    except ValueError as exc:  # e.g. null bytes
        raise ParseError(f"cannot parse Python: {exc}") from None
    imports: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imports.append(node.module)
    return PythonModule(source.path, tuple(imports))
