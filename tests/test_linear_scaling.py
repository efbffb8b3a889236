"""The model build and rule phase grow linearly with the repository.

A per-service helper that walks every model, node or compose project makes a monorepo
scan quadratic (issue 16). Seconds are noise on shared machines, so this counts work
instead: every line mlaudit's own code executes (loop iterations included) while the
deployment model is built and the rules, suppressions and excerpts run, on the synthetic
monorepo of `benchmarks/gen_monorepo.py` at two sizes. Parsing is left out (it is per
file by construction). Each function's count may grow at most in proportion to the
services, plus a margin for the defects the generator spreads over services by index.
"""

from __future__ import annotations

import collections
import importlib.util
import sys
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import mlaudit
import mlaudit_rules
from mlaudit import engine
from mlaudit.config import Config
from mlaudit.engine import ScanRequest, scan
from tests.helpers import KNOWN_RULES, REGISTRY

REPO = Path(__file__).resolve().parent.parent
_OWN = (str(Path(mlaudit.__file__).parent), str(Path(mlaudit_rules.__file__).parent))
SMALL, LARGE = 6, 24  # 6: every defect the generator spreads by index occurs at least once


def _generate(count: int, out: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_monorepo", REPO / "benchmarks" / "gen_monorepo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(count, out)


def _count(root: Path, monkeypatch: Any) -> collections.Counter[CodeType]:
    """Lines executed per function of mlaudit and its rules, parsing excluded."""
    counts: collections.Counter[CodeType] = collections.Counter()

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        counts[frame.f_code] += 1
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename.startswith(_OWN):
            counts[frame.f_code] += 1
            return local
        return None

    parse = engine.parse_files

    def untraced(*args: Any, **kwargs: Any) -> Any:
        sys.settrace(None)
        try:
            return parse(*args, **kwargs)
        finally:
            sys.settrace(calls)

    monkeypatch.setattr(engine, "parse_files", untraced)
    config = Config()
    config.cache = False
    request = ScanRequest([root], root, config, list(REGISTRY.rules), jobs=1,
                          known_rules=KNOWN_RULES)
    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        result = scan(request)
    finally:
        sys.settrace(previous)
    assert result.findings  # the generator plants defects at every size
    return counts


def test_model_and_rules_grow_linearly(tmp_path: Path, monkeypatch: Any) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    _generate(SMALL, small)
    _generate(LARGE, large)
    a, b = _count(small, monkeypatch), _count(large, monkeypatch)
    factor = LARGE / SMALL
    total_a, total_b = sum(a.values()), sum(b.values())
    # Linear work grows by `factor` at most (fixed costs make it less); quadratic work by
    # factor squared: the sum tolerates none of it beyond the spread of planted defects.
    assert total_b <= total_a * factor * 1.05, (
        f"work grew {total_b / total_a:.2f}x for {factor:g}x services")
    grown = []
    for code in set(a) | set(b):
        excess = b.get(code, 0) - a.get(code, 0) * factor
        if excess > max(1000, a.get(code, 0) * factor * 0.5):
            grown.append((excess, f"{code.co_filename}:{code.co_firstlineno} {code.co_name}"
                          f" {a.get(code, 0)} -> {b.get(code, 0)}"))
    grown.sort(reverse=True)
    assert not grown, "superlinear in the number of services:\n" + "\n".join(
        line for _, line in grown[:15])
