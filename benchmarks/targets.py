"""Every speed target of the speed issue, measured in one run, side by side with checkov.

    python benchmarks/targets.py [--checkov PATH] [--runs 3] [--file-runs 10]
        [--sizes 100,300,1000,3000] [--checkov-sizes ...] [--size-runs N] [--tree PATH]
        [--only NAME] [--quick] [--no-checkov] [--json [FILE]]

Scenarios (each one a set of whole processes, run in rounds: one run of every case per
round, mlaudit's and checkov's in turn, so both tools share the machine's load):

- one-file: on the 2,000-file Terraform tree with a warm cache, `mlaudit scan FILE` (the
  pre-commit case: the rest of the repository is context), `mlaudit scan --no-context
  FILE`, `checkov -f FILE`, and `python -c pass` (the floor: interpreter start-up).
- tree: the same tree, `mlaudit scan .` cold (empty cache), warm with nothing changed,
  warm with one file changed since the previous scan (a comment line appended; restored
  after the round), and `checkov -d .` (checkov has no cache: one run serves both ratios).
- app: a 9-file application repository (fixtures/projects/good-ml-service), cold.
- linear: the synthetic monorepo (gen_monorepo.py) at each of --sizes services, cold,
  with time and peak memory per file.

Each process is timed with a wall clock; its CPU time (user + system) and peak resident
memory come from `os.wait4`, which reports them for the child and the processes it
waited for (peak memory is that of the largest process of the tree). Ratios are
checkov's median over mlaudit's. checkov is `--checkov`, `$MLAUDIT_CHECKOV` or `checkov`
on PATH, run with a clean environment (it lives in a virtualenv of its own); without it
only mlaudit is timed and ratio targets are reported as n/a. Plain Python: nothing to
install. The mlaudit children import this checkout's sources, like bench.py.

The exit status is 0 when everything ran (whatever the targets say), 2 when a process
failed: this is a measurement, not a test. Interrupted (Ctrl-C), it prints the targets
measured so far.
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench import _child_env, _git_repo  # noqa: E402
from gen_monorepo import generate as generate_monorepo  # noqa: E402
from gen_terraform_tree import generate as generate_terraform_tree  # noqa: E402
from vs_checkov import checkov_argv, find_checkov  # noqa: E402

APP = REPO / "fixtures" / "projects" / "good-ml-service"
SCENARIOS = ("one-file", "tree", "app", "linear")
MIB = 1024 * 1024
# ru_maxrss is in kibibytes on Linux, in bytes on macOS.
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024


class MeasureError(RuntimeError):
    """A measured process failed (exit status other than 0 or 1)."""


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child and what it waited for
    maxrss: int  # bytes: the largest resident set in the child's process tree


def measure(argv: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Run one process to completion and return what it cost. Exit 1 (findings) is fine."""
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: nothing to drain while waiting
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted: leave no process behind
            proc.kill()
            proc.wait()
            raise
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if proc.returncode not in (0, 1):
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip().splitlines()
            raise MeasureError(f"{' '.join(argv[:6])} ... in {cwd} exited {proc.returncode}: "
                               f"{tail[-1] if tail else 'no message'}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * _MAXRSS_UNIT)


def median(samples: Iterable[float]) -> float | None:
    values = list(samples)
    return statistics.median(values) if values else None


@dataclass
class Series:
    """The samples of one case: one per round."""
    samples: list[Sample] = field(default_factory=list)

    def wall(self) -> float | None:
        return median(s.wall for s in self.samples)

    def mib(self) -> float | None:
        """Median peak memory, MiB."""
        return median(s.maxrss / MIB for s in self.samples)

    def cpu(self) -> float | None:
        return median(s.cpu for s in self.samples)

    def cpu_over_wall(self) -> float | None:
        return median(s.cpu / s.wall for s in self.samples if s.wall > 0)


@dataclass
class Bench:
    work: Path
    checkov: str | None
    runs: int
    file_runs: int
    size_runs: int
    log: Callable[[str], None]
    warmup: bool = True  # an untimed run of each one-file case first
    series: dict[str, Series] = field(default_factory=dict)
    meta: dict[str, object] = field(default_factory=dict)
    monorepo_files: dict[int, int] = field(default_factory=dict)  # services -> files

    def __post_init__(self) -> None:
        self.ml_env = _child_env(self.work)
        # checkov gets the caller's environment without mlaudit's source path and bytecode
        # prefix (it would recompile itself there), and without its platform calls.
        self.ckv_env = {k: v for k, v in os.environ.items()
                        if k not in {"PYTHONPATH", "PYTHONPYCACHEPREFIX"}}
        self.ckv_env.update(BC_SKIP_MAPPING="TRUE", LOG_LEVEL="ERROR", NO_COLOR="1")

    def mlaudit(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "mlaudit", "scan", "--quiet", "--format", "json", *args]

    def run(self, key: str | None, argv: list[str], cwd: Path, cache: Path | None = None,
            cold: bool = False) -> Sample:
        """Measure one process; record it under `key` (None: untimed warm-up)."""
        if argv[0] == sys.executable:
            env = dict(self.ml_env)
            if cache is not None:
                env["MLAUDIT_CACHE_DIR"] = str(cache)
                if cold:
                    shutil.rmtree(cache, ignore_errors=True)
        else:
            env = self.ckv_env
        sample = measure(argv, cwd, env)
        if key is not None:
            self.series.setdefault(key, Series()).samples.append(sample)
            self.log(f"  {key}: {sample.wall:.3f} s, cpu {sample.cpu:.2f} s, "
                     f"{sample.maxrss / MIB:.0f} MiB")
        return sample

    # --- scenarios -------------------------------------------------------------------

    def one_file(self, tree: Path, target: str) -> None:
        cache = self.work / "cache-tree-warm"
        self.run(None, [sys.executable, "-m", "mlaudit", "--version"], tree)  # bytecode
        self.run(None, self.mlaudit("."), tree, cache)  # fills the cache
        cases = [("floor", [sys.executable, "-c", "pass"]),
                 ("one-file/mlaudit", self.mlaudit(target)),
                 ("one-file/mlaudit-no-context", self.mlaudit("--no-context", target))]
        if self.checkov:
            cases.append(("one-file/checkov", checkov_argv(self.checkov, target, False)))
        if self.warmup:  # caches of both tools, the OS's file cache
            for _, argv in cases:
                self.run(None, argv, tree, cache)
        for index in range(self.file_runs):
            self.log(f"one-file round {index + 1}/{self.file_runs}")
            for key, argv in cases:
                self.run(key, argv, tree, cache)

    def tree(self, tree: Path, target: str) -> None:
        cache = self.work / "cache-tree"
        edited = tree / target
        original = edited.read_bytes()
        for index in range(self.runs):
            self.log(f"tree round {index + 1}/{self.runs}")
            self.run("tree/mlaudit-cold", self.mlaudit("."), tree, cache, cold=True)
            self.run("tree/mlaudit-warm", self.mlaudit("."), tree, cache)
            # A different edit every round, so the file is always new to the cache.
            edited.write_bytes(original + f"\n# benchmark edit, round {index}\n".encode())
            try:
                self.run("tree/mlaudit-warm-one-changed", self.mlaudit("."), tree, cache)
            finally:
                edited.write_bytes(original)
            if self.checkov:
                self.run("tree/checkov", checkov_argv(self.checkov, ".", True), tree)

    def app(self, app: Path) -> None:
        cache = self.work / "cache-app"
        for index in range(self.runs):
            self.log(f"app round {index + 1}/{self.runs}")
            self.run("app/mlaudit-cold", self.mlaudit("."), app, cache, cold=True)
            if self.checkov:
                self.run("app/checkov", checkov_argv(self.checkov, ".", True), app)

    def linear(self, sizes: list[int], checkov_sizes: set[int]) -> None:
        files = self.monorepo_files
        for size in sizes:
            tree = self.work / f"monorepo-{size}"
            files[size] = generate_monorepo(size, tree)
            _git_repo(tree)
            cache = self.work / f"cache-monorepo-{size}"
            for index in range(self.size_runs):
                self.log(f"linear {size} services ({files[size]} files) round "
                         f"{index + 1}/{self.size_runs}")
                self.run(f"linear/{size}/mlaudit-cold", self.mlaudit("."), tree, cache,
                         cold=True)
                if self.checkov and size in checkov_sizes:
                    self.run(f"linear/{size}/checkov", checkov_argv(self.checkov, ".", True),
                             tree)
            shutil.rmtree(tree, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)


# --- targets -------------------------------------------------------------------------


@dataclass
class Row:
    case: str
    unit: str  # "s" or "MiB": the unit of the mlaudit and checkov columns
    mlaudit: float | None
    checkov: float | None
    measured: str  # the quantity compared with the target, for reading
    target: str
    value: float | None = None  # the quantity compared with the target
    threshold: float | None = None
    op: str | None = None  # "<=", ">=", "<"; None: shown for information
    why_na: str = ""
    # checkov's CPU time over mlaudit's: steadier than the wall-clock ratio on a loaded
    # machine, though it hides what mlaudit gains from running on several cores.
    cpu_ratio: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.mlaudit and self.checkov:
            return self.checkov / self.mlaudit
        return None

    @property
    def passed(self) -> bool | None:
        if self.op is None or self.value is None or self.threshold is None:
            return None
        return {"<=": self.value <= self.threshold, ">=": self.value >= self.threshold,
                "<": self.value < self.threshold}[self.op]

    @property
    def result(self) -> str:
        if self.op is None:
            return "info"
        return {True: "pass", False: "FAIL", None: "n/a"}[self.passed] + (
            f" ({self.why_na})" if self.passed is None and self.why_na else "")


def _ratio_row(case: str, ours: Series | None, theirs: Series | None, minimum: float | None,
               has_checkov: bool) -> Row:
    row = Row(case, "s", ours.wall() if ours else None, theirs.wall() if theirs else None,
              "", f">= {minimum:g}x" if minimum else "", op=">=" if minimum else None,
              threshold=minimum)
    row.value = row.ratio
    row.cpu_ratio = _cpu_ratio(ours, theirs)
    row.measured = f"{row.ratio:.1f}x" if row.ratio else "-"
    row.why_na = "no checkov" if not has_checkov else "not measured"
    return row


def _cpu_ratio(ours: Series | None, theirs: Series | None) -> float | None:
    a, b = (ours.cpu() if ours else None), (theirs.cpu() if theirs else None)
    return b / a if a and b is not None else None


def _per_file(series: Series | None, files: int, what: str) -> float | None:
    """Median wall or CPU seconds, or MiB of peak memory, per file."""
    value = {"wall": series.wall, "cpu": series.cpu, "mib": series.mib}[what]() if series \
        else None
    return value / files if value is not None else None


def targets(bench: Bench) -> list[Row]:
    s = bench.series.get
    has_checkov = bool(bench.checkov)
    rows: list[Row] = []
    files = bench.meta.get("tree_files", "?")
    floor = s("floor")
    floor_median = floor.wall() if floor else None
    for key, name, limit in (("one-file/mlaudit", "one file, default, warm", 0.15),
                             ("one-file/mlaudit-no-context", "one file, --no-context", 0.08)):
        ours = s(key)
        if ours is None:
            continue
        over = (ours.wall() or 0.0) - floor_median if floor_median is not None else None
        rows.append(Row(f"{name} ({files}-file tree)", "s", ours.wall(),
                        (s("one-file/checkov") or Series()).wall(),
                        f"+{over:.3f} s over floor" if over is not None else "-",
                        f"<= +{limit:g} s", over, limit, "<=",
                        cpu_ratio=_cpu_ratio(ours, s("one-file/checkov"))))
    if s("tree/mlaudit-cold"):
        theirs = s("tree/checkov")
        rows.append(_ratio_row(f"tree warm, one file changed ({files} files)",
                               s("tree/mlaudit-warm-one-changed"), theirs, 100, has_checkov))
        rows.append(_ratio_row(f"tree warm, nothing changed ({files} files)",
                               s("tree/mlaudit-warm"), theirs, None, has_checkov))
        cold = s("tree/mlaudit-cold")
        rows.append(_ratio_row(f"tree cold ({files} files)", cold, theirs, 30, has_checkov))
        assert cold is not None
        busy = cold.cpu_over_wall()
        rows.append(Row(f"tree cold, cpu / wall ({files} files)", "s", cold.wall(),
                        theirs.wall() if theirs else None,
                        f"cpu/wall {busy:.2f}" if busy is not None else "-", ">= 1.7",
                        busy, 1.7, ">="))
        tree_mib = cold.mib() or 0.0
        rows.append(Row(f"tree cold, peak memory ({files} files)", "MiB", tree_mib,
                        theirs.mib() if theirs else None,
                        f"{tree_mib:.0f} MiB", "< 150 MiB", tree_mib, 150, "<"))
    if s("app/mlaudit-cold"):
        rows.append(_ratio_row(f"app repository cold ({bench.meta.get('app_files')} files)",
                               s("app/mlaudit-cold"), s("app/checkov"), 15, has_checkov))
    counts = bench.monorepo_files
    sizes = list(counts)
    for size in sizes:
        ours, theirs = s(f"linear/{size}/mlaudit-cold"), s(f"linear/{size}/checkov")
        n = counts[size]
        row = _ratio_row(f"monorepo {size} services cold ({n} files)", ours, theirs,
                         20 if size == 1000 else None, has_checkov)
        per_file = _per_file(ours, n, "wall")
        if per_file is not None:
            row.measured = ", ".join(part for part in (
                row.measured if row.ratio else "", f"{per_file * 1000:.2f} ms/file") if part)
        if theirs is None and has_checkov:
            row.why_na = "checkov not run at this size (--checkov-sizes)"
        rows.append(row)
        ours_mib = ours.mib() if ours else None
        theirs_mib = theirs.mib() if theirs else None
        mem = Row(f"monorepo {size} services peak memory", "MiB", ours_mib, theirs_mib,
                  f"{ours_mib:.0f} MiB, {ours_mib * 1024 / n:.1f} KiB/file"
                  if ours_mib is not None else "-", "< checkov's", op="<")
        if ours_mib is not None and theirs_mib is not None:
            mem.value, mem.threshold = ours_mib, theirs_mib
        else:
            mem.why_na = "no checkov" if not has_checkov else "checkov not run at this size"
        rows.append(mem)
    if len(sizes) >= 2:
        small, large = min(sizes), max(sizes)
        # CPU time per file is not a target (mlaudit may use more cores as N grows), but
        # it is what stays readable when the machine's load changes between sizes.
        for quantity, what, unit, judged in (("wall", "time", "ms", True),
                                             ("cpu", "CPU time", "ms", False),
                                             ("mib", "peak memory", "KiB", True)):
            a = _per_file(s(f"linear/{small}/mlaudit-cold"), counts[small], quantity)
            b = _per_file(s(f"linear/{large}/mlaudit-cold"), counts[large], quantity)
            scale = 1024.0 if quantity == "mib" else 1000.0  # MiB -> KiB, seconds -> ms
            growth = b / a if a and b is not None else None
            rows.append(Row(
                f"linear: {what} per file, N={large} / N={small}", unit, None, None,
                f"{growth:.2f} ({b * scale:.2f} vs {a * scale:.2f} {unit}/file)"
                if growth is not None and a is not None and b is not None else "-",
                "<= 1.3" if judged else "", growth, 1.3 if judged else None,
                "<=" if judged else None))
    return rows


# --- output --------------------------------------------------------------------------


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    return f"{value:.1f} {unit}" if unit != "MiB" else f"{value:.0f} MiB"


COLUMNS = ("case", "mlaudit", "checkov", "ratio", "cpu ratio", "measured", "target", "result")


def table(rows: list[Row]) -> str:
    cells = [COLUMNS] + [(
        r.case, _fmt(r.mlaudit, r.unit), _fmt(r.checkov, r.unit),
        f"{r.ratio:.1f}x" if r.ratio else "-", f"{r.cpu_ratio:.1f}x" if r.cpu_ratio else "-",
        r.measured, r.target or "-", r.result)
        for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def as_json(bench: Bench, rows: list[Row], args: argparse.Namespace) -> dict[str, object]:
    return {
        "python": sys.version.split()[0],
        "checkov": bench.checkov,
        "runs": bench.runs, "file_runs": bench.file_runs, "size_runs": bench.size_runs,
        "quick": args.quick,
        "meta": {**bench.meta,
                 "monorepo_files": {str(k): v for k, v in bench.monorepo_files.items()}},
        "targets": [{
            "case": r.case, "unit": r.unit, "mlaudit_median": r.mlaudit,
            "checkov_median": r.checkov, "ratio": r.ratio, "cpu_ratio": r.cpu_ratio,
            "measured": r.measured,
            "target": r.target, "value": r.value, "threshold": r.threshold, "op": r.op,
            "passed": r.passed, "result": r.result,
        } for r in rows],
        "series": {key: [{"wall": x.wall, "cpu": x.cpu, "maxrss": x.maxrss}
                         for x in series.samples]
                   for key, series in bench.series.items()},
    }


# --- command line --------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text!r}") from None
    if any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return values


def _prepare_tree(work: Path, source: Path | None, files: int) -> Path:
    """The Terraform tree, in the work directory: generated, or a copy of --tree (the
    one-changed case edits a file, and the copy must be a repository root of its own)."""
    tree = work / "tree"
    if source is None:
        generate_terraform_tree(tree, files)
    else:
        shutil.copytree(source, tree, ignore=shutil.ignore_patterns(".git"), symlinks=True)
    return _git_repo(tree)


def _pick_file(tree: Path, explicit: str | None) -> str:
    if explicit:
        if not (tree / explicit).is_file():
            raise SystemExit(f"--file {explicit}: not a file of the tree")
        return explicit
    candidates = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*.tf"))
    candidates = [c for c in candidates if not c.startswith(".")]
    if not candidates:
        raise SystemExit("the tree holds no .tf file: give one with --file")
    return candidates[0]


def _count_files(tree: Path) -> int:
    return sum(1 for p in tree.rglob("*") if p.is_file() and ".git" not in p.parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--checkov", help="checkov executable (default: $MLAUDIT_CHECKOV, "
                        "then checkov on PATH)")
    parser.add_argument("--no-checkov", action="store_true", help="time mlaudit only")
    parser.add_argument("--runs", type=int, default=3,
                        help="rounds of the tree and app scenarios (default 3)")
    parser.add_argument("--file-runs", type=int, default=10,
                        help="rounds of the one-file scenario (default 10)")
    parser.add_argument("--size-runs", type=int,
                        help="rounds per monorepo size (default: --runs)")
    parser.add_argument("--sizes", type=_sizes, default=[100, 300, 1000, 3000],
                        help="monorepo sizes in services (default 100,300,1000,3000)")
    parser.add_argument("--checkov-sizes", type=_sizes,
                        help="the sizes checkov runs at (default: all; checkov takes many "
                        "minutes per run at 1000 services and more)")
    parser.add_argument("--tree", type=Path, help="a Terraform tree to use instead of the "
                        "generated one (copied; e.g. a real catalogue)")
    parser.add_argument("--tree-files", type=int, default=2000,
                        help="size of the generated tree (default 2000)")
    parser.add_argument("--file", help="the tree's file for the one-file and one-changed "
                        "cases, relative to it (default: the first .tf file)")
    parser.add_argument("--only", action="append", metavar="SCENARIO",
                        choices=SCENARIOS, help=f"run only these ({', '.join(SCENARIOS)}; "
                        "repeatable)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: 100-file tree, sizes 2,4, one round each")
    parser.add_argument("--json", nargs="?", const="-", metavar="FILE",
                        help="machine-readable results: on stdout instead of the table, "
                        "or into FILE with the table on stdout")
    parser.add_argument("--verbose", "-v", action="store_true", help="log every process")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.file_runs, args.size_runs = 1, 1, 1
        args.tree_files, args.sizes = min(args.tree_files, 100), [2, 4]
    if min(args.runs, args.file_runs, args.size_runs or args.runs) < 1:
        parser.error("--runs, --file-runs and --size-runs must be at least 1")
    checkov = None if args.no_checkov else find_checkov(args.checkov)
    chosen = args.only or list(SCENARIOS)

    def log(message: str) -> None:
        if args.verbose or not message.startswith("  "):
            print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="mlaudit-targets-") as tmp:
        work = Path(tmp)
        bench = Bench(work, checkov, args.runs, args.file_runs, args.size_runs or args.runs,
                      log, warmup=not args.quick)
        try:
            if "one-file" in chosen or "tree" in chosen:
                tree = _prepare_tree(work, args.tree, args.tree_files)
                target = _pick_file(tree, args.file)
                bench.meta.update(tree=str(args.tree or f"generated ({args.tree_files})"),
                                  tree_files=_count_files(tree), file=target)
                if "one-file" in chosen:
                    bench.one_file(tree, target)
                if "tree" in chosen:
                    bench.tree(tree, target)
            if "app" in chosen:
                app = _git_repo(work / "app")
                shutil.copytree(APP, app, dirs_exist_ok=True)
                bench.meta.update(app=APP.relative_to(REPO).as_posix(),
                                  app_files=_count_files(app))
                bench.app(app)
            if "linear" in chosen:
                bench.linear(args.sizes, set(args.checkov_sizes or args.sizes))
        except MeasureError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:  # report what was measured so far
            bench.meta["interrupted"] = True
    rows = targets(bench)
    if args.json != "-":
        print(table(rows))
        if bench.meta.get("interrupted"):
            print("\ninterrupted: the table holds what was measured before")
        if not checkov:
            print("\ncheckov not found (--checkov, $MLAUDIT_CHECKOV or PATH): mlaudit only")
    if args.json:
        text = json.dumps(as_json(bench, rows, args), indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
