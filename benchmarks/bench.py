"""Time whole `mlaudit` processes, the way users and pre-commit run them.

    python benchmarks/bench.py [--runs 10] [--warmup 1] [--only NAME] [--json]

Every case is a fresh interpreter (start-up and imports are most of a pre-commit run),
timed with a wall clock around `subprocess.run`, after warm-up runs that are not counted.
The floor is `python -c pass`: the start-up no program can beat; "over floor" is what
mlaudit itself costs. Plain Python on purpose: no benchmark tool to install.

The child processes import this checkout's sources (linter/, rules/, reports/ are put on
PYTHONPATH) and keep their bytecode in a temporary PYTHONPYCACHEPREFIX, so the numbers
match an installed package (which ships compiled bytecode) even where
PYTHONDONTWRITEBYTECODE is set, and nothing is written into the tree.

To add a case, append a `Case` to the list built by `cases()`.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GENERATOR = REPO / "benchmarks" / "gen_terraform_tree.py"

SERVING_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""


@dataclass
class Case:
    name: str
    argv: list[str]  # after the interpreter
    cwd: Path
    description: str
    cold_cache: bool = False  # a fresh, empty parse cache for every run
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Timing:
    case: Case
    seconds: list[float]
    error: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")


def _git_repo(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(directory)], check=True, capture_output=True)
    return directory


# One file of each format, the way a pre-commit hook hands it over: (case, fixture file,
# its path inside a one-file repository). The secrets case holds a line that passes the
# secrets pre-filter, so it pays for importing detect-secrets; the others must not.
ONE_FILE_CASES = (
    ("one-terraform", "fixtures/projects/compose-ec2/terraform/main.tf", "main.tf"),
    ("one-compose", "fixtures/projects/compose-ec2/docker-compose.yml", "docker-compose.yml"),
    ("one-workflow", "fixtures/projects/ecs-fastapi-nginx/.github/workflows/deploy.yml",
     ".github/workflows/deploy.yml"),
    ("one-nginx", "fixtures/projects/compose-ec2/nginx/nginx.conf", "nginx.conf"),
    ("one-python", "fixtures/projects/ecs-fastapi-nginx/app/main.py", "main.py"),
    ("one-sam", "fixtures/projects/lambda-sam-model/template.yaml", "template.yaml"),
    ("one-task-definition", "fixtures/formats/ecs/api-task-def.json", "api-task-def.json"),
)
SECRET_CANDIDATE = 'DATABASE_PASSWORD = "vR8qLm2ZtX5nWc9K"  # a secrets pre-filter candidate\n'


def cases(work: Path, terraform_files: int) -> list[Case]:
    """The benchmark cases. Extension point: append more here."""
    mlaudit = ["-m", "mlaudit"]
    one = _git_repo(work / "one-dockerfile")
    (one / "Dockerfile").write_text(SERVING_DOCKERFILE, encoding="utf-8")
    found: list[Case] = [
        Case("floor", ["-c", "pass"], work, "python -c pass: interpreter start-up"),
        Case("version", [*mlaudit, "--version"], work, "mlaudit --version: CLI start-up"),
        Case("one-dockerfile", [*mlaudit, "scan", "Dockerfile"], one,
             "mlaudit scan Dockerfile (the pre-commit case), warm cache"),
        Case("one-dockerfile-cold", [*mlaudit, "scan", "Dockerfile"], one,
             "mlaudit scan Dockerfile, cold cache", cold_cache=True),
    ]
    for name, fixture, target in ONE_FILE_CASES:
        source = REPO / fixture
        if not source.is_file():
            continue
        repo = _git_repo(work / name)
        (repo / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, repo / target)
        found.append(Case(name, [*mlaudit, "scan", target], repo,
                          f"mlaudit scan {target} (one file), warm cache"))
    secret = _git_repo(work / "one-secret-candidate")
    (secret / "settings.py").write_text(SECRET_CANDIDATE, encoding="utf-8")
    found.append(Case("one-secret-candidate", [*mlaudit, "scan", "settings.py"], secret,
                      "mlaudit scan settings.py with a secret-like line (imports "
                      "detect-secrets), warm cache"))
    fixtures = REPO / "fixtures"
    if fixtures.is_dir():
        found += [
            Case("fixtures-cold", [*mlaudit, "scan", str(fixtures)], REPO,
                 "mlaudit scan fixtures, cold cache", cold_cache=True),
            Case("fixtures-warm", [*mlaudit, "scan", str(fixtures)], REPO,
                 "mlaudit scan fixtures, warm cache"),
        ]
    if GENERATOR.is_file() and terraform_files > 0:
        tree = _git_repo(work / "terraform-tree")
        subprocess.run([sys.executable, str(GENERATOR), str(tree), "--files",
                        str(terraform_files)], check=True, capture_output=True)
        count = sum(1 for _ in tree.rglob("*.tf"))
        found += [
            Case("terraform-tree-cold", [*mlaudit, "scan", "."], tree,
                 f"mlaudit scan of a generated tree ({count} .tf files), cold cache",
                 cold_cache=True),
            Case("terraform-tree-warm", [*mlaudit, "scan", "."], tree,
                 f"mlaudit scan of a generated tree ({count} .tf files), warm cache"),
        ]
    return found


def _child_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONDONTWRITEBYTECODE", "FORCE_COLOR", "MLAUDIT_DEBUG"}}
    sources = [str(REPO / d) for d in ("linter", "rules", "reports")]
    env["PYTHONPATH"] = os.pathsep.join([*sources, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    env["NO_COLOR"] = "1"
    return env


def run_case(case: Case, runs: int, warmup: int, base_env: dict[str, str], work: Path,
             clock: Callable[[], float] = time.perf_counter) -> Timing:
    cache = work / "cache" / case.name
    env = dict(base_env, MLAUDIT_CACHE_DIR=str(cache), **case.env)
    seconds: list[float] = []
    for index in range(warmup + runs):
        if case.cold_cache:
            shutil.rmtree(cache, ignore_errors=True)
        start = clock()
        done = subprocess.run([sys.executable, *case.argv], cwd=case.cwd, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, check=False)
        elapsed = clock() - start
        if done.returncode not in (0, 1):  # 1 = findings, expected on these inputs
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            return Timing(case, seconds, f"exit {done.returncode}: "
                          f"{message[-1] if message else 'no message'}")
        if index >= warmup:
            seconds.append(elapsed)
    return Timing(case, seconds)


def _report(timings: list[Timing], floor: float) -> str:
    lines = [f"{'case':<22} {'runs':>4} {'min':>8} {'median':>8} {'max':>8} {'over floor':>11}"]
    for t in timings:
        if t.error:
            lines.append(f"{t.case.name:<22} ERROR {t.error}")
            continue
        over = t.median - floor if t.case.name != "floor" else 0.0
        lines.append(f"{t.case.name:<22} {len(t.seconds):>4} {min(t.seconds):>8.3f} "
                     f"{t.median:>8.3f} {max(t.seconds):>8.3f} {over:>+11.3f}")
    lines.append("")
    lines += [f"  {t.case.name}: {t.case.description}" for t in timings]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per case (default 10)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only cases whose name contains NAME (repeatable)")
    parser.add_argument("--terraform-files", type=int, default=2000, metavar="N",
                        help="size of the generated Terraform tree (0: skip; default 2000)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")

    with tempfile.TemporaryDirectory(prefix="mlaudit-bench-") as tmp:
        work = Path(tmp)
        env = _child_env(work)
        chosen = [c for c in cases(work, args.terraform_files)
                  if c.name == "floor" or not args.only or any(o in c.name for o in args.only)]
        timings = []
        for case in chosen:
            if not args.json:
                print(f"running {case.name} ...", file=sys.stderr)
            timings.append(run_case(case, args.runs, args.warmup, env, work))
    floor = next(t.median for t in timings if t.case.name == "floor")
    if args.json:
        print(json.dumps({
            "python": sys.version.split()[0],
            "runs": args.runs,
            "warmup": args.warmup,
            "floor_median": floor,
            "cases": [{
                "name": t.case.name,
                "description": t.case.description,
                "min": min(t.seconds) if t.seconds else None,
                "median": t.median if t.seconds else None,
                "max": max(t.seconds) if t.seconds else None,
                "over_floor": (t.median - floor) if t.seconds else None,
                "seconds": t.seconds,
                "error": t.error,
            } for t in timings],
        }, indent=2))
    else:
        print(_report(timings, floor))
    return 1 if any(t.error for t in timings) else 0


if __name__ == "__main__":
    raise SystemExit(main())
