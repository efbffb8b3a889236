"""Checks a SARIF log must pass for GitHub code scanning: the official schema plus the
ingestion rules the schema cannot express (interface notes §1.9)."""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from typing import Any

import pytest

from tests.helpers import REPO

SCHEMA_PATH = REPO.parent / "shared" / "schemas" / "sarif-2.1.0.json"
VALIDATOR_PATH = REPO.parent / "shared" / "tools" / "sarif-validate"


@lru_cache(maxsize=1)
def _validators() -> tuple[Any, Any]:
    from jsonschema import Draft4Validator, FormatChecker  # type: ignore[import-untyped]

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # Draft 4's own checker knows `uri` but not `uri-reference` (a later draft's format,
    # the one artifactLocation.uri uses), so a second pass with every known format
    # (rfc3986-validator provides uri-reference) is what really checks the paths.
    return (Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER),
            Draft4Validator(schema, format_checker=FormatChecker()))


def schema_errors(document: dict[str, Any]) -> list[str]:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"official SARIF schema not found at {SCHEMA_PATH} (shared/ beside the clone)")
    errors = {f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for validator in _validators() for e in validator.iter_errors(document)}
    return sorted(errors)


def _texts(node: Any, path: str = "") -> list[tuple[str, str]]:
    """Every `text`/`markdown` string in the document, with where it is."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "markdown") and isinstance(value, str):
                found.append((f"{path}/{key}", value))
            found += _texts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _texts(value, f"{path}/{i}")
    return found


def github_problems(document: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    runs = document["runs"]
    if not 1 <= len(runs) <= 20:
        problems.append(f"{len(runs)} runs")
    categories = [(r["tool"]["driver"]["name"], r.get("automationDetails", {}).get("id", ""))
                  for r in runs]
    if len(set(categories)) != len(categories):
        problems.append("two runs share a tool and category")
    for run in runs:
        rules = run["tool"]["driver"]["rules"]
        ids = [r["id"] for r in rules]
        if len(set(ids)) != len(ids):
            problems.append("duplicate rule ids")
        for rule in rules:
            props = rule.get("properties", {})
            tags = props.get("tags", [])
            if len(tags) > 10 or len(set(tags)) != len(tags):
                problems.append(f"{rule['id']}: tags {tags}")
            if "security-severity" in props:
                value = props["security-severity"]
                if not isinstance(value, str) or not 0.0 < float(value) <= 10.0:
                    problems.append(f"{rule['id']}: security-severity {value!r}")
            for key in ("shortDescription", "fullDescription"):
                if len(rule[key]["text"]) > 1024:
                    problems.append(f"{rule['id']}: {key} over 1024 characters")
            if len(rule.get("name", "")) > 255:
                problems.append(f"{rule['id']}: name over 255 characters")
            if not rule.get("help", {}).get("text"):
                problems.append(f"{rule['id']}: no help text")
        if "results" not in run:
            problems.append("run without results")
        results = run.get("results", [])
        if len(results) > 25_000:
            problems.append("more than 25,000 results")
        for n, result in enumerate(results):
            index = result.get("ruleIndex")
            if result["ruleId"] not in ids or index is None or ids[index] != result["ruleId"]:
                problems.append(f"result {n}: ruleId/ruleIndex mismatch")
            locations = result.get("locations", [])
            if len(locations) != 1:
                problems.append(f"result {n}: {len(locations)} locations")
                continue
            physical = locations[0]["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            # A colon in the first segment parses as a scheme: GitHub rejects the upload.
            if not uri or uri.startswith("/") or ":" in uri.split("/")[0]:
                problems.append(f"result {n}: uri {uri!r} is not repo-relative")
            if physical["region"].get("startLine", 0) < 1:
                problems.append(f"result {n}: no startLine")
        invocations = run.get("invocations", [])
        if len(invocations) != 1 or invocations[0].get("executionSuccessful") is not True:
            problems.append("want one successful invocation")
    problems += [f"{where}: empty text" for where, text in _texts(document) if not text.strip()]
    if len(gzip.compress(json.dumps(document).encode())) >= 10 * 1000 * 1000:
        problems.append("gzipped size over 10 MB")
    return problems
