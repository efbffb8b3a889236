"""The sub-commands behind the CLI: scan, baseline, rules, explain, graph."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from mlaudit import config as config_mod
from mlaudit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, parse_fail_on, write_output
from mlaudit.discovery import find_root
from mlaudit.engine import ScanRequest, ScanResult, scan
from mlaudit.errors import UsageError
from mlaudit.registry import Registry
from mlaudit.rule import Rule, RuleRef

# Formats whose reports describe every enabled rule (SARIF rule metadata, help links):
# they import all selected rules; text and JSON import only the rules that run.
_DESCRIBES_RULES = {"sarif", "github", "markdown"}
_LIVE_TARGET = "mlaudit.models.live.LiveState"  # the subject of the MLA8xx rules


def _registry(args: argparse.Namespace | None = None) -> Registry[Rule[Any]]:
    """Every rule, imported: for `mlaudit rules` and `mlaudit explain`, with the policies
    (`--policy`, config `policies`) and rule plugins."""
    from mlaudit import extensions
    from mlaudit_rules import ALL_RULES

    root = find_root([Path(".")])
    try:
        configured = config_mod.load(root, None).policies
    except UsageError as exc:  # listing rules does not need a valid config
        print(f"mlaudit: note: {exc}; policies named there are not listed", file=sys.stderr)
        configured = []
    paths = extensions.policy_paths(getattr(args, "policy", None), configured, root)
    extra = extensions.load(paths, None, {n for r in ALL_RULES for n in (r.id, r.name)})
    for diagnostic in extra.diagnostics:
        print(f"mlaudit: error: {diagnostic.message}", file=sys.stderr)
    return Registry([*ALL_RULES, *extra.rules])


def _index_registry() -> Registry[RuleRef]:
    """Every rule from the generated index, none imported: what a scan selects from."""
    from mlaudit_rules import rule_refs

    return Registry(rule_refs())


class _Progress:
    """Files parsed / total on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 20:
            return
        sys.stderr.write(f"\rmlaudit: parsed {done}/{total} files")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _scan(args: argparse.Namespace, baseline: set[str] | None = None) -> tuple[
        ScanResult, config_mod.Config, list[RuleRef | Rule[Any]]]:
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{path}: no such file or directory")
    root = args.root.resolve() if args.root else find_root(paths)
    if args.root and not root.is_dir():
        raise UsageError(f"--root {args.root} is not a directory")
    config = config_mod.load(root, args.config)
    if args.select is not None and not _cli_list(args.select):
        # `--select ''` (an unset shell variable) must not quietly mean "every rule".
        raise UsageError("--select: no rule given (use ALL for every rule)")
    from mlaudit import extensions

    builtin = _index_registry()
    extra = extensions.load(
        extensions.policy_paths(args.policy, config.policies,
                                args.config.parent if args.config else root),
        args.policy_timeout, {n for r in builtin.rules for n in (r.id, r.name)})
    registry: Registry[RuleRef | Rule[Any]] = Registry([*builtin.rules, *extra.rules])
    select = _cli_list(args.select) or config.select
    ignore = config.ignore + _cli_list(args.ignore)
    external = _checkov(args, config, root, paths, select, ignore)
    select = [r for r in select if not _is_check_ref(r)]
    ignore = [r for r in ignore if not _is_check_ref(r)]
    config_mod.check_rules(config, registry, external=_is_check_ref)
    rules = registry.select(select, ignore)
    live = None
    if args.command == "live" or getattr(args, "live", False):
        from mlaudit.live.command import hook

        live = hook(args)
        if args.command == "live":  # live rules only: MLA8xx
            rules = [r for r in rules if r.target == _LIVE_TARGET]
    else:  # nothing for live rules to read: not enabled (nor listed in SARIF as checked)
        rules = [r for r in rules if r.target != _LIVE_TARGET]
    cache_dir = None
    if not args.no_cache and config.cache:
        from mlaudit.cache import default_cache_dir

        # Where cached data is read from is the user's choice (command line, environment),
        # never the scanned repository's: its config could point the cache at files a
        # pull request ships. A `cache-dir` in repository config is ignored, with a note.
        cache_dir = args.cache_dir or default_cache_dir()
        if config.cache_dir and not args.cache_dir and not args.quiet:
            print(f"mlaudit: note: {config.source}: 'cache-dir' is ignored: a repository "
                  "cannot choose where mlaudit reads cached data (use --cache-dir or "
                  "MLAUDIT_CACHE_DIR)", file=sys.stderr)
    progress = _Progress(sys.stderr.isatty() and not args.quiet)
    known = frozenset(name for ref in registry.rules for name in (ref.id, ref.name))
    request = ScanRequest(paths, root, config, rules, baseline or set(), cache_dir,
                          max(0, args.jobs), progress, context=not args.no_context,
                          known_rules=known, live=live, external=external,
                          incremental=args.command == "scan" and not getattr(
                              args, "show_files", False))
    try:
        result = scan(request)
        if result.reuse and os.environ.get("MLAUDIT_TRACE_REUSE"):
            print(f"mlaudit: {result.reuse}", file=sys.stderr)
    finally:
        progress.clear()
        if external is not None:
            external.close()
    result.diagnostics[:0] = extra.diagnostics  # policies/plugins that could not be used
    return result, config, rules


