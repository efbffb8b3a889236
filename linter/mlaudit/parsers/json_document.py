"""Any other JSON file: sniffed for Terraform state/plan, an ECS task definition or a
CloudFormation/SAM template. Anything else is ordinary JSON and yields no model.

Malformed JSON is reported (with the JSON line) because the file says it is JSON.
"""

from __future__ import annotations

import importlib
from typing import Any

from mlaudit.parsers.yaml_document import node_span
from mlaudit.sources import SourceFile


def _version() -> str:
    """This module's version plus the Terraform state parser's: state/plan models come from
    there, so the parse cache must be invalidated when that parser changes."""
    try:
        state = importlib.import_module("mlaudit.parsers.terraform_state")
    except Exception:  # absent or broken: such documents yield no model anyway
        return "1"
    return f"1+{getattr(state, 'PARSER_VERSION', '0')}"


PARSER_VERSION = _version()


def is_terraform_state(data: Any) -> bool:
    return isinstance(data, dict) and "terraform_version" in data and (
        "resources" in data or "modules" in data) and "lineage" in data


def is_terraform_plan(data: Any) -> bool:
    return isinstance(data, dict) and "format_version" in data and (
        "planned_values" in data or "resource_changes" in data)


def parse(source: SourceFile) -> Any:
    from mlaudit.parsers import ecs_task_definition, sam

    # Sniff on plain values first: the line-aware load costs several times more and only
    # matters for the formats whose lines we report (a package-lock.json never needs it).
    plain = ecs_task_definition.decode_json(source.text)
    if is_terraform_state(plain) or is_terraform_plan(plain):
        return _terraform(source.path, plain)
    if ecs_task_definition.looks_like_task_definition(plain):
        data = ecs_task_definition.load_json(source.text, plain)
        return ecs_task_definition.task_definition_from_data(
            data, source.path, node_span(source.path, data))
    if isinstance(plain, dict) and sam.looks_like_template(plain):
        data = ecs_task_definition.load_json(source.text, plain)
        return sam.from_document(source.path, data) if isinstance(data, dict) else None
    return None


def _terraform(path: str, data: Any) -> Any:
    """Hand state/plan documents (plain decoded JSON: no lines, state and plan JSON are
    machine-written) to the Terraform state parser, when this build has it."""
    qualified = "mlaudit.parsers.terraform_state"
    try:
        module = importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name != qualified:
            raise
        return None  # not supported yet: the file is still scanned as text for secrets
    from_document = getattr(module, "from_document", None)
    return from_document(path, data) if callable(from_document) else None
