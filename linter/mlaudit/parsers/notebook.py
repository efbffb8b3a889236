"""Jupyter notebooks (`.ipynb`): code cells read as Python, facts at lines of the JSON file.

A notebook is JSON (nbformat 4): `cells`, each with `cell_type` and `source`, a list of
lines (or one string). The stdlib decoder judges validity; the line-aware loader gives the
JSON line of every source line, so a fact found in the code maps back to the line of the
.ipynb file where that code is written (what an editor shows when it opens the file as
text, and where a raw-text secret rule reports).

Cells run in order in one namespace, so the code cells are joined into one module.
IPython syntax is no Python: a line magic (`%pip install`), a shell line (`!aws s3 cp`)
or help (`obj?`) becomes a `pass` at its indentation; a cell magic (`%%bash`) skips its
cell, except the timing/capture magics whose body is Python. A cell that still does not
parse is skipped (noted in `skipped_cells`): notebooks are drafts, and one broken cell
must not hide the rest. Only Python notebooks are read (kernel language).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from mlaudit.models.notebook import Notebook
from mlaudit.parsers import ParseError
from mlaudit.sources import SourceFile

PARSER_VERSION = "5"

_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")
_MAGIC = re.compile(r"^(\s*)(?:[%!]|\S.*\?\s*$)")


def parse(source: SourceFile) -> Notebook:
    from mlaudit.parsers.ecs_task_definition import decode_json, load_json

    plain = decode_json(source.text)
    if not isinstance(plain, dict) or not isinstance(plain.get("cells"), list):
        raise ParseError("not a Jupyter notebook: no `cells` list at the top level", 1)
    data = load_json(source.text, plain)
    language = _language(plain)
    cells = data.get("cells") or []
    code_cells = [c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    if language not in ("python", ""):
        return Notebook(source.path, language, len(cells), len(code_cells))
    lines: list[str] = []
    line_map: list[int] = []  # joined line (0-based) -> line in the .ipynb
    skipped: list[int] = []
    for cell in code_cells:
        cell_lines, cell_map, first_line = _cell(cell)
        if not cell_lines:
            continue
        text = "\n".join(cell_lines) + "\n"
        try:
            compile(text, source.path, "exec",
                    ast.PyCF_ONLY_AST | getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0))
        except (SyntaxError, ValueError):
            skipped.append(first_line)
            continue
        lines.extend(cell_lines)
        line_map.extend(cell_map)
    deploys = None
    code = "\n".join(lines) + "\n"
    if lines and "sagemaker" in code:
        from mlaudit.parsers import sagemaker_sdk

        try:
            tree = compile(code, source.path, "exec",
                           ast.PyCF_ONLY_AST | getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0))
        except (SyntaxError, ValueError):
            tree = None  # cells valid alone, not together (a misplaced __future__ import)
        if isinstance(tree, ast.Module):
            def line_of(number: int) -> int:
                index = min(max(number - 1, 0), len(line_map) - 1)
                return line_map[index]

            deploys = sagemaker_sdk.extract(tree, source.path, "notebook", line_of)
    return Notebook(source.path, language or "python", len(cells), len(code_cells),
                    tuple(skipped), deploys)


def _language(data: dict[str, Any]) -> str:
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    for key in ("kernelspec", "language_info"):
        info = metadata.get(key)
        if isinstance(info, dict):
            value = info.get("language") if key == "kernelspec" else info.get("name")
            if isinstance(value, str) and value:
                return value.lower()
    return ""


def _cell(cell: dict[Any, Any]) -> tuple[list[str], list[int], int]:
    """The cell's Python lines, the .ipynb line of each, and the cell's first line."""
    source = cell.get("source")
    cell_line = int(getattr(cell, "line", 1))
    pieces: list[tuple[str, int]] = []
    if isinstance(source, str):
        # One string: its lines all sit on the JSON line of that string.
        at = cell.value_pos.get("source", (cell_line, 1))[0] if hasattr(cell, "value_pos") \
            else cell_line
        pieces = [(line, at) for line in source.split("\n")]
    elif isinstance(source, list):
        positions = getattr(source, "item_pos", None) or []
        for index, item in enumerate(source):
            if not isinstance(item, str):
                continue
            at = positions[index][0] if index < len(positions) else cell_line
            # An item is one line ending in "\n"; one holding several (escaped newlines)
            # is still one JSON line.
            for line in item.rstrip("\n").split("\n") if item else [""]:
                pieces.append((line, at))
    if not pieces:
        return [], [], cell_line
    first = pieces[0][1]
    head = pieces[0][0].strip()
    if head.startswith("%%"):
        if not head.startswith(_PYTHON_CELL_MAGICS):
            return [], [], first
        pieces[0] = ("", pieces[0][1])
    lines: list[str] = []
    for text, _ in pieces:
        match = _MAGIC.match(text)
        if match is not None and not text.strip().startswith("#"):
            lines.append(f"{match.group(1)}pass")
        else:
            lines.append(text)
    return lines, [at for _, at in pieces], first