def _is_check_ref(ref: str) -> bool:
    """A checkov check id (`CKV_AWS_24`) in --select/--ignore/[severity]: checkov's."""
    return ref[:3].upper() == "CKV" and "_" in ref


def _checkov(args: argparse.Namespace, config: config_mod.Config, root: Path,
             paths: list[Path], select: list[str], ignore: list[str]) -> Any:
    """The checkov side-run when asked for (flag or config), else None."""
    wanted = getattr(args, "with_checkov", None)
    if not (wanted if wanted is not None else config.with_checkov):
        return None
    from mlaudit import checkov

    executable = checkov.find_executable(getattr(args, "checkov_path", None))
    return checkov.CheckovRun(
        executable, root, paths,
        select=[r.upper() for r in select if checkov.is_check_id(r)],
        ignore=[r.upper() for r in ignore if checkov.is_check_id(r)],
        severity={k.upper(): v for k, v in config.severity.items() if checkov.is_check_id(k)})


def _cli_list(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _use_color(args: argparse.Namespace) -> bool:
    """--color always|never decide; auto: a terminal, unless NO_COLOR (or pre-commit)."""
    if args.color == "always":
        return True
    if args.color == "never" or args.output is not None:
        return False
    if os.environ.get("NO_COLOR") or os.environ.get("PRE_COMMIT"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _to_terminal(args: argparse.Namespace) -> bool:
    return args.output is None and sys.stdout.isatty()


def _text_width(args: argparse.Namespace) -> int | None:
    """Wrap text output to the terminal; piped output stays one line per fact."""
    if not _to_terminal(args):
        return None
    import shutil

    return max(60, shutil.get_terminal_size().columns)


def run_scan(args: argparse.Namespace) -> int:
    from mlaudit import baseline as baseline_mod
    from mlaudit_reports import ReportContext, renderer

    known = baseline_mod.read(args.baseline) if args.baseline else None
    result, config, refs = _scan(args, known)
    if args.show_files:
        write_output(_files_table(result), args.output)
        return EXIT_OK
    fail_on = parse_fail_on(args.fail_on, config.fail_on)
    rules = [ref.load() if isinstance(ref, RuleRef) else ref for ref in refs] \
        if args.format in _DESCRIBES_RULES else result.rules
    ctx = ReportContext(
        fail_on=fail_on,
        color=_use_color(args),
        include_suppressed=args.include_suppressed,
        rules=rules,
        sarif_category=args.sarif_category,
        show_source=args.show_source if args.show_source is not None else _to_terminal(args),
        width=_text_width(args),
        statistics=args.statistics,
        base=Path.cwd(),
    )
    text = renderer(args.format)(result, ctx)
    failing = result.failing(fail_on) if fail_on is not None else []
    if not (args.quiet and args.format == "text" and not result.active and args.output is None):
        write_output(text, args.output)
    if result.errors:  # a policy or plugin failed: its results are missing
        return EXIT_ERROR
    return EXIT_FINDINGS if failing and not args.exit_zero else EXIT_OK


def _files_table(result: ScanResult) -> str:
    """`scan --show-files`: each file's kind, role (with the convention or config entry
    that decided it) and units, so a user sees why a rule did or did not report there."""
    deployment = result.deployment
    project = result.project
    if project is None:
        return ""
    rows = [("PATH", "KIND", "ROLE", "UNITS")]
    roles = getattr(deployment, "roles", None)
    for source in sorted(project.files, key=lambda f: f.path):
        model = project.models.get(source.path)
        kind = source.kind.value if model is not None or source.kind.value not in (
            "json", "yaml") else f"{source.kind.value} (no deployment file)"
        decision = roles.decide(source.path) if roles is not None else None
        role = f"{decision.role.value} ({decision.reason})" if decision else "deployment"
        units = ",".join(deployment.file_units.get(source.path, ())) if deployment else ""
        rows.append((source.path, kind, role, units or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join("  ".join(cell.ljust(widths[i]) if i < 3 else cell
                             for i, cell in enumerate(row)).rstrip() + "\n" for row in rows)


def run_live(args: argparse.Namespace) -> int:
    """`mlaudit live`: the scan's reporting, with only the live rules, over live facts."""
    args.show_files = False
    return run_scan(args)


def run_baseline(args: argparse.Namespace) -> int:
    from mlaudit import baseline as baseline_mod

    result, _, _ = _scan(args)
    if result.errors:  # a policy or plugin failed: a baseline without its findings is wrong
        for diagnostic in result.errors:
            print(f"mlaudit: error: {diagnostic.message}", file=sys.stderr)
        return EXIT_ERROR
    # A stale or mistyped suppression (MLA001) is fixed, never accepted: a baselined one
    # would stay forever, and suppressions would rot after all.
    accepted = [f for f in result.active if f.rule_id != "MLA001"]
    count = baseline_mod.write(args.output, accepted)
    if not args.quiet:
        print(f"mlaudit: wrote {count} finding fingerprint{'s' if count != 1 else ''} "
              f"to {args.output}")
    return EXIT_OK


def run_rules(args: argparse.Namespace) -> int:
    from mlaudit_reports import rule_docs

    registry = _registry(args)
    if args.format == "json":
        print(json.dumps([rule_docs.rule_summary(r) for r in registry.rules], indent=2))
    elif args.format == "markdown":
        sys.stdout.write(rule_docs.reference_markdown(registry.rules))
    else:
        sys.stdout.write(rule_docs.rules_table(registry.rules))
    return EXIT_OK


def run_explain(args: argparse.Namespace) -> int:
    from mlaudit_reports import rule_docs

    registry = _registry(args)
    ref = args.rule.strip()
    if registry.get(ref) is None and registry.names_rules(ref):
        # A category (secrets), an id prefix (MLA2) or ALL: list its rules.
        members = registry.select([ref], [])
        sys.stdout.write(f"{ref}: {len(members)} rule{'s' if len(members) != 1 else ''}\n\n")
        sys.stdout.write(rule_docs.rules_table(members) if members else "")
        sys.stdout.write("\nmlaudit explain ID shows one rule's documentation.\n")
        return EXIT_OK
    rule = registry.resolve(args.rule)
    sys.stdout.write(rule_docs.explain(rule))
    return EXIT_OK


def run_init(args: argparse.Namespace) -> int:
    from mlaudit.init_config import write_starter_config

    root = args.root.resolve() if args.root else find_root([Path(".")])
    path = write_starter_config(root, args.output, force=args.force)
    print(f"mlaudit: wrote {path}")
    return EXIT_OK


def run_completion(args: argparse.Namespace) -> int:
    from mlaudit.cli import build_parser
    from mlaudit.completion import completion_script

    sys.stdout.write(completion_script(build_parser(), args.shell))
    return EXIT_OK


def run_graph(args: argparse.Namespace) -> int:
    try:
        from mlaudit_reports import graph
    except ImportError:  # pragma: no cover - until the graph renderer lands
        raise UsageError("graph is not available in this build") from None
    result, _, _ = _scan(args)
    write_output(graph.render_graph(result, args.format), args.output)
    return EXIT_OK if result is not None else EXIT_ERROR


def run_policy(args: argparse.Namespace) -> int:
    from mlaudit.policy.testing import run_tests

    return run_tests([Path(p) for p in args.paths], args.timeout, args.verbose)


__all__ = ["Path", "run_baseline", "run_completion", "run_explain", "run_graph", "run_init",
           "run_live", "run_policy", "run_rules", "run_scan"]
