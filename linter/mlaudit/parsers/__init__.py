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

from mlaudit.redact import scrub
from mlaudit.sources import FileKind, SourceFile


class ParseError(Exception):
    """A malformed input. `line`/`column` are 1-based when known.

    `notice` marks a file that is not malformed but that mlaudit cannot read (syntax newer
    than the running Python): a note-level diagnostic with its own `code`, not an error.
    """

    def __init__(self, message: str, line: int = 1, column: int = 1, *,
                 notice: bool = False, code: str = "parse-error") -> None:
        # Parser messages quote source text: masked here, before any output sees it.
        message = scrub(message)
        super().__init__(message)
        self.message = message
        self.line = max(1, line)
        self.column = max(1, column)
        self.notice = notice
        self.code = code


# kind -> module under mlaudit.parsers that parses it
PARSER_MODULES: dict[FileKind, str] = {
    FileKind.DOCKERFILE: "dockerfile",
    FileKind.PYTHON: "python_source",
    FileKind.TERRAFORM: "terraform_hcl",
    FileKind.TERRAFORM_JSON: "terraform_json",
    FileKind.TFVARS: "terraform_tfvars",
    FileKind.TERRAFORM_STATE: "terraform_state",
    FileKind.TERRAFORM_PLAN: "terraform_state",
    FileKind.JSON: "json_document",
    FileKind.YAML: "yaml_document",
    FileKind.COMPOSE: "compose",
    FileKind.WORKFLOW: "workflow",
    FileKind.NGINX: "nginx",
    FileKind.ECS_TASK_DEFINITION: "ecs_task_definition",
    FileKind.SAM: "sam",
    FileKind.SERVERLESS: "serverless",
    FileKind.REQUIREMENTS: "requirements",
    FileKind.PYPROJECT: "pyproject",
    FileKind.DOTENV: "dotenv",
    FileKind.NOTEBOOK: "notebook",
    FileKind.PAAS: "paas",
}

_MISSING: set[str] = set()

Parser = Callable[[SourceFile], Any]


def parser_for(kind: FileKind) -> tuple[Parser, str] | None:
    """The parse function and its cache version for a kind, or None if unparsed."""
    module_name = PARSER_MODULES.get(kind)
    if module_name is None or module_name in _MISSING:
        return None
    qualified = f"mlaudit.parsers.{module_name}"
    try:
        module = importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name != qualified:
            raise  # a missing dependency inside the parser is a real error
        _MISSING.add(module_name)  # format not supported by this build: scan as text only
        return None
    return module.parse, f"{module_name}:{module.PARSER_VERSION}"
