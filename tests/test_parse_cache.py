"""The parse cache is safe to share: plain data, no secret in it, nothing in it ever runs.

Teams restore mlaudit's cache in CI from other branches and pull requests; whoever can
write an entry must not get code execution in the next scan, and the cache must not be
a store of the secrets every report redacts.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import stat
from pathlib import Path

import pytest

from mlaudit import __version__
from mlaudit.cache import SCHEMA, ParseCache, decode, encode
from mlaudit.cli import main
from mlaudit.discovery import discover
from mlaudit.parsers import ParseError, parser_for
from tests.helpers import FIXTURES, REPO
from tests.planted_secrets import planted_secrets

DOCKERFILE = 'FROM python:3.12-slim\nENV AWS_ACCESS_KEY_ID="AKIAZ7Q2WMBXK4TRD3PL"\n' \
             'CMD ["uvicorn", "app:app"]\n'


def _scan_json(path: Path, cache: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    # Without the last scan's record (mlaudit.incremental): these scans read parse entries.
    shutil.rmtree(cache / "scans-v1", ignore_errors=True)
    capsys.readouterr()
    code = main(["scan", str(path), "--root", str(path), "--format", "json",
                 "--cache-dir", str(cache), "--select", "MLA101,MLA201,MLA202,MLA203"])
    assert code in (0, 1)
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def _entries(cache: Path) -> list[Path]:
    """The parse entries (the rules' per-file analyses are tested in tests/secrets)."""
    return sorted(p for p in (cache / f"data-v{SCHEMA}").rglob("*") if p.is_file())


def _dockerfile_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    return repo


def _entry_key(repo: Path, cache: Path) -> str:
    source = next(s for s in discover([repo], repo, []).files if s.path == "Dockerfile")
    found = parser_for(source.kind)
    assert found is not None
    return ParseCache(cache).key(found[1], source.path, source.text.encode("utf-8"))


def _findings(document: dict[str, object]) -> list[tuple[str, int]]:
    items = document["findings"]
    assert isinstance(items, list)
    return sorted((f["rule"], f["location"]["line"]) for f in items)


def test_every_fixture_model_round_trips_through_plain_data() -> None:
    """Every model a parser builds is stored (no file silently left uncached) and comes
    back equal, through JSON text."""
    checked = 0
    for source in discover([FIXTURES], REPO, []).files:
        found = parser_for(source.kind)
        if found is None:
            continue
        try:
            model = found[0](source)
        except ParseError:
            continue
        if model is None:
            continue
        text = json.dumps(encode(model, source.text, source.path))
        assert decode(json.loads(text), source.text, source.path) == model, source.path
        checked += 1
    assert checked > 300


def test_no_planted_secret_is_in_any_cache_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    secrets = planted_secrets()
    assert "ASIAY34FZKBOKMUTVV7A" in secrets
    capsys.readouterr()
    main(["scan", str(FIXTURES), "--root", str(REPO), "--format", "json",
          "--cache-dir", str(cache), "--no-context"])
    cold = capsys.readouterr().out
    entries = _entries(cache)
    assert len(entries) > 300
    leaks = [(p.name, s) for p in entries for s in secrets
             if s in p.read_text(encoding="utf-8")]
    assert not leaks
    # And the warm run, from those entries, reports exactly what the cold one did.
    main(["scan", str(FIXTURES), "--root", str(REPO), "--format", "json",
          "--cache-dir", str(cache), "--no-context"])
    assert json.loads(capsys.readouterr().out)["findings"] == json.loads(cold)["findings"]


def test_a_secret_in_a_scanned_file_is_stored_as_a_position(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _dockerfile_repo(tmp_path)
    cache = tmp_path / "cache"
    cold = _scan_json(repo, cache, capsys)
    assert ("MLA101", 2) in _findings(cold)
    (entry,) = _entries(cache)
    assert "AKIAZ7Q2WMBXK4TRD3PL" not in entry.read_text(encoding="utf-8")
    assert _findings(_scan_json(repo, cache, capsys)) == _findings(cold)


def test_entries_are_private(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _dockerfile_repo(tmp_path)
    cache = tmp_path / "cache"
    _scan_json(repo, cache, capsys)
    directories = [cache, *(p for p in cache.rglob("*") if p.is_dir())]
    assert {stat.S_IMODE(d.stat().st_mode) for d in directories} == {0o700}
    files = _entries(cache)
    assert files and {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}


def test_a_shared_cache_root_is_left_alone_and_mlaudits_directory_made_private(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """MLAUDIT_CACHE_DIR may name a shared directory: mlaudit never changes its mode, and
    a data directory left group-readable (made by hand, or by an old version) is fixed."""
    repo = _dockerfile_repo(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    data = shared / f"data-v{SCHEMA}"
    data.mkdir()
    data.chmod(0o755)
    _scan_json(repo, shared, capsys)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert {stat.S_IMODE(d.stat().st_mode) for d in [data, *data.iterdir()]} == {0o700}


def _payload(marker: Path) -> bytes:
    """A pickle that creates `marker` when it is loaded."""

    class Exploit:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return os.system, (f"touch {marker}",)

    return pickle.dumps(Exploit())


def test_a_pickle_planted_under_an_entry_name_never_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _dockerfile_repo(tmp_path)
    cache = tmp_path / "cache"
    marker = tmp_path / "pwned"
    key = _entry_key(repo, cache)
    entry = cache / f"data-v{SCHEMA}" / key[:2] / f"{key}.json"
    entry.parent.mkdir(parents=True)
    entry.write_bytes(_payload(marker))
    # Where the previous (pickle) version of mlaudit kept the same file's entry, too.
    old = cache / f"v{__version__}" / key[:2] / key
    old.parent.mkdir(parents=True)
    old.write_bytes(_payload(marker))
    document = _scan_json(repo, cache, capsys)
    assert not marker.exists()
    assert ("MLA101", 2) in _findings(document)
    # The planted entry was replaced by a real one.
    assert json.loads(entry.read_text(encoding="utf-8"))["schema"] == SCHEMA


@pytest.mark.parametrize("tamper", [
    "class-outside-models", "builtin-class", "wrong-arity", "wrong-type", "bad-offsets",
    "not-json", "old-schema", "unknown-tag",
])
def test_a_tampered_entry_is_ignored_and_rebuilt(
        tamper: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _dockerfile_repo(tmp_path)
    cache = tmp_path / "cache"
    clean = _scan_json(repo, cache, capsys)
    (entry,) = _entries(cache)
    document = json.loads(entry.read_text(encoding="utf-8"))
    if tamper == "class-outside-models":
        document["classes"][0] = "os:system"
    elif tamper == "builtin-class":
        document["classes"][0] = "mlaudit.models.dockerfile:__builtins__"
    elif tamper == "wrong-arity":
        document["value"] = document["value"][:-1]
    elif tamper == "wrong-type":
        document["value"][1] = 12345  # the Dockerfile's path, an int
    elif tamper == "bad-offsets":
        document["value"][1] = ["r", 0, 10 ** 9]
    elif tamper == "old-schema":
        document["schema"] = SCHEMA - 1
    elif tamper == "unknown-tag":
        document["value"][1] = ["x", 1]
    text = "{not json" if tamper == "not-json" else json.dumps(document)
    entry.write_text(text, encoding="utf-8")
    assert _findings(_scan_json(repo, cache, capsys)) == _findings(clean)
    assert json.loads(entry.read_text(encoding="utf-8"))["schema"] == SCHEMA


def test_a_cache_directory_of_the_previous_version_is_ignored_cleanly(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The pickle layout (`v<version>/<key[:2]>/<key>`) is never opened, and left alone."""
    repo = _dockerfile_repo(tmp_path)
    cache = tmp_path / "cache"
    old = cache / f"v{__version__}" / "ab" / ("ab" + "0" * 62)
    old.parent.mkdir(parents=True)
    old.write_bytes(pickle.dumps({"stale": True}))
    document = _scan_json(repo, cache, capsys)
    assert ("MLA101", 2) in _findings(document)
    assert old.read_bytes() == pickle.dumps({"stale": True})
    assert len(list((cache / f"data-v{SCHEMA}").rglob("*.json"))) == 1


def test_an_unwritable_cache_never_fails_a_scan(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _dockerfile_repo(tmp_path)
    cache = tmp_path / "cache"
    cache.write_text("a file, not a directory", encoding="utf-8")
    assert ("MLA101", 2) in _findings(_scan_json(repo, cache, capsys))
