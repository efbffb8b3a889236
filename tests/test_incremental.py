"""Incremental scans reuse the findings of deployment units whose files did not change,
and are never wrong: every result here is compared with a whole scan without the cache.

- changing one file changes that unit's findings and no other's;
- deleting the cache changes nothing but time;
- a pre-commit run (file arguments) reads only the named files' units;
- anything that could connect a changed unit to another one is a whole scan;
- the record holds no secret.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mlaudit.cli import main
from tests.helpers import FIXTURES, REPO
from tests.planted_secrets import planted_secrets


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_monorepo",
                                                  REPO / "benchmarks" / "gen_monorepo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def monorepo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    _generator().generate(3, root)
    return root


def _scan(root: Path, cache: Path | None, capsys: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch, *paths: str) -> tuple[list[Any], str]:
    """Findings (as JSON) and how the scan reused the last one's."""
    monkeypatch.chdir(root)
    monkeypatch.setenv("MLAUDIT_TRACE_REUSE", "1")
    capsys.readouterr()
    cache_args = ["--cache-dir", str(cache)] if cache is not None else ["--no-cache"]
    code = main(["scan", *(paths or ["."]), "--root", str(root), "--format", "json",
                 *cache_args])
    assert code in (0, 1)
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    return document["findings"] + [{"diagnostic": d} for d in document["diagnostics"]], \
        captured.err


