"""Any other JSON file: sniffed for Terraform state/plan, an ECS task definition or a
CloudFormation/SAM template. Anything else is ordinary JSON and yields no model.

Malformed JSON is reported (with the JSON line) because the file says it is JSON, with one
exception: JSON with comments (JSONC: `//` and `/* */` comments, trailing commas), the format
of tsconfig.json, .vscode/*.json and devcontainer.json. Such a file is valid for the tool
that reads it, so it is no error; mlaudit reads it for what it says, and a deployment
document among them (a task definition, a Terraform state or plan, a template), whose tools
accept strict JSON only, is still reported.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import PurePosixPath
from typing import Any

from mlaudit.parsers import ParseError
from mlaudit.parsers.yaml_document import node_span
from mlaudit.sources import SourceFile


def _version() -> str:
    """This module's version plus the Terraform state parser's: state/plan models come from
    there, so the parse cache must be invalidated when that parser changes."""
    try:
        state = importlib.import_module("mlaudit.parsers.terraform_state")
    except Exception:  # absent or broken: such documents yield no model anyway
        return "3"
    return f"3+{getattr(state, 'PARSER_VERSION', '0')}"


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
    try:
        plain = ecs_task_definition.decode_json(source.text)
    except ParseError as error:
        verdict = _jsonc_verdict(source)
        if verdict == "settings":
            return None  # JSONC, valid for its own tool: nothing to say
        if verdict == "deployment":
            raise ParseError(f"{error.message} (a comment or trailing comma: the tools that "
                             "read this document accept strict JSON only)",
                             error.line, error.column) from None
        raise
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


# Files that editors and tools read as JSON with comments, whatever their content.
_JSONC_NAME_RE = re.compile(r"^(?:[tj]sconfig(?:[.-][\w.-]+)?|\.?devcontainer)\.json$", re.I)
_JSONC_DIRS = {".vscode", ".devcontainer"}


def _jsonc_verdict(source: SourceFile) -> str:
    """What a file that strict JSON rejects is: "settings" (JSONC holding no deployment
    document), "deployment" (JSONC holding one) or "broken" (not JSONC either)."""
    posix = PurePosixPath(source.path)
    if _JSONC_NAME_RE.match(posix.name) or _JSONC_DIRS.intersection(posix.parts[:-1]):
        return "settings"
    try:
        relaxed = json.loads(strip_jsonc(source.text))
    except (ValueError, RecursionError):
        return "broken"
    from mlaudit.parsers import ecs_task_definition, sam

    if (is_terraform_state(relaxed) or is_terraform_plan(relaxed)
            or ecs_task_definition.looks_like_task_definition(relaxed)
            or (isinstance(relaxed, dict) and sam.looks_like_template(relaxed))):
        return "deployment"
    return "settings"


def strip_jsonc(text: str) -> str:
    """JSONC as strict JSON: comments and trailing commas become spaces, so every other
    character keeps its line and column."""
    out = list(text)
    i, n = 0, len(text)
    last_comma = -1  # a comma seen since the last value character
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            last_comma = -1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out[i:end] = ["\n" if c == "\n" else " " for c in text[i:end]]
            i = end
            continue
        elif ch == ",":
            last_comma = i
        elif ch in "}]":
            if last_comma >= 0:
                out[last_comma] = " "
            last_comma = -1
        elif not ch.isspace():
            last_comma = -1
        i += 1
    return "".join(out)
