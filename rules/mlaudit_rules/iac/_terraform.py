"""Shared helpers of the Terraform rules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.terraform import Resource, TerraformModule, TerraformProject


def once(findings: Iterable[Finding]) -> Iterator[Finding]:
    """Drop repeats of one fact: `count = 3` gives three instances of the same line, and
    a rule keyed on the config address should report that line once."""
    seen: set[tuple[str, int, str]] = set()
    for finding in findings:
        marker = (finding.location.path or "", finding.location.line, finding.key)
        if marker not in seen:
            seen.add(marker)
            yield finding


def with_registry(module: TerraformModule, deployment: Any, *types: str) -> Iterator[Resource]:
    """The module's resources of these types, then those that its calls to well-known
    registry modules create (read from the calls' inputs, `Resource.registry` set)."""
    yield from module.resources_of(*types)
    tf = getattr(deployment, "terraform", None)
    if isinstance(tf, TerraformProject):
        yield from (r for r in tf.registry_of(module) if r.type in types)
