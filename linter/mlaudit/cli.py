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


EPILOG = """\
exit codes:
  0  no finding at or above the fail-on severity (or --exit-zero)
  1  findings at or above the fail-on severity
  2  usage, configuration or internal error

examples:
  mlaudit scan                          scan the repository in the current directory
  mlaudit scan --select secrets,MLA2    only the secrets rules and the MLA2xx rules
  mlaudit scan -f sarif -o mlaudit.sarif
  mlaudit scan --statistics             counts by rule
  mlaudit explain MLA201                what a rule flags and how to fix it
  mlaudit init                          write a commented .mlaudit.toml
  mlaudit completion bash > ~/.local/share/bash-completion/completions/mlaudit
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 already; keep it one line
        self.print_usage(sys.stderr)
        raise UsageError(message)


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mlaudit", description="Audit ML service deployments.",
                     epilog=EPILOG, formatter_class=_formatter)
    parser.add_argument("--version", action="version", version=f"mlaudit {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text[:1].upper()
                              + help_text[1:] + ".", epilog=EPILOG, formatter_class=_formatter)

    def scan_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                       help="files or directories to scan (default: .)")
        p.add_argument("--select", action="append", metavar="RULES",
                       help="only these rule ids, names, id prefixes or categories "
                            "(comma-separated, repeatable)")
        p.add_argument("--ignore", action="append", metavar="RULES",
                       help="skip these rule ids, names, id prefixes or categories")
        p.add_argument("--config", type=Path, metavar="FILE",
                       help="config file (default: .mlaudit.toml or pyproject.toml)")
        p.add_argument("--root", type=Path, metavar="DIR",
                       help="repository root for relative paths (default: git top level)")
        p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
        p.add_argument("--cache-dir", type=Path, metavar="DIR",
                       help="parse cache location (default: $MLAUDIT_CACHE_DIR, else "
                            "~/.cache/mlaudit)")
        p.add_argument("--jobs", type=int, default=0, metavar="N",
                       help="parser processes for large scans (default: one per core)")
        p.add_argument("--no-context", action="store_true",
                       help="with file arguments, read only those files (default: the whole "
                            "repository is read as cross-file context, and only the named "
                            "files are reported on)")
        p.add_argument("--quiet", "-q", action="store_true",
                       help="no progress, and no output when clean")
        policy_option(p)
        p.add_argument("--policy-timeout", type=float, metavar="SECONDS",
                       help="stop a policy that runs longer (default: 30, or "
                            "MLAUDIT_POLICY_TIMEOUT)")

    def policy_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--policy", action="append", metavar="PATH",
                       help="a Rego policy file or directory (repeatable; added to "
                            "`policies` in config)")

    scan = add("scan", "scan files and directories")
    scan_options(scan)
    report = scan.add_argument_group("report")
    report.add_argument("--format", "-f", choices=FORMATS, default="text", metavar="FORMAT",
                        help=f"report format: {', '.join(FORMATS)} (default: text)")
    report.add_argument("--output", "-o", type=Path, metavar="FILE",
                        help="write the report here (atomically) instead of stdout")
    report.add_argument("--fail-on", metavar="SEVERITY",
                        help="exit 1 when a finding is at or above this severity "
                             "(critical, high, medium, low, info, none; default: low)")
    report.add_argument("--exit-zero", action="store_true",
                        help="exit 0 even when findings are reported (errors still exit 2)")
    report.add_argument("--baseline", type=Path, metavar="FILE",
                        help="report only findings not in this baseline")
    report.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        metavar="WHEN", help="auto, always or never: "
                        "colour the text output (default: auto, on a terminal unless "
                             "NO_COLOR is set)")
    report.add_argument("--no-color", action="store_const", dest="color", const="never",
                        help="same as --color never")
    report.add_argument("--show-source", action=argparse.BooleanOptionalAction, default=None,
                        help="show the source line and a caret under each finding (default: "
                             "on a terminal, off when piped)")
    report.add_argument("--statistics", action="store_true",
                        help="print counts by rule instead of each finding (text format)")
    report.add_argument("--include-suppressed", action="store_true",
                        help="also report suppressed findings (SARIF: with suppressions[])")
    report.add_argument("--sarif-category", metavar="NAME",
                        help="write runAutomationDetails.id as NAME/ (one category per upload)")
    report.add_argument("--show-files", action="store_true",
                        help="list every file read with its kind, file role (and why) and "
                             "deployment units, then exit 0 without reporting findings")
    scan.add_argument("--live", action="store_true",
                      help="also run the live AWS checks and drift (see `mlaudit live`)")
    live_options(scan)

    live = add("live", "read-only live AWS checks and drift for every Terraform root "
                       "(needs mlaudit[live])")
    scan_options(live)
    for action in report._group_actions:  # the same report options as scan
        if action.dest != "show_files":
            live._add_action(action)
    live_options(live)

    baseline = add("baseline", "write a baseline of current findings")
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

    rules = add("rules", "list the rules")
    rules.add_argument("--format", "-f", choices=("text", "json", "markdown"), default="text",
                       metavar="FORMAT", help="text, json or markdown (default: text)")
    policy_option(rules)

    explain = add("explain", "show a rule's full documentation, or a category's rules")
    explain.add_argument("rule", metavar="ID",
                         help="rule id or name (MLA101, hardcoded-aws-key) or a category "
                              "(secrets)")
    policy_option(explain)

    policy = add("policy", "work with Rego policies (needs mlaudit[policy])")
    policy_sub = policy.add_subparsers(dest="policy_command", metavar="ACTION",
                                       parser_class=_Parser, required=True)
    policy_test = policy_sub.add_parser("test", help="run the policies' test_ rules")
    policy_test.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                             help=".rego files or directories (default: .)")
    policy_test.add_argument("--timeout", type=float, metavar="SECONDS",
                             help="stop a test that runs longer (default: 30)")
    policy_test.add_argument("--verbose", "-v", action="store_true",
                             help="list every test, not only failures")

    graph = add("graph", "show the deployment model mlaudit understood")
    scan_options(graph)
    graph.add_argument("--format", "-f", choices=("text", "json", "mermaid", "dot"),
                       default="text", metavar="FORMAT",
                       help="text, json, mermaid or dot (default: text)")
    graph.add_argument("--output", "-o", type=Path, metavar="FILE",
                       help="write the graph here instead of stdout")

    init = add("init", "write a commented starter config for this repository")
    init.add_argument("--output", "-o", type=Path, default=Path(".mlaudit.toml"),
                      metavar="FILE", help="config file to write (default: .mlaudit.toml)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.add_argument("--root", type=Path, metavar="DIR",
                      help="repository to look at (default: git top level)")

    completion = add("completion", "print a shell completion script")
    completion.add_argument("shell", choices=("bash", "zsh", "fish"),
                            help="the shell to complete for")
    return parser


def live_options(p: argparse.ArgumentParser) -> None:
    """Live mode: credentials come only from boto3's standard chain, never from here."""
    p.add_argument("--region", action="append", metavar="REGION",
                   help="AWS region to read (repeatable; default: AWS_DEFAULT_REGION or the "
                        "profile's)")
    p.add_argument("--profile", metavar="NAME", help="AWS shared-config profile")
    p.add_argument("--endpoint-url", metavar="URL",
                   help="another AWS-compatible endpoint (also AWS_ENDPOINT_URL)")
    p.add_argument("--role-arn", metavar="ARN", help="assume this read-only audit role (STS)")


