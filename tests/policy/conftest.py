"""Policy tests need regopy (the `policy` extra, also in the `test` extra). Without it they
skip with the reason, except in CI (`.ci/run` sets MLAUDIT_REQUIRE_REGOPY=1), where a
missing engine must fail the run."""

from __future__ import annotations

import importlib.util
import os

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if importlib.util.find_spec("regopy") is not None:
        return
    if os.environ.get("MLAUDIT_REQUIRE_REGOPY"):
        raise pytest.UsageError("regopy is not installed but MLAUDIT_REQUIRE_REGOPY is set")
    skip = pytest.mark.skip(reason="regopy not installed: pip install 'mlaudit[policy]'")
    for item in items:
        if "tests/policy/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)
