"""The scan step of the GitHub Action (`action.yml`): `python -m mlaudit.ci_action`.

One scan, three reports from it: the SARIF file (for code scanning), annotations (workflow
commands on stdout) and the job summary (`$GITHUB_STEP_SUMMARY`), and the step outputs
`sarif-file`, `findings` (at or above the threshold) and `exit-code` (0 clean, 1 findings,
2 error) in `$GITHUB_OUTPUT`. The step itself succeeds whenever it could write them: the
action uploads the SARIF first and enforces the gate afterwards, so a red check still
shows its alerts.

Inputs arrive as environment variables (`MLAUDIT_INPUT_*`, set by the action's `env:`),
never by expression expansion inside the script, so no input can inject shell code.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlaudit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, build_parser, parse_fail_on
from mlaudit.errors import UsageError
from mlaudit.rule import Rule, RuleRef

if TYPE_CHECKING:
    from mlaudit.engine import ScanResult
    from mlaudit.severity import Severity


def _input(name: str, default: str = "") -> str:
    return os.environ.get(f"MLAUDIT_INPUT_{name.upper().replace('-', '_')}", default).strip()


def _flag(name: str, default: bool) -> bool:
    value = _input(name, "true" if default else "false").lower()
    if value not in ("true", "false"):
        raise UsageError(f"input '{name}' must be true or false, not {value!r}")
    return value == "true"


def scan_argv(sarif_file: str) -> list[str]:
    """The `mlaudit scan` command line the inputs ask for."""
    argv = ["scan", *(shlex.split(_input("path")) or ["."]),
            "--format", "sarif", "--output", sarif_file]
    for name in ("fail-on", "config", "baseline"):
        if _input(name):
            argv += [f"--{name}", _input(name)]
    if _input("category"):
        argv += ["--sarif-category", _input("category")]
    if _flag("with-checkov", False):
        argv.append("--with-checkov")
    return argv + shlex.split(_input("args"))


def _write_outputs(values: dict[str, str]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        for key, value in values.items():
            print(f"{key}={value}")
        return
    with open(target, "a", encoding="utf-8") as handle:
        for key, value in values.items():
            handle.write(f"{key}={value}\n")


def _write_counts(path: Path, result: ScanResult, fail_on: Severity | None, failing: int,
                  code: int) -> None:
    import json

    from mlaudit_reports.summary import summarise, threshold_name

    summary = summarise(result, fail_on)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "repository": os.environ.get("MLAUDIT_REPOSITORY", ""),
        "findings": summary.total,
        "by_severity": {s.value: n for s, n in summary.by_severity.items()},
        "suppressed": summary.suppressed, "baselined": summary.baselined,
        "failing": failing, "fail_on": threshold_name(fail_on),
        "exit_code": code, "files": summary.files, "diagnostics": summary.diagnostics,
    }, indent=2) + "\n", encoding="utf-8")


def run() -> int:
    """Scan once and write every report; returns mlaudit's exit code."""
    from mlaudit import baseline as baseline_mod
    from mlaudit import commands
    from mlaudit_reports import ReportContext, renderer
    from mlaudit_reports.github import annotation_lines, command, write_step_summary

    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or ".")
    sarif_file = _input("sarif-file", "mlaudit.sarif") or "mlaudit.sarif"
    sarif_path = Path(sarif_file) if Path(sarif_file).is_absolute() else workspace / sarif_file
    args = build_parser().parse_args(scan_argv(str(sarif_path)))
    if args.format != "sarif" or args.output != sarif_path:
        raise UsageError("input 'args' must not change --format or --output")
    known = baseline_mod.read(args.baseline) if args.baseline else None
    result, config, refs = commands._scan(args, known)
    fail_on = parse_fail_on(args.fail_on, config.fail_on)
    rules: list[Rule[Any]] = [ref.load() if isinstance(ref, RuleRef) else ref for ref in refs]
    ctx = ReportContext(fail_on=fail_on, include_suppressed=args.include_suppressed,
                        rules=rules, sarif_category=args.sarif_category)
    from mlaudit.cli import write_output

    write_output(renderer("sarif")(result, ctx), sarif_path)
    failing = result.failing(fail_on) if fail_on is not None else []
    if _flag("annotations", True):
        for line in annotation_lines(result, ctx):
            print(line)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if _flag("summary", True) and summary:
        problem = write_step_summary(result, ctx, Path(summary))
        if problem:
            print(command("warning", problem, title="mlaudit job summary"))
    code = EXIT_FINDINGS if failing and not args.exit_zero else EXIT_OK
    if result.errors:  # a policy or plugin failed: its findings are missing, the gate is red
        for diagnostic in result.errors:
            print(command("error", diagnostic.message, title="mlaudit"))
        code = EXIT_ERROR
    if _input("counts-file"):  # one row of an organisation's summary table
        _write_counts(Path(_input("counts-file")), result, fail_on, len(failing), code)
    _write_outputs({"sarif-file": str(sarif_path), "findings": str(len(failing)),
                    "exit-code": str(code)})
    return code


def main() -> int:
    """Always exit 0 once the outputs are written; the action's gate step fails the job."""
    try:
        code = run()
    except UsageError as exc:
        print(f"::error title=mlaudit::{exc}")
        print(f"mlaudit: error: {exc}", file=sys.stderr)
        code = EXIT_ERROR
    except Exception as exc:  # never a traceback in a CI log
        print(f"::error title=mlaudit::internal error: {type(exc).__name__}: {exc}")
        code = EXIT_ERROR
    if code == EXIT_ERROR:
        _write_outputs({"sarif-file": "", "findings": "0", "exit-code": str(EXIT_ERROR)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
