"""A bad parse-cache entry is a miss: garbage never aborts the scan and a swapped entry
never drops findings (issue 17, "Code execution"). Written against public behaviour only:
the cache format itself is rebuilt as validated data elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlaudit.cli import main
from tests.hardening.conftest import plant_sibling


def _repo(root: Path) -> None:
    plant_sibling(root)
    (root / "docker-compose.yml").write_text(
        "services:\n  api:\n    image: acme/api:latest\n    ports:\n      - \"8000:8000\"\n",
        encoding="utf-8")


def _findings(root: Path, cache: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple]:  # type: ignore[type-arg]
    code = main(["scan", "--format", "json", str(root), "--root", str(root),
                 "--cache-dir", str(cache)])
    assert code in (0, 1)
    report = json.loads(capsys.readouterr().out)
    return sorted((f["rule_id"] if "rule_id" in f else f.get("rule"), json.dumps(
        f.get("location"), sort_keys=True)) for f in report["findings"])


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_garbage_entries_are_misses(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    root, cache = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    _repo(root)
    clean = _findings(root, cache, capsys)
    assert clean and _entries(cache)
    for entry in _entries(cache):
        entry.write_bytes(b"\x80garbage!")  # 9 bytes
    assert _findings(root, cache, capsys) == clean


def test_swapped_entries_never_drop_findings(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root, cache = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    _repo(root)
    clean = _findings(root, cache, capsys)
    entries = _entries(cache)
    assert len(entries) >= 2
    first, second = entries[0].read_bytes(), entries[1].read_bytes()
    entries[0].write_bytes(second)
    entries[1].write_bytes(first)
    assert _findings(root, cache, capsys) == clean
