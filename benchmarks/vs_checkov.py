"""mlaudit against checkov, side by side, as whole processes, on a synthetic monorepo.

    python benchmarks/vs_checkov.py [--sizes 10,100,1000] [--runs 3] [--checkov PATH]

For each size N, `gen_monorepo.py` writes N ML services (Dockerfile, compose, nginx, a
FastAPI app, a workflow, a Terraform root with ECS/ALB/security groups, some Lambdas), and
these are timed, one run of each case in turn per round, so both tools see the same load:

- `mlaudit scan TREE` with an empty parse cache (cold) and with the cache of the previous
  run (warm), and `checkov -d TREE` on the frameworks mlaudit reads;
- one file: `mlaudit scan FILE` (the pre-commit case: the rest of the repository is read
  as context, warm cache), `mlaudit scan --no-context FILE`, and `checkov -f FILE`, on one
  service's `infra/main.tf`.

Ratios are checkov's median over mlaudit's. checkov is `--checkov`, `$MLAUDIT_CHECKOV` or
`checkov` on PATH; without it only mlaudit is timed. Plain Python: nothing to install.
The children import this checkout's sources, like bench.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "linter"))

from gen_monorepo import generate  # noqa: E402

from mlaudit.checkov import FRAMEWORKS  # noqa: E402


def _env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(REPO / d) for d in ("linter", "rules", "reports"))
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["BC_SKIP_MAPPING"] = "TRUE"
    env["LOG_LEVEL"] = "ERROR"
    return env


def _time(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv[:4])}... exited {done.returncode}: "
                           f"{done.stderr.decode(errors='replace')[-300:]}")
    return elapsed


def cases(tree: Path, checkov: str | None) -> list[tuple[str, list[str], bool]]:
    """(name, argv, cold parse cache)."""
    mlaudit = [sys.executable, "-m", "mlaudit", "scan", "--quiet", "--format", "json"]
    one = sorted(tree.glob("services/*/infra/main.tf"))[0].relative_to(tree).as_posix()
    out: list[tuple[str, list[str], bool]] = [
        ("mlaudit tree (cold)", [*mlaudit, "."], True),
        ("mlaudit tree (warm)", [*mlaudit, "."], False),
        ("mlaudit FILE (context, warm)", [*mlaudit, one], False),
        ("mlaudit --no-context FILE", [*mlaudit, "--no-context", one], False),
    ]
    if checkov:
        out += [
            ("checkov -d tree", checkov_argv(checkov, ".", directory=True), False),
            ("checkov -f FILE", checkov_argv(checkov, one, directory=False), False),
        ]
    return out


def checkov_argv(checkov: str, target: str, directory: bool) -> list[str]:
    """checkov on a directory (on the frameworks mlaudit reads) or on one file."""
    common = ["--output", "json", "--quiet", "--compact", "--skip-download"]
    if directory:
        return [checkov, "-d", target, *common, "--framework", *FRAMEWORKS]
    return [checkov, "-f", target, *common]


def find_checkov(explicit: str | None) -> str | None:
    """`explicit`, else $MLAUDIT_CHECKOV, else checkov on PATH, else None."""
    return explicit or os.environ.get("MLAUDIT_CHECKOV") or shutil.which("checkov")


PAIRS = [("mlaudit tree (cold)", "checkov -d tree"), ("mlaudit tree (warm)", "checkov -d tree"),
         ("mlaudit FILE (context, warm)", "checkov -f FILE"),
         ("mlaudit --no-context FILE", "checkov -f FILE")]


def run_size(size: int, runs: int, checkov: str | None, work: Path) -> dict[str, list[float]]:
    tree = work / f"monorepo-{size}"
    generate(size, tree)
    subprocess.run(["git", "init", "-q", str(tree)], check=True)  # a repository root
    env = _env(work)
    cache = work / f"cache-{size}"
    timings: dict[str, list[float]] = {}
    all_cases = cases(tree, checkov)
    # Bytecode first (an installed package ships it); the cold case then fills the parse
    # cache the warm cases read, in every round.
    _time([sys.executable, "-m", "mlaudit", "--version"], tree, env)
    for _ in range(runs):
        for name, argv, cold in all_cases:
            if cold:
                shutil.rmtree(cache, ignore_errors=True)
            seconds = _time(argv, tree, {**env, "MLAUDIT_CACHE_DIR": str(cache)})
            timings.setdefault(name, []).append(seconds)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10,100,1000", help="services per tree")
    parser.add_argument("--runs", type=int, default=3, help="timed rounds per size")
    parser.add_argument("--checkov", help="checkov executable")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    checkov = find_checkov(args.checkov)
    results: dict[int, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="mlaudit-vs-checkov-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            results[size] = run_size(size, args.runs, checkov, Path(tmp))
            if not args.json:
                _print(size, results[size])
    if args.json:
        print(json.dumps({str(k): v for k, v in results.items()}, indent=2))
    elif not checkov:
        print("checkov not found (--checkov, $MLAUDIT_CHECKOV or PATH): mlaudit only")
    return 0


def _print(size: int, timings: dict[str, list[float]]) -> None:
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(f"\n{size} services ({len(next(iter(timings.values())))} runs each)")
    for name, median in medians.items():
        print(f"  {name:<30} median {median:8.2f} s   "
              f"(min {min(timings[name]):.2f}, max {max(timings[name]):.2f})")
    for ours, theirs in PAIRS:
        if ours in medians and theirs in medians:
            print(f"  {theirs} / {ours}: {medians[theirs] / medians[ours]:.1f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
