"""The realistic fixture repositories, scanned with every rule.

Each planted problem is reported once: no exact duplicates, and no fact reported by two
rules that describe it twice (the pairs below hand the fact to one of them). The clean
project yields no finding at all, and the bad ones report what they plant.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from mlaudit.engine import ScanResult
from tests.helpers import FIXTURES, scan_dir

PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())

# Rule pairs that could describe one fact; the second defers to the first.
ONE_FACT = [
    ("MLA104", "MLA102"),  # a literal secret in a plain environment
    ("MLA203", "MLA404"),  # a docker:// image on :latest
    ("MLA320", "MLA701"),  # an all-ports ingress open to the world
    ("MLA201", "MLA205"),  # a built image without HEALTHCHECK, run by compose
    ("MLA702", "MLA310"),  # a target-group check on a path the app does not serve
]


def _scan(project: Path) -> ScanResult:
    return scan_dir(project)


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_no_duplicate_findings(project: Path) -> None:
    result = _scan(project)
    keys = Counter((f.rule_id, f.location.path, f.location.line, f.key) for f in result.active)
    assert not [k for k, n in keys.items() if n > 1]
    fingerprints = Counter(f.fingerprint for f in result.active)
    assert not [k for k, n in fingerprints.items() if n > 1]


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_one_fact_is_reported_by_one_rule(project: Path) -> None:
    result = _scan(project)
    for first, second in ONE_FACT:
        places = set()
        for finding in result.active:
            if finding.rule_id == first:
                places.add((finding.location.path, finding.location.line))
                places.update((r.location.path, r.location.line) for r in finding.related)
        twice = [f for f in result.active if f.rule_id == second
                 and (f.location.path, f.location.line) in places]
        assert not twice, f"{second} repeats a fact {first} reports: {twice}"


def test_the_clean_project_is_clean() -> None:
    result = _scan(FIXTURES / "projects" / "good-ml-service")
    assert [f"{f.rule_id} {f.location.describe()} {f.message}" for f in result.active] == []
    assert not result.diagnostics


def test_bad_fastapi_service_reports_each_planted_problem_at_its_line() -> None:
    result = _scan(FIXTURES / "projects" / "bad-fastapi-service")
    found = {(f.rule_id, f.location.path, f.location.line) for f in result.active}
    assert found == {
        ("MLA201", "Dockerfile", 1),  # serving image without HEALTHCHECK
        ("MLA202", "Dockerfile", 1),  # runs as root
        ("MLA203", "Dockerfile", 1),  # python:latest
        ("MLA204", "Dockerfile", 3),  # COPY . . before pip install -r
        ("MLA101", "Dockerfile", 5),  # AWS access key id in ENV
        ("MLA101", "app/main.py", 7),  # AWS secret access key in boto3.client
    }
