"""Meta-tests: every rule is declared completely, in one place, and has fixtures.

These replace registration magic: a rule module that is not listed in ALL_RULES, a rule
without docs, or without a firing and a quiet fixture, fails here.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import mlaudit_rules
from mlaudit.rule import REQUIRED_DOC_SECTIONS, RULE_ID_RE, RULE_NAME_RE, Rule
from mlaudit.severity import Category
from mlaudit_reports.rule_docs import reference_markdown
from mlaudit_rules import ALL_RULES, index_source, rule_refs
from tests.helpers import REPO, RULE_FIXTURES

RULES = list(ALL_RULES)


def _rule_modules() -> list[Any]:
    modules = []
    base = Path(mlaudit_rules.__file__).parent
    for family in pkgutil.iter_modules([str(base)]):
        if not family.ispkg:
            continue
        for info in pkgutil.iter_modules([str(base / family.name)]):
            if info.name.startswith("_"):
                continue  # shared helpers of a family, not rules
            modules.append(importlib.import_module(f"mlaudit_rules.{family.name}.{info.name}"))
    return modules


def test_every_rule_module_is_listed() -> None:
    listed = {id(r) for r in RULES}
    for module in _rule_modules():
        rule = getattr(module, "RULE", None)
        assert isinstance(rule, Rule), f"{module.__name__} defines no RULE"
        assert id(rule) in listed, f"{module.__name__}.RULE is not in ALL_RULES"
        assert module.__name__.rsplit(".", 1)[1] == rule.name.replace("-", "_"), (
            f"{module.__name__}: module name must be the rule name in snake_case"
        )


def test_ids_and_names_are_unique_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    names = [r.name for r in RULES]
    assert len(set(ids)) == len(ids)
    assert len(set(names)) == len(names)
    assert ids == sorted(ids), "ALL_RULES is sorted by id"
    for rule in RULES:
        assert RULE_ID_RE.match(rule.id), rule.id
        assert RULE_NAME_RE.match(rule.name), rule.name


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_is_fully_declared(rule: Rule[Any]) -> None:
    assert isinstance(rule.category, Category)
    if rule.category is Category.META:
        assert rule.id.startswith("MLA0"), "only MLA0xx tool rules use the meta category"
    assert rule.title and len(rule.title) <= 80
    assert rule.parsed_docs.title == rule.title, "docstring first line must be the title"
    assert len(rule.all_tags()) <= 10
    docs = rule.parsed_docs
    for section in REQUIRED_DOC_SECTIONS:
        assert docs.sections.get(section), f"{rule.id}: docstring lacks '## {section}'"
    assert docs.bad_example.strip(), f"{rule.id}: Example needs a bad fenced block first"
    assert docs.good_example.strip(), f"{rule.id}: Example needs a good fenced block second"
    assert rule._check is not None, f"{rule.id}: no @RULE.check function"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_has_firing_and_quiet_fixtures(rule: Rule[Any]) -> None:
    folder = RULE_FIXTURES / rule.id
    assert folder.is_dir(), f"missing fixtures/rules/{rule.id}/"
    cases = [c.name for c in folder.iterdir() if c.is_dir()]
    assert any(c.startswith("bad") for c in cases), f"{rule.id}: no bad_* fixture"
    assert any(c.startswith("good") for c in cases), f"{rule.id}: no good_* fixture"


def test_no_orphan_fixture_folders() -> None:
    ids = {r.id for r in RULES}
    if RULE_FIXTURES.is_dir():
        for folder in RULE_FIXTURES.iterdir():
            assert folder.name in ids, f"fixtures/rules/{folder.name} belongs to no rule"


def test_rule_reference_is_current() -> None:
    committed = (REPO / "rules" / "README.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(RULES), (
        "rules/README.md is out of date: run `mlaudit rules --format markdown > rules/README.md`"
    )


def test_rule_index_is_current() -> None:
    """The index lets a scan import only the rules that apply; it must match the rules."""
    committed = (REPO / "rules" / "mlaudit_rules" / "_index.py").read_text(encoding="utf-8")
    assert committed == index_source(tuple(RULES)), (
        "rules/mlaudit_rules/_index.py is out of date: run "
        "`python -m mlaudit_rules > rules/mlaudit_rules/_index.py`"
    )
    assert [ref.id for ref in rule_refs()] == [rule.id for rule in RULES]
    for ref, rule in zip(rule_refs(), RULES, strict=True):
        assert ref.load() is rule


def test_cross_file_rules_say_what_they_require() -> None:
    """A Deployment rule without `requires` is imported and run on every scan."""
    always = {"MLA203"}  # image references exist in every format, Dockerfiles included
    for rule in RULES:
        if rule.target.__name__ == "Deployment" and rule.id not in always:
            assert rule.requires, f"{rule.id} targets Deployment but declares no `requires`"
