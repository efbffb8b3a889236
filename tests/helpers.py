"""Test helpers: scan a directory with chosen rules, read fixture expectations."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from mlaudit.config import Config
from mlaudit.config import load as load_config
from mlaudit.engine import ScanRequest, ScanResult, scan
from mlaudit.registry import Registry
from mlaudit_rules import ALL_RULES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
RULE_FIXTURES = FIXTURES / "rules"
REGISTRY = Registry(ALL_RULES)
KNOWN_RULES = frozenset(n for r in ALL_RULES for n in (r.id, r.name))

_EXPECT_RE = re.compile(r"(?:#|//)\s*mlaudit-expect:\s*(MLA\d{3})(?:\s+\"([^\"]*)\")?")


def scan_dir(
    path: Path,
    rules: list[str] | None = None,
    config: Config | None = None,
    root: Path | None = None,
    paths: list[Path] | None = None,
) -> ScanResult:
    """Scan `path` as its own repository root, with only `rules` (default: all)."""
    root = root or path
    cfg = config if config is not None else load_config(root, None)
    if rules and cfg.select:
        rules = [*rules, *cfg.select]  # a case's .mlaudit.toml may enable companion rules
    selected = REGISTRY.select(rules, []) if rules else list(REGISTRY.rules)
    request = ScanRequest(paths or [path], root, cfg, selected, cache_dir=None,
                          known_rules=KNOWN_RULES, live=recorded_live(root))
    cfg.cache = False
    return scan(request)


LIVE_FACTS = "live-facts.json"


def recorded_live(root: Path) -> Any:
    """A live rule's fixture holds recorded facts (`live-facts.json`): the scan joins them
    with the case's Terraform roots offline, as `mlaudit live` does with what it reads."""
    facts_path = root / LIVE_FACTS
    if not facts_path.is_file():
        return None
    from mlaudit.live.roots import assemble
    from mlaudit.models.live import facts_from_json

    facts = facts_from_json(facts_path.read_text(encoding="utf-8"))

    def live(deployment: Any) -> tuple[list[Any], list[Any]]:
        state, diagnostics = assemble(facts, deployment)
        return [state], diagnostics

    return live


def expectations(case: Path) -> set[tuple[str, str, int, str]]:
    """(rule, path, line, message-substring) from `mlaudit-expect` comments and expect.toml.

    A marker points at the next line that is not blank and not another marker (so it
    can point at a suppression comment, for MLA001).
    """
    found: set[tuple[str, str, int, str]] = set()
    for file in sorted(case.rglob("*")):
        if not file.is_file() or file.name == "expect.toml":
            continue
        rel = file.relative_to(case).as_posix()
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (UnicodeDecodeError, OSError):
            continue
        for index, line in enumerate(lines):
            for match in _EXPECT_RE.finditer(line):
                target = index + 1
                while target < len(lines) and (
                    not lines[target].strip() or "mlaudit-expect:" in lines[target]
                ):
                    target += 1
                found.add((match.group(1), rel, target + 1, match.group(2) or ""))
    sidecar = case / "expect.toml"
    if sidecar.is_file():
        data: dict[str, Any] = tomllib.loads(sidecar.read_text(encoding="utf-8"))
        for item in data.get("expect", []):
            found.add((item["rule"], item["path"], int(item["line"]), item.get("message", "")))
    return found


def rule_cases() -> list[tuple[str, Path]]:
    cases = []
    if RULE_FIXTURES.is_dir():
        for rule_dir in sorted(RULE_FIXTURES.iterdir()):
            if rule_dir.is_dir():
                for case in sorted(rule_dir.iterdir()):
                    if case.is_dir():
                        cases.append((rule_dir.name, case))
    return cases
