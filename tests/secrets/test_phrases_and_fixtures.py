"""Phrases of words, local fixture URLs and throwaway CI credentials (MLA102/MLA104)."""

from __future__ import annotations

import pytest

from mlaudit_rules.secrets._shape import benign_value, is_phrase
from mlaudit_rules.secrets._values import local_fixture_url
from mlaudit_rules.secrets._workflow import CiFixtures, ci_fixtures, token_shaped


@pytest.mark.parametrize(("value", "key"), [
    ("dev-jwt-secret-change-me", "JWT_SECRET"),
    ("replace-with-strong-jwt-secret", "JWT_SECRET"),
    ("insecure_local_session_key", "SECRET_KEY"),
    ("your-api-key", "API_KEY"),
])
def test_stand_in_phrases_are_placeholders(value: str, key: str) -> None:
    assert is_phrase(value)
    assert benign_value(value, key)


@pytest.mark.parametrize(("value", "key"), [
    ("correct-horse-battery-staple", "password"),  # a passphrase
    ("nextcloud", "POSTGRES_PASSWORD"),  # a weak single-word password
    ("Vq7Lw2Xr9Tz4Kp8Mn3Bd6Hs1Jf5Gc0Ya2We7Qu4e", "api_token"),
    ("k8s-Tq9vXw-rand0m", "token"),
])
def test_secrets_stay_secrets(value: str, key: str) -> None:
    assert not benign_value(value, key)


def test_random_values_are_not_phrases() -> None:
    assert not is_phrase("xk-qz-rt")
    assert not is_phrase("Vq7Lw2Xr9Tz4Kp8Mn3Bd6Hs1Jf5Gc0Ya2We7Qu4e")
    assert not is_phrase("nextcloud")


@pytest.mark.parametrize(("url", "hosts", "local"), [
    ("postgresql+asyncpg://fraud:fraud@localhost:5432/fraud", frozenset(), True),
    ("postgres://app:app@127.0.0.1/app", frozenset(), True),
    ("postgres://reports:analytics@db:5432/analytics", frozenset({"db"}), True),
    ("postgres://app:app@db:5432/app", frozenset(), False),  # not a sibling here
    ("postgres://app:app@10.0.3.7/app", frozenset(), False),
    ("postgres://app:Wq4nZr8Lp@localhost/app", frozenset(), False),
])
def test_local_fixture_url(url: str, hosts: frozenset[str], local: bool) -> None:
    assert local_fixture_url(url, hosts) is local


WORKFLOW = """\
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      postgres:
        env:
          POSTGRES_PASSWORD: fraud
    steps:
      - env:
          URL: postgresql://u:pw@postgres:5432/db
          REMOTE: postgresql://u:pw@db.internal:5432/db
        run: pytest
"""


def _ci_fixtures(text: str) -> CiFixtures:
    """The rule's view: the parsed workflow's fixtures (none when it does not parse)."""
    from pathlib import Path

    from mlaudit.parsers import ParseError
    from mlaudit.parsers.workflow import parse
    from mlaudit.sources import FileKind, SourceFile

    source = SourceFile(".github/workflows/ci.yml", Path("ci.yml"), FileKind.WORKFLOW, text)
    try:
        workflow = parse(source)
    except ParseError:
        return CiFixtures()
    return ci_fixtures(workflow, len(text.splitlines())) if workflow else CiFixtures()


def test_ci_fixtures() -> None:
    found = _ci_fixtures(WORKFLOW)
    lines = WORKFLOW.splitlines()
    assert found.quiet(8, lines[7], "Secret Keyword", "fraud")
    assert not found.quiet(8, lines[7], "Secret Keyword", "Qv7xLm2Rt9Kp4Wz8Nb3D")
    assert not found.quiet(8, lines[7], "GitHub Token", "fraud")
    assert found.quiet(11, lines[10], "Basic Auth Credentials", "pw")
    assert not found.quiet(12, lines[11], "Basic Auth Credentials", "pw")
    assert _ci_fixtures("jobs: [unclosed").jobs == []


def test_token_shape() -> None:
    assert token_shaped("Qv7xLm2Rt9Kp4Wz8Nb3D")
    assert not token_shaped("fraud")
    assert not token_shaped("ci-redis-pass")
