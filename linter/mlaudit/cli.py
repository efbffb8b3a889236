"""Command-line interface. The only module that wires engine, rule pack and reporters.

Exit codes: 0 no finding at or above the fail threshold; 1 findings at or above it;
2 usage, configuration or internal error. No traceback ever reaches the user.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from mlaudit import __version__
from mlaudit.errors import UsageError
from mlaudit.severity import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github", "markdown", "gitlab")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 already; keep it one line
        self.print_usage(sys.stderr)
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mlaudit", description="Audit ML service deployments.")
    parser.add_argument("--version", action="version", version=f"mlaudit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def scan_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                       help="files or directories to scan (default: .)")
        p.add_argument("--select", action="append", metavar="RULES",
                       help="only these rule ids, names, id prefixes or categories")
        p.add_argument("--ignore", action="append", metavar="RULES",
                       help="skip these rule ids, names, id prefixes or categories")
        p.add_argument("--config", type=Path, metavar="FILE",
                       help="config file (default: .mlaudit.toml or pyproject.toml)")
        p.add_argument("--root", type=Path, metavar="DIR",
                       help="repository root for relative paths (default: git top level)")
        p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
        p.add_argument("--cache-dir", type=Path, metavar="DIR",
                       help="parse cache location (default: ~/.cache/mlaudit)")
        p.add_argument("--jobs", type=int, default=0, metavar="N",
                       help="parser processes for large scans (default: one per core)")
        p.add_argument("--no-context", action="store_true",
                       help="with file arguments, read only those files (default: the whole "
                            "repository is read as cross-file context, and only the named "
                            "files are reported on)")
        p.add_argument("--quiet", "-q", action="store_true",
                       help="no progress, and no output when clean")

    scan = sub.add_parser("scan", help="scan files and directories")
    scan_options(scan)
    scan.add_argument("--format", "-f", choices=FORMATS, default="text")
    scan.add_argument("--output", "-o", type=Path, metavar="FILE",
                      help="write the report here (atomically) instead of stdout")
    scan.add_argument("--fail-on", metavar="SEVERITY",
                      help="exit 1 when a finding is at or above this severity "
                           "(critical, high, medium, low, info, none; default: low)")
    scan.add_argument("--baseline", type=Path, metavar="FILE",
                      help="report only findings not in this baseline")
    scan.add_argument("--no-color", action="store_true", help="never colour the output")
    scan.add_argument("--include-suppressed", action="store_true",
                      help="also report suppressed findings (SARIF: with suppressions[])")
    scan.add_argument("--sarif-category", metavar="NAME",
                      help="write runAutomationDetails.id as NAME/ (one category per upload)")
    scan.add_argument("--show-files", action="store_true",
                      help="list every file read with its kind, file role (and why) and "
                           "deployment units, then exit 0 without reporting findings")

    baseline = sub.add_parser("baseline", help="write a baseline of current findings")
    scan_options(baseline)
    for p in (scan, baseline):  # checkov in the same report: mlaudit.checkov
        p.add_argument("--with-checkov", action="store_true", default=None,
                       help="also run checkov (a separate program) and merge its failed "
                            "checks (config: with-checkov = true)")
        p.add_argument("--checkov-path", metavar="FILE",
                       help="the checkov executable (default: $MLAUDIT_CHECKOV, else "
                            "checkov on PATH)")
    baseline.add_argument("--output", "-o", type=Path, default=Path(".mlaudit-baseline.json"),
                          metavar="FILE", help="baseline file (default: .mlaudit-baseline.json)")

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--format", "-f", choices=("text", "json", "markdown"), default="text")

    explain = sub.add_parser("explain", help="show a rule's full documentation")
    explain.add_argument("rule", metavar="ID", help="rule id or name, e.g. MLA101")

    graph = sub.add_parser("graph", help="show the deployment model mlaudit understood")
    scan_options(graph)
    graph.add_argument("--format", "-f", choices=("text", "json", "mermaid", "dot"),
                       default="text")
    graph.add_argument("--output", "-o", type=Path, metavar="FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        print(f"mlaudit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("mlaudit: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # the last line of defence: never a traceback
        print(f"mlaudit: internal error: {type(exc).__name__}: {exc}\n"
              "Please report this at the mlaudit issue tracker (run with "
              "MLAUDIT_DEBUG=1 for details).", file=sys.stderr)
        if os.environ.get("MLAUDIT_DEBUG"):
            import traceback

            traceback.print_exc()
        return EXIT_ERROR


def _main(argv: list[str]) -> int:
    parser = build_parser()
    if not argv:
        parser.print_help()
        return EXIT_ERROR
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    from mlaudit import commands

    handler = getattr(commands, f"run_{args.command}")
    code: int = handler(args)
    return code


def write_output(text: str, output: Path | None, stream: TextIO | None = None) -> None:
    if output is None:
        (stream or sys.stdout).write(text)
        return
    from mlaudit.atomic import write_text_atomic

    try:
        write_text_atomic(output, text)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None


def parse_fail_on(value: str | None, default: Severity) -> Severity | None:
    """None means never fail on findings (`--fail-on none`)."""
    if value is None:
        return default
    if value.strip().lower() == "none":
        return None
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None