def _by_file(findings: list[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for item in findings:
        path = item["location"]["path"] if "location" in item else ""
        out.setdefault(path.split("/")[1] if path.startswith("services/") else path,
                       []).append(item)
    return out


def test_unchanged_repository_reuses_every_finding(
        monorepo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first, how = _scan(monorepo, cache, capsys, monkeypatch)
    assert "whole scan (no record)" in how
    again, how = _scan(monorepo, cache, capsys, monkeypatch)
    assert "incremental: 0 component(s) rebuilt" in how
    assert again == first
    assert first == _scan(monorepo, None, capsys, monkeypatch)[0]


def test_changing_one_file_changes_only_its_units_findings(
        monorepo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    before, _ = _scan(monorepo, cache, capsys, monkeypatch)
    dockerfile = monorepo / "services" / "svc-0001" / "Dockerfile"
    text = dockerfile.read_text()
    first = text.splitlines()[0]
    assert first.startswith("FROM python:"), first
    # The service's image now floats on a mutable tag: a new finding in this unit only.
    dockerfile.write_text(text.replace(first, "FROM python:latest", 1))
    after, how = _scan(monorepo, cache, capsys, monkeypatch)
    assert "incremental: 1 component(s) rebuilt" in how
    assert after == _scan(monorepo, None, capsys, monkeypatch)[0]
    old, new = _by_file(before), _by_file(after)
    assert old["svc-0001"] != new["svc-0001"]
    assert any(f.get("rule") == "MLA203" for f in new["svc-0001"])
    for other in set(old) | set(new):
        if other != "svc-0001":
            assert old.get(other) == new.get(other), other


def test_deleting_the_cache_changes_nothing_but_time(
        monorepo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    _scan(monorepo, cache, capsys, monkeypatch)
    edits = [("services/svc-0000/infra/main.tf", "8000", "8001"),
             ("services/svc-0002/app/main.py", "healthz", "health"),
             ("services/svc-0001/nginx/nginx.conf", "8001", "9001")]
    for path, old, new in edits:
        target = monorepo / path
        assert old in target.read_text(), path
        target.write_text(target.read_text().replace(old, new, 1))
        warm, _ = _scan(monorepo, cache, capsys, monkeypatch)
        shutil.rmtree(cache)
        cold, how = _scan(monorepo, cache, capsys, monkeypatch)
        assert "whole scan" in how
        assert warm == cold, path


def test_precommit_reads_only_the_named_files_units(
        monorepo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    _scan(monorepo, cache, capsys, monkeypatch)
    named = "services/svc-0002/app/main.py"
    _, how = _scan(monorepo, cache, capsys, monkeypatch, named)
    assert "incremental: 0 component(s) rebuilt, 1 reused (repository not walked)" in how
    target = monorepo / named
    target.write_text(target.read_text() + "\n# edited\n")
    rebuilt, how = _scan(monorepo, cache, capsys, monkeypatch, named)
    assert "incremental: 1 component(s) rebuilt, 0 reused" in how
    assert rebuilt == _scan(monorepo, None, capsys, monkeypatch, named)[0]
    assert all(f["location"]["path"] == named for f in rebuilt if "location" in f)


def test_a_changed_input_of_a_repository_wide_check_scans_everything(
        monorepo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """MLA501 asks whether anything in the repository terminates TLS: a changed nginx
    file may change the answer for every other configuration."""
    cache = tmp_path / "cache"
    _scan(monorepo, cache, capsys, monkeypatch)
    conf = monorepo / "services" / "svc-0002" / "nginx" / "nginx.conf"
    conf.write_text(conf.read_text().replace("listen 80;", "listen 443 ssl;", 1))
    again, how = _scan(monorepo, cache, capsys, monkeypatch)
    assert "whole scan (a file a repository-wide check reads changed)" in how
    assert again == _scan(monorepo, None, capsys, monkeypatch)[0]


def test_a_new_file_or_a_changed_compose_script_scans_everything(
        monorepo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    _scan(monorepo, cache, capsys, monkeypatch)
    (monorepo / "deploy.sh").write_text("docker compose -f services/svc-0000/compose.yml up\n")
    _, how = _scan(monorepo, cache, capsys, monkeypatch)
    assert "whole scan (files added or removed)" in how
    (monorepo / "deploy.sh").write_text("docker compose -f services/svc-0001/compose.yml up\n")
    again, how = _scan(monorepo, cache, capsys, monkeypatch)
    assert "whole scan (deploy.sh, read by a builder, changed)" in how
    assert again == _scan(monorepo, None, capsys, monkeypatch)[0]


def test_a_tampered_record_is_a_whole_scan(
        monorepo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first, _ = _scan(monorepo, cache, capsys, monkeypatch)
    for record in (cache / "scans-v1").glob("*.json"):
        document = json.loads(record.read_text())
        for component in document["components"].values():
            component["findings"] = [["MLA999", "x", 7, "m", None, [], "static", ""]]
        record.write_text(json.dumps(document))
    again, how = _scan(monorepo, cache, capsys, monkeypatch)
    assert "whole scan (no record)" in how
    assert again == first


def test_the_record_holds_no_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "projects" / "bad-fastapi-service", root)
    secrets = planted_secrets(root)
    assert secrets
    cache = tmp_path / "cache"
    _scan(root, cache, capsys, monkeypatch)
    (root / "README.md").write_text("changed\n")
    again, how = _scan(root, cache, capsys, monkeypatch)
    assert "incremental" in how or "added" in how
    records = list((cache / "scans-v1").glob("*.json"))
    assert records
    for record in records:
        text = record.read_text()
        assert not [s for s in secrets if s in text]
    # Excerpts of reused findings are still masked.
    for item in again:
        assert not [s for s in secrets if s in json.dumps(item)]


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "projects").iterdir()
                                        if p.is_dir()))
def test_incremental_equals_whole_on_every_fixture_project(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Edit files of each kind in each realistic project: the incremental result is the
    whole scan's, and restoring the file restores the first result."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "projects" / name, root)
    cache = tmp_path / "cache"
    first, _ = _scan(root, cache, capsys, monkeypatch)
    by_suffix: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix != ".json":
            by_suffix.setdefault(path.suffix or path.name, path)
    for path in list(by_suffix.values())[:6]:
        text = path.read_text()
        path.write_text(text.replace("8000", "8080", 1) + "\n# edited\n")
        warm, _ = _scan(root, cache, capsys, monkeypatch)
        assert warm == _scan(root, None, capsys, monkeypatch)[0], path.relative_to(root)
        path.write_text(text)
    assert _scan(root, cache, capsys, monkeypatch)[0] == first
