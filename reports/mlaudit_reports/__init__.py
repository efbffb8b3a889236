"""Reporters: one module per output format, each exposing `render(result, ctx) -> str`.

`REPORTERS` is the whole registry (name -> module), imported lazily so that a text run
never imports the SARIF writer. Reporters only see `ScanResult`, `Finding` and `Rule`;
findings are redacted when they are created, so no reporter can leak a secret.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlaudit.engine import ScanResult
from mlaudit.rule import Rule
from mlaudit.severity import Severity

REPORTERS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "markdown": "markdown",
    "gitlab": "gitlab",
}


@dataclass
class ReportContext:
    fail_on: Severity | None  # None: `--fail-on none`, findings never fail the run
    color: bool = False
    include_suppressed: bool = False
    rules: list[Rule[Any]] = field(default_factory=list)  # every enabled rule
    sarif_category: str | None = None
    verbose: bool = False
    # Text output: the source line under each finding, the width to wrap at (None: no
    # wrapping), counts by rule instead of findings, the directory paths are shown from.
    show_source: bool = False
    width: int | None = None
    statistics: bool = False
    base: Path | None = None


Renderer = Callable[[ScanResult, ReportContext], str]


def renderer(name: str) -> Renderer:
    module = importlib.import_module(f"mlaudit_reports.{REPORTERS[name]}")
    render: Renderer = module.render
    return render
