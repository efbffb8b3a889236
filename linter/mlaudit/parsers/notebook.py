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
import json
import re
from typing import Any

from mlaudit.models.notebook import Notebook
from mlaudit.parsers import ParseError
from mlaudit.sources import SourceFile

PARSER_VERSION = "6"

_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")
_MAGIC = re.compile(r"^(\s*)(?:[%!]|\S.*\?\s*$)")


def parse(source: SourceFile) -> Notebook:
    from mlaudit.parsers.ecs_task_definition import decode_json, load_json

    plain = decode_json(source.text)
    if not isinstance(plain, dict) or not isinstance(plain.get("cells"), list):
        raise ParseError("not a Jupyter notebook: no `cells` list at the top level", 1)
    language = _language(plain)
    cells = plain["cells"]
    code = [i for i, c in enumerate(cells) if isinstance(c, dict) and c.get("cell_type") == "code"]
    if language not in ("python", ""):
        return Notebook(source.path, language, len(cells), len(code))
    located = _locate(source.text, cells)
    if located is None:  # written unlike nbformat does: the line-aware loader finds them
        data = load_json(source.text, plain)
        located = [_positions(c) for c in data.get("cells") or []]
    lines: list[str] = []
    line_map: list[int] = []  # joined line (0-based) -> line in the .ipynb
    skipped: list[int] = []
    for index in code:
        cell_lines, cell_map, first_line = _cell(cells[index].get("source"), *located[index])
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
    joined = "\n".join(lines) + "\n"
    if lines and "sagemaker" in joined:
        from mlaudit.parsers import sagemaker_sdk

        try:
            tree = compile(joined, source.path, "exec",
                           ast.PyCF_ONLY_AST | getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0))
        except (SyntaxError, ValueError):
            tree = None  # cells valid alone, not together (a misplaced __future__ import)
        if isinstance(tree, ast.Module):
            def line_of(number: int) -> int:
                index = min(max(number - 1, 0), len(line_map) - 1)
                return line_map[index]

            deploys = sagemaker_sdk.extract(tree, source.path, "notebook", line_of)
    return Notebook(source.path, language or "python", len(cells), len(code),
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


_SOURCE_KEY = re.compile(r'"source"\s*:\s*')


def _locate(text: str, cells: list[Any]) -> list[tuple[int, list[int]]] | None:
    """(line of the cell's `source`, line of each source item) for every cell, found by
    reading the text in order: each cell's `"source"` key, then each item as JSON encodes
    it. nbformat writes every item on its own line; None when the text is written
    otherwise (then the slower line-aware loader answers)."""
    out: list[tuple[int, list[int]]] = []
    cursor = 0
    line, counted = 1, 0

    def line_at(offset: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, offset)
        counted = offset
        return line

    for cell in cells:
        source = cell.get("source") if isinstance(cell, dict) else None
        if source is None:
            out.append((line_at(cursor), []))
            continue
        key = _SOURCE_KEY.search(text, cursor)
        if key is None:
            return None
        cursor = key.end()
        cell_line = line_at(key.start())
        items: list[int] = []
        for item in source if isinstance(source, list) else [source]:
            if not isinstance(item, str):
                return None
            found, encoded = -1, ""
            for ascii_only in (False, True):
                encoded = json.dumps(item, ensure_ascii=ascii_only)
                found = _token(text, encoded, cursor)
                if found >= 0:
                    break
            if found < 0:
                return None
            items.append(line_at(found))
            cursor = found + len(encoded)
        out.append((cell_line, items))
    return out


def _token(text: str, encoded: str, start: int) -> int:
    """Where `encoded` starts as a whole JSON value at or after `start` (not the tail of a
    longer string: `"\\n"` inside `"say \\"hi\\"\\n"`), or -1."""
    found = text.find(encoded, start)
    while found >= 0 and found > 0 and text[found - 1] not in " \t\r\n[,:":
        found = text.find(encoded, found + 1)
    return found


def _positions(cell: Any) -> tuple[int, list[int]]:
    """The same, from the line-aware loader's positions."""
    cell_line = int(getattr(cell, "line", 1))
    source = cell.get("source") if isinstance(cell, dict) else None
    if isinstance(source, str):
        at = cell.value_pos.get("source", (cell_line, 1))[0] if hasattr(cell, "value_pos") \
            else cell_line
        return cell_line, [at]
    positions = getattr(source, "item_pos", None) or []
    return cell_line, [p[0] for p in positions]


def _cell(source: Any, cell_line: int, item_lines: list[int]
          ) -> tuple[list[str], list[int], int]:
    """The cell's Python lines, the .ipynb line of each, and the cell's first line."""
    pieces: list[tuple[str, int]] = []
    if isinstance(source, str):
        # One string: its lines all sit on the JSON line of that string.
        at = item_lines[0] if item_lines else cell_line
        pieces = [(line, at) for line in source.split("\n")]
    elif isinstance(source, list):
        for index, item in enumerate(source):
            if not isinstance(item, str):
                continue
            at = item_lines[index] if index < len(item_lines) else cell_line
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