def _suggest_command(argv: list[str], parser: argparse.ArgumentParser) -> None:
    """`mlaudit scna` -> did you mean 'scan'? (argparse only lists the choices)."""
    first = next((a for a in argv if not a.startswith("-")), None)
    if first is None or argv.index(first) != 0:
        return
    choices = next((a.choices for a in parser._actions
                    if isinstance(a, argparse._SubParsersAction)), None)
    if not choices or first in choices:
        return
    import difflib

    close = difflib.get_close_matches(first, list(choices), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    parser.print_usage(sys.stderr)
    raise UsageError(f"unknown command {first!r}{hint}; commands: {', '.join(choices)}")


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
    finally:
        if argv is None:  # the process ends now: the collector's last walk over every model
            import gc  # left would only add most of a second to a large scan

            gc.freeze()


def _main(argv: list[str]) -> int:
    if argv == ["--version"]:  # what argparse's version action does, without building
        sys.stdout.write(f"mlaudit {__version__}\n")  # the whole parser first
        raise SystemExit(0)
    parser = build_parser()
    if not argv:
        parser.print_help()
        return EXIT_ERROR
    _suggest_command(argv, parser)
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
    except ValueError:
        choices = ", ".join([*(s.value for s in Severity), "none"])
        raise UsageError(f"--fail-on: unknown severity {value!r} (choose from {choices})"
                         ) from None
