"""Both cores on a large scan (`mlaudit.parallel`): the output is the same, byte for byte,
as one process's.

The scans run in a fresh interpreter (a user's run has no other thread; the rule phase
forks only then) with the thresholds lowered, so a fixture tree uses the parse pool, the
parent's own share of parsing and the forked rule phase in chunks of two subjects.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from mlaudit import parallel
from tests.helpers import FIXTURES, REPO

PROBE = """
import json, sys
import mlaudit.engine as engine
import mlaudit.parallel as parallel

engine.PARALLEL_THRESHOLD, engine.RULE_FORK_THRESHOLD, engine._RULE_CHUNK = 2, 1, 2
used = []
run_shared, parse_in_processes = parallel.run_shared, parallel.parse_in_processes

def shared(count, run):
    used.append("rules")
    return run_shared(count, run)

def parse(items, workers, function, handle):
    used.append("parse")
    return parse_in_processes(items, workers, function, handle)

parallel.run_shared, parallel.parse_in_processes = shared, parse
from mlaudit.cli import main
code = main(["scan", *sys.argv[1:]])
print(json.dumps({"code": code, "used": used}))
"""

# Secrets (masked excerpts), Terraform modules (findings merged across instances),
# malformed files (parse diagnostics), realistic projects (suppressions, many rules).
TREE = ["fixtures/projects", "fixtures/formats", "fixtures/planted-secrets.txt",
        *sorted(str(p.relative_to(REPO)) for p in (FIXTURES / "rules").glob("MLA10*")),
        "fixtures/rules/MLA301", "fixtures/rules/MLA304", "fixtures/rules/MLA330"]


def _scan(cache: Path, out: Path, jobs: int, fmt: str, *more: str) -> list[str]:
    # Without the last scan's record (mlaudit.incremental), so a warm run checks again.
    shutil.rmtree(cache / "scans-v1", ignore_errors=True)
    env_path = ":".join(str(REPO / d) for d in ("linter", "rules", "reports"))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--jobs", str(jobs), "--cache-dir", str(cache), "-f", fmt,
         "-o", str(out), "--root", str(REPO), "--fail-on", "none", *more, *TREE],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": env_path})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    used: list[str] = result["used"]
    return used


def test_two_processes_write_the_same_report_as_one(tmp_path: Path) -> None:
    outputs: dict[int, tuple[bytes, bytes, bytes]] = {}
    for jobs in (1, 2):
        cache = tmp_path / f"cache-{jobs}"
        # Cold: the parse phase; then warm (every file from the cache): the rule phase alone.
        used = _scan(cache, tmp_path / f"{jobs}.json", jobs, "json")
        used += _scan(cache, tmp_path / f"{jobs}.sarif", jobs, "sarif")
        # Source excerpts, masked with every secret the rules saw.
        used += _scan(cache, tmp_path / f"{jobs}.txt", jobs, "text", "--show-source",
                      "--no-color")
        if jobs == 1:
            assert used == []  # one process: no pool, no fork
        elif sys.platform.startswith("linux"):
            # (a warm run parses again what the cache does not hold: malformed files)
            assert used[0] == "parse" and used.count("rules") == 3
        outputs[jobs] = tuple(  # type: ignore[assignment]
            (tmp_path / f"{jobs}.{ext}").read_bytes() for ext in ("json", "sarif", "txt"))
    report = json.loads(outputs[1][0])
    # The tree exercises what the merge must keep in order.
    assert len(report["findings"]) > 100 and report["diagnostics"]
    assert b"***" in outputs[1][2] or b"REDACTED" in outputs[1][2].upper()
    assert outputs[2][0] == outputs[1][0]
    assert outputs[2][1] == outputs[1][1]
    assert outputs[2][2] == outputs[1][2]


def test_run_shared_returns_every_result_in_order() -> None:
    assert parallel.run_shared(0, lambda i: i) == []
    assert parallel.run_shared(500, lambda i: i * i) == [i * i for i in range(500)]
    # More indices than a pipe holds: one process runs them all, nothing blocks.
    assert parallel.run_shared(20000, lambda i: -i) == [-i for i in range(20000)]


def test_items_a_dead_child_took_are_run_here() -> None:
    parent = os.getpid()

    def run(index: int) -> int:
        if os.getpid() != parent and index >= 10:
            os._exit(3)  # the child dies half-way: its results never arrive
        return index + 1

    assert parallel.run_shared(200, run) == [i + 1 for i in range(200)]


def test_parse_in_processes_hands_every_item_over_once() -> None:
    seen: list[tuple[int, int]] = []
    parallel.parse_in_processes(list(range(300)), 2, abs, lambda i, r: seen.append((i, r)))
    assert sorted(seen) == [(i, i) for i in range(300)]
