"""mlaudit's built-in rule pack. `ALL_RULES` lists every rule, sorted by id.

Nothing registers itself on import: each family package lists its rules explicitly in
`RULES`, and a test checks that every rule module is listed.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from mlaudit.rule import Rule
from mlaudit_rules import ci, containers, edge, iac, project, python, secrets, tool

ALL_RULES: tuple[Rule[Any], ...] = tuple(
    sorted(
        chain(
            tool.RULES, secrets.RULES, containers.RULES, iac.RULES, ci.RULES, edge.RULES,
            python.RULES, project.RULES,
        ),
        key=lambda rule: rule.id,
    )
)
