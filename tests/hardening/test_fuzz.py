"""Fuzzing: mutated files of every format, scanned in process (issue 17, item 6).

Each example writes one mutated file (truncated, bytes flipped, nested deeply, a megabyte
line, invalid UTF-8, NUL bytes, a BOM, mixed line endings) next to an untouched sibling
file with a planted secret, scans the repository in process and asserts that no
exception escapes, that the sibling's finding is still reported, and that time and
memory stay bounded.

Profiles (environment MLAUDIT_FUZZ_PROFILE):
- `ci` (default): a fixed, derandomised set of examples per format, about a minute in
  all on two cores; the same inputs on every run.
- `release`: 300 random examples per format, for a release candidate (about an hour):
      MLAUDIT_FUZZ_PROFILE=release python -m pytest tests/hardening/test_fuzz.py
  Any input that fails is shrunk by hypothesis; keep it under
  tests/hardening/fuzz_regressions/<case>/ (the repository path of the file inside),
  where `test_regression_fixture` scans it on every run.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.conftest import plant_sibling, sibling_reported
from tests.helpers import FIXTURES, REPO, scan_dir

settings.register_profile(
    "ci", max_examples=5, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "release", max_examples=300, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = os.environ.get("MLAUDIT_FUZZ_PROFILE", "ci")

# Repository path of the fuzzed file -> the fixture it starts from.
SEEDS: dict[str, Path] = {
    "Dockerfile": FIXTURES / "projects" / "ecs-fastapi-nginx" / "Dockerfile",
    "docker-compose.yml": FIXTURES / "formats" / "compose" / "docker-compose.yml",
    "infra/main.tf": FIXTURES / "projects" / "ecs-fastapi-nginx" / "infra" / "ecs.tf",
    ".github/workflows/deploy.yml":
        FIXTURES / "projects" / "ecs-fastapi-nginx" / ".github" / "workflows" / "deploy.yml",
    "nginx/nginx.conf": FIXTURES / "formats" / "nginx" / "nginx.conf",
    "requirements.txt": FIXTURES / "projects" / "ecs-fastapi-nginx" / "requirements.txt",
    "app/main.py": FIXTURES / "formats" / "python" / "fastapi_app.py",
    "task-definition.json": FIXTURES / "formats" / "ecs" / "api-task-def.json",
    "template.yaml": FIXTURES / "formats" / "sam" / "template.yaml",
    "serverless.yml": FIXTURES / "formats" / "serverless" / "serverless.yml",
    ".env": FIXTURES / "formats" / "python" / "deps" / ".env.example",
    "pyproject.toml": REPO / "pyproject.toml",
}
REGRESSIONS = Path(__file__).parent / "fuzz_regressions"
SECONDS_PER_SCAN = 60.0  # generous: a loaded CI machine; a hang or blow-up is minutes
MAX_RSS_KIB = 2 * 1024 * 1024

_OPENERS = ["[", "{", "(", "- ", "  ", "${", "${{", "<<: *a\n", "a:\n  ", "{\n", "%{ "]
_LONG = [b"a", b" ", b"$", b"#", b"\\", b"${{", b"%0", b"'", b"\"", b"${A:-", b"=", b"\t"]
_BAD_UTF8 = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xfe\xff", b"\x80\x80", b"\xf4\x90\x80\x80"]


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    operations = draw(st.lists(st.sampled_from(
        ["truncate", "flip", "nest", "long_line", "bad_utf8", "nul", "bom", "line_endings"]),
        min_size=1, max_size=3))
    for operation in operations:
        at = draw(st.integers(0, len(data)))
        if operation == "truncate":
            del data[at:]
        elif operation == "flip" and data:
            index = at % len(data)
            data[index] ^= 1 << draw(st.integers(0, 7))
        elif operation == "nest":
            opener = draw(st.sampled_from(_OPENERS)).encode()
            data[at:at] = opener * draw(st.integers(50, 5000))
        elif operation == "long_line":
            unit = draw(st.sampled_from(_LONG))
            data[at:at] = unit * (1_000_000 // len(unit))
        elif operation == "bad_utf8":
            data[at:at] = draw(st.sampled_from(_BAD_UTF8))
        elif operation == "nul":
            data[at:at] = b"\0"
        elif operation == "bom":
            data[0:0] = b"\xef\xbb\xbf"
        elif operation == "line_endings":
            data = bytearray(bytes(data).replace(b"\n", draw(st.sampled_from(
                [b"\r\n", b"\r", b"\n\r"]))))
    return bytes(data)


def _scan_with(path: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="mlaudit-fuzz-") as name:
        root = Path(name)
        plant_sibling(root)
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        started = time.perf_counter()
        result = scan_dir(root)  # any exception escaping fails the example
        elapsed = time.perf_counter() - started
    assert sibling_reported(result.active), "the untouched sibling's finding was lost"
    assert elapsed < SECONDS_PER_SCAN, f"{elapsed:.1f} s"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < MAX_RSS_KIB


@pytest.mark.parametrize("path", sorted(SEEDS))
@settings(settings.get_profile(PROFILE))
@given(data=st.data())
def test_mutated_file_costs_only_itself(path: str, data: st.DataObject) -> None:
    content = data.draw(mutated(SEEDS[path].read_bytes()), label="content")
    _scan_with(path, content)


_KINDS: dict[str, bytes] = {  # each mutation once, whatever examples the profile draws
    "truncate": b"", "nest": b"[" * 5000, "long_line": b"${{" * 333_333,
    "bad_utf8": b"\xff\xc3\xed\xa0\x80", "nul": b"\0", "bom": b"\xef\xbb\xbf",
}


@pytest.mark.parametrize("kind", sorted(_KINDS))
def test_each_mutation_kind(kind: str) -> None:
    paths = sorted(SEEDS)
    path = paths[sorted(_KINDS).index(kind) * 2 % len(paths)]
    seed = SEEDS[path].read_bytes()
    middle = len(seed) // 2
    if kind == "truncate":
        content = seed[:middle]
    elif kind == "bom":
        content = _KINDS[kind] + seed.replace(b"\n", b"\r\n")  # and mixed endings
    else:
        content = seed[:middle] + _KINDS[kind] + seed[middle:]
    _scan_with(path, content)


def _regression_cases() -> list[Path]:
    return sorted(p for p in REGRESSIONS.iterdir() if p.is_dir()) if REGRESSIONS.is_dir() \
        else []


@pytest.mark.parametrize("case", _regression_cases(), ids=lambda p: p.name)
def test_regression_fixture(case: Path) -> None:
    """Every input that ever broke a scan, kept and scanned again."""
    with tempfile.TemporaryDirectory(prefix="mlaudit-regression-") as name:
        root = Path(name)
        shutil.copytree(case, root, dirs_exist_ok=True)
        plant_sibling(root)
        started = time.perf_counter()
        result = scan_dir(root)
        assert time.perf_counter() - started < SECONDS_PER_SCAN
    assert sibling_reported(result.active)
    assert not [d for d in result.diagnostics if "internal" in d.message]
