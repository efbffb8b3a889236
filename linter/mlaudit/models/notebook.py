"""A Jupyter notebook, as far as mlaudit reads it (`mlaudit.parsers.notebook`).

Its raw text is scanned like any file (secrets at the line of the .ipynb); its Python code
cells are read with `ast` for what they deploy (`sagemaker`), with spans at lines of the
.ipynb file.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlaudit.models.sagemaker import SageMakerDeploys


@dataclass(frozen=True)
class Notebook:
    path: str
    language: str
    cells: int = 0
    code_cells: int = 0
    skipped_cells: tuple[int, ...] = ()  # .ipynb line of each code cell that is no Python
    sagemaker: SageMakerDeploys | None = None
