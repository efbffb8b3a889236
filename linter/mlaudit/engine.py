"""The scan pipeline: discover -> parse (cached, parallel when large) -> model -> rules ->
suppressions/baseline -> ScanResult.

The engine receives its rules as an argument and never imports the rule pack or the
reporters; `cli` wires them together.
"""

from __future__ import annotations

import fnmatch
import gc
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlaudit import limits
from mlaudit.cache import CachedError, ParseCache
from mlaudit.compat import ensure_for_kinds
from mlaudit.config import Config
from mlaudit.discovery import Discovery, discover
from mlaudit.finding import (
    Diagnostic,
    DiagnosticLevel,
    Finding,
    Origin,
    Suppression,
    SuppressionKind,
    fingerprint,
)
from mlaudit.parsers import ParseError, parser_for
from mlaudit.project import ParsedProject
from mlaudit.redact import SecretMask, mask_key_shapes, scrub
from mlaudit.roles import RoleResolver
from mlaudit.rule import Rule, RuleContext, RuleRef, qualified_name
from mlaudit.severity import Severity
from mlaudit.sources import FileKind, SourceFile
from mlaudit.span import Span
from mlaudit.suppress import InlineSuppression, parse_suppressions

# Below this many files to parse, a process pool costs more than it saves (pool start-up
# is ~0.1 s); a pre-commit run on a few files always stays serial.
PARALLEL_THRESHOLD = 48
# From this many (rule, subject) pairs the rule phase is shared with a forked process
# (`mlaudit.parallel.run_shared`), in chunks of this many subjects of one rule.
RULE_FORK_THRESHOLD = 2000
_RULE_CHUNK = 32
_CHECKOV_ID_RE = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$", re.I)  # as mlaudit.checkov.CHECK_ID_RE

# Diagnostic codes that end the run with exit 2 (see ScanResult.errors).
FATAL_CODES = frozenset({"policy-error", "plugin-error"})

Progress = Callable[[int, int], None]


@dataclass
class ScanRequest:
    paths: list[Path]
    root: Path
    config: Config
    rules: Sequence[Rule[Any] | RuleRef]  # references are imported only when they apply
    baseline: set[str] = field(default_factory=set)
    cache_dir: Path | None = None
    jobs: int = 0  # 0: one per core
    progress: Progress | None = None
    # With file arguments (the pre-commit case), read the whole repository as cross-file
    # context but report only on those files. False: read only the named files.
    context: bool = True
    # Ids and names of every rule that exists, selected or not: a suppression naming
    # anything else is reported as naming an unknown rule.
    known_rules: frozenset[str] = frozenset()
    # Live mode (`mlaudit live`, `scan --live`): given the deployment, returns extra rule
    # subjects (the `LiveState`) and diagnostics (permissions missing, unmanaged resources).
    live: Callable[[Any], tuple[list[Any], list[Diagnostic]]] | None = None
    # A second tool run beside the scan (`--with-checkov`: mlaudit.checkov.CheckovRun):
    # `start()` before parsing, `merge(...)` of its findings before suppressions apply.
    external: Any = None
    # Reuse the findings of deployment units whose files did not change since the last
    # scan of this repository (mlaudit.incremental); needs the cache.
    incremental: bool = False


@dataclass
class UnusedSuppressions:
    """The subject of the MLA0xx rule: suppressions that matched no finding."""

    items: list[tuple[InlineSuppression, str]]  # (suppression, the rule ref it names)
    unknown: list[tuple[InlineSuppression, str]]  # refs naming no rule at all
    # The known rule id or name closest to an unknown ref (a typo), when there is one.
    suggestions: dict[str, str] = field(default_factory=dict)


@dataclass
class ScanResult:
    root: Path
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    rules: list[Rule[Any]]
    files_scanned: int
    project: ParsedProject | None = None
    deployment: Any = None
    notes: list[str] = field(default_factory=list)  # summary lines of an external tool
    reuse: str = ""  # how an incremental scan reused the last one's findings (or why not)

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.suppression is None]

    @property
    def suppressed(self) -> list[Finding]:
        return [f for f in self.findings if f.suppression is not None]

    def failing(self, threshold: Severity) -> list[Finding]:
        return [f for f in self.active if f.severity.at_least(threshold)]

    @property
    def errors(self) -> list[Diagnostic]:
        """Diagnostics that make the run fail with exit 2 although the scan went on: a
        policy or rule plugin whose results are missing (the gate cannot be trusted)."""
        return [d for d in self.diagnostics if d.code in FATAL_CODES]


# A parser's failure: message, line, column, whether it is only a notice, diagnostic code.
_Failure = tuple[str, int, int, bool, str]


class _ParseTimeout(BaseException):
    """Raised in a parser that ran past its time (BaseException: no parser's
    `except Exception` swallows it)."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` of wall time, where a timer signal can: the main
    thread of a POSIX process (the scan's own, or a parser pool worker's)."""
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not \
            threading.main_thread():
        yield
        return

    active = [True]

    def expired(signum: int, frame: Any) -> None:
        if active[0]:
            raise _ParseTimeout

    previous = signal.signal(signal.SIGALRM, expired)
    # Repeating: an exception raised from a signal handler can land where Python swallows
    # it (a garbage-collector callback, a __del__); the next tick tries again.
    signal.setitimer(signal.ITIMER_REAL, seconds, max(0.5, seconds / 10))
    try:
        yield
    finally:
        active[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _parse_one(args: tuple[str, str, str]) -> tuple[str, Any, _Failure | None]:
    """Worker: parse one file. Returns (path, model, error). Runs in a pool process."""
    path, abspath, kind_value = args
    source = SourceFile(path, Path(abspath), FileKind(kind_value))
    found = parser_for(source.kind)
    if found is None:
        return path, None, None
    try:
        with _time_limit(limits.MAX_PARSE_SECONDS):
            return path, found[0](source), None
    except _ParseTimeout:
        return path, None, (f"parsing took over {limits.MAX_PARSE_SECONDS:g} s; the file is "
                            "skipped", 1, 1, True, "limit-exceeded")
    except ParseError as exc:
        return path, None, (exc.message, exc.line, exc.column, exc.notice, exc.code)
    except MemoryError:
        return path, None, ("the file needs more memory to parse than is available; skipped",
                            1, 1, True, "limit-exceeded")
    except RecursionError:
        return path, None, ("file is nested too deeply to parse", 1, 1, False, "parse-error")
    except Exception as exc:  # a parser bug must not end the scan: report and go on
        return path, None, (scrub(f"internal parser error ({type(exc).__name__}: {exc})"), 1,
                            1, False, "parse-error")


def parse_files(
    files: list[SourceFile], cache: ParseCache, jobs: int, progress: Progress | None
) -> tuple[dict[str, Any], list[Diagnostic]]:
    models: dict[str, Any] = {}
    diagnostics: list[Diagnostic] = []
    pending: list[tuple[SourceFile, str]] = []
    total = len(files)
    done = 0
    # Loading cached models allocates hundreds of thousands of objects and frees none:
    # collections in between would walk every model loaded so far, again and again.
    collecting = gc.isenabled()
    gc.disable()
    for source in files:
        found = parser_for(source.kind)
        if found is None:
            done += 1
            continue
        try:
            content = source.text.encode("utf-8")
        except OSError as exc:
            diagnostics.append(Diagnostic(f"cannot read file: {exc.strerror}", Span(source.path),
                                          DiagnosticLevel.ERROR, "unreadable"))
            continue
        key = cache.key(found[1], source.path, content)
        cached = cache.get(key, source.text, source.path)
        if cached is not None:
            if not isinstance(cached, CachedError):
                models[source.path] = cached
            else:
                diagnostics.append(_diagnostic(cached))
            done += 1
            continue
        pending.append((source, key))
    if collecting:
        gc.enable()
    if progress:
        progress(done, total)
    workers = jobs or (os.cpu_count() or 1)
    args = [(s.path, str(s.abspath), s.kind.value) for s, _ in pending]
    keys = {s.path: k for s, k in pending}
    texts = {s.path: s.text for s, _ in pending}  # already read: the cache's offsets point here
    if len(pending) >= PARALLEL_THRESHOLD and workers > 1:
        from mlaudit.parallel import parse_in_processes

        # Outcomes arrive in any order: each is cached at once (that order is free), and
        # recorded into models and diagnostics afterwards in file order, as one process would.
        outcomes: list[tuple[str, Any, _Failure | None] | None] = [None] * len(args)
        cache_only: dict[str, Any] = {}

        def arrived(index: int, outcome: tuple[str, Any, _Failure | None]) -> None:
            nonlocal done
            outcomes[index] = outcome
            _record(outcome, keys, cache_only, [], cache, texts)
            done += 1
            if progress:
                progress(done, total)

        parse_in_processes(args, workers, _parse_one, arrived)
        for outcome in outcomes:
            assert outcome is not None
            path, model, error = outcome
            if error is not None:
                diagnostics.append(_diagnostic(CachedError(path, *error)))
            elif model is not None:
                models[path] = model
        from mlaudit.parallel import hold

        hold()  # until the rule phase ends (`_RuleRun.all`)
    else:
        for arg in args:
            done += 1
            _record(_parse_one(arg), keys, models, diagnostics, cache, texts)
            if progress:
                progress(done, total)
    return models, diagnostics


def _analyse(request: ScanRequest, files: list[SourceFile], report_only: set[str] | None,
             cache_root: Path | None) -> None:
    """Per-file analyses of the rules on `SourceFile` (they run on every file, so importing
    them now costs nothing extra), for the files those rules report on."""
    if not files:
        return
    target = qualified_name(SourceFile)
    rules = [r.load() if isinstance(r, RuleRef) else r for r in request.rules
             if (r.target == target if isinstance(r, RuleRef) else r.target is SourceFile)]
    if not any(r.analyses for r in rules):
        return
    from mlaudit.analysis import analyse_files

    reported = [f for f in files if report_only is None or f.path in report_only]
    analyse_files(rules, reported, cache_root, request.jobs, request.config.rule_options)


def _diagnostic(error: CachedError) -> Diagnostic:
    level = DiagnosticLevel.NOTE if error.notice else DiagnosticLevel.ERROR
    return Diagnostic(error.message, Span(error.path, error.line, error.column), level,
                      error.code)


def _record(
    outcome: tuple[str, Any, _Failure | None],
    keys: dict[str, str],
    models: dict[str, Any],
    diagnostics: list[Diagnostic],
    cache: ParseCache,
    texts: dict[str, str],
) -> None:
    path, model, error = outcome
    if error is not None:
        cached = CachedError(path, *error)
        diagnostics.append(_diagnostic(cached))
        cache.put(keys[path], cached, texts[path], path)
    elif model is not None:
        models[path] = model
        cache.put(keys[path], model, texts[path], path)


def scan(request: ScanRequest) -> ScanResult:
    quick = _precommit_from_record(request)
    if quick is not None:
        return quick
    found, report_only = _discover(request)
    store = _incremental_store(request, report_only)
    if store is None:
        result = _scan(request, found, report_only)
        assert result is not None  # None only when an incremental plan fails
        return result
    from mlaudit import incremental

    record = store.load()
    artifacts = {a.path: a.size for a in found.artifacts}
    plan = incremental.plan(record, found.files, artifacts, report_only, request.root)
    if plan.scope is not None and record is not None:
        result = _scan(request, found, report_only, (store, record, plan))
        if result is not None:
            result.reuse = (f"incremental: {len(plan.dirty)} component(s) rebuilt, "
                            f"{len(plan.reused)} reused")
            return result
        plan.reason = "a rebuilt component is connected differently"
    whole = _scan(request, found, report_only, (store, None, None))
    assert whole is not None
    whole.reuse = f"whole scan ({plan.reason})"
    return whole


def _precommit_from_record(request: ScanRequest) -> ScanResult | None:
    """A pre-commit run (file arguments) with a record of the repository: the named
    files' components are read as the record lists them, without walking the repository
    (a run must not grow with it). None: the usual way (no record, a named file the
    record does not know, a changed component connected differently)."""
    config = request.config
    if not request.incremental or not request.context or any(
            p.is_dir() for p in request.paths):
        return None
    named = discover(request.paths, request.root, config.exclude, config.max_file_size,
                     config.respect_gitignore)
    report_only = set(named.explicit)
    store = _incremental_store(request, report_only) if report_only else None
    record = store.load() if store is not None else None
    if record is None or not report_only <= set(record.kinds):
        return None
    from mlaudit import incremental
    from mlaudit.sources import Artifact

    owner = record.component_of()
    wanted = {owner[p] for p in report_only if p in owner}
    own = {s.path: s for s in named.files}
    paths = sorted({p for c in wanted for p in record.components[c].files} | report_only)
    files = [own.get(p) or SourceFile(p, request.root / p, FileKind(record.kinds[p]))
             for p in paths]
    found = Discovery(request.root, files,
                      [Artifact(p, size) for p, size in record.artifacts.items()],
                      named.diagnostics, named.explicit)
    plan = incremental.plan(record, files, record.artifacts, report_only, request.root,
                            complete=False)
    if plan.scope is None:
        return None
    result = _scan(request, found, report_only, (store, record, plan))
    if result is not None:
        result.reuse = (f"incremental: {len(plan.dirty)} component(s) rebuilt, "
                        f"{len(plan.reused)} reused (repository not walked)")
    return result


def _incremental_store(request: ScanRequest, report_only: set[str] | None) -> Any:
    """The record of earlier scans this one may reuse, or None: no cache, a partial view
    (`--no-context`), live state, an external tool or rules that are not mlaudit's own
    (a policy or plugin may read anything) make every scan a whole one."""
    if not request.incremental or request.cache_dir is None or not request.config.cache:
        return None
    if report_only is not None and not request.context:
        return None
    if request.live is not None or request.external is not None:
        return None
    if any(getattr(r, "origin", "mlaudit") != "mlaudit" for r in request.rules):
        return None
    from mlaudit.cache import code_fingerprint
    from mlaudit.incremental import Store

    roles = _role_resolver(request, report_only)
    identity = [str(request.root.resolve()), repr(request.config), code_fingerprint(),
                _rules_fingerprint(), repr(roles.scanned),
                ",".join(sorted(f"{r.id}:{r.name}" for r in request.rules)),
                ",".join(sorted(request.known_rules))]
    return Store(request.cache_dir, identity)


def _rules_fingerprint() -> str:
    """The rule pack's modules (size and mtime): changed rules never reuse findings."""
    import importlib.util

    from mlaudit.cache import code_fingerprint

    spec = importlib.util.find_spec("mlaudit_rules")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return ",".join(code_fingerprint(Path(location)) for location in locations)


# The incremental state of a scan: the record's store, the record (None: a whole scan that
# records) and the plan (which components to rebuild).
_Incremental = tuple[Any, Any, Any]


def _scan(request: ScanRequest, found: Discovery, report_only: set[str] | None,
          state: _Incremental | None = None) -> ScanResult | None:
    config = request.config
    store, record, plan = state if state is not None else (None, None, None)
    files = found.files if plan is None else plan.scope
    # Recorded per component, so checked on all of a rebuilt component's files; only the
    # named files are reported on.
    checked = report_only if store is None else None
    external = request.external
    if external is not None:
        external.start()  # runs while mlaudit parses
    ensure_for_kinds(s.kind for s in files)  # a shadowing fork is exit 2, up front
    cache = ParseCache(request.cache_dir if config.cache else None)
    models, parse_diagnostics = parse_files(files, cache, request.jobs, request.progress)
    _analyse(request, files, checked, cache.root)
    project = ParsedProject(request.root, files, models, found.artifacts)
    diagnostics = found.diagnostics + parse_diagnostics
    own_from = len(found.diagnostics)  # diagnostics of this scan's files start here

    limit_sink = limits.start()  # bounds hit while modelling or checking: notes per file

    roles = _role_resolver(request, report_only)
    deployment: Any = None
    if files or plan is None:
        from mlaudit.models.deployment import build_deployment

        deployment = build_deployment(project, roles)
        if record is not None:  # part of the repository: its repository-wide facts
            deployment.recorded_facts = {k: v for k, (v, _) in record.facts.items()}
    lines_by_path = {s.path: s for s in found.files}
    extra: list[Any] = []
    if request.live is not None:
        extra, notes = request.live(deployment)
        diagnostics = diagnostics + notes

    def line_lookup(path: str) -> list[str]:
        source = lines_by_path.get(path)
        if source is None:
            return []
        try:
            return source.lines
        except OSError:
            return []

    run = _RuleRun(request, deployment, line_lookup, checked, roles, extra)
    # Nothing changed since the record (an incremental plan with no component to rebuild):
    # every finding is reused, no rule runs.
    found_now = run.all(models, files, diagnostics) if files or plan is None else []
    raw = _merge_identical(_by_role(found_now, run.ran, roles))
    diagnostics.extend(d for d in limits.stop(limit_sink) if d not in diagnostics)
    if external is not None:
        raw = external.merge(raw, files, checked, deployment, roles, diagnostics)
        run.ran.extend(external.rules)
    if store is not None:
        outcome = _record_scan(store, record, plan, found, files, deployment, project, raw,
                               diagnostics[own_from:], run, report_only)
        if outcome is None:
            return None  # the rebuilt part is connected differently: scan everything
        raw, reused_diagnostics = outcome
        diagnostics.extend(reused_diagnostics)
    inline_files = found.files if report_only is None else files
    inline = _all_inline_suppressions(inline_files)
    findings, inline = _apply_suppressions(raw, config, request.baseline, found.files, inline)
    if run.suppression_rule is not None:
        ran = {r.id for r in request.rules} | {r.name for r in request.rules}
        # A checkov id in a suppression is known; it can be unused only when checkov ran.
        checks = {ref.lower() for items in inline.values() for item in items
                  for ref in item.rule_refs if _CHECKOV_ID_RE.match(ref)}
        known = set(request.known_rules) | ran | checks
        subject = _unused(inline, ran | (checks if external is not None else set()), known)
        ctx = _context(run.suppression_rule, config, deployment, line_lookup, roles,
                       run.seen_secrets)
        extra = _by_role(list(run.suppression_rule.run(subject, ctx)),
                         [run.suppression_rule], roles)
        more, _ = _apply_suppressions(extra, config, request.baseline, found.files, inline)
        findings.extend(more)

    if report_only is not None:
        # Files named explicitly (the pre-commit case): report only on those files.
        findings = [f for f in findings if f.location.path in report_only]
        diagnostics = [d for d in diagnostics if d.span is None or d.span.path in report_only]
    mask = SecretMask(run.seen_secrets)
    findings = [_with_excerpt(f, line_lookup, mask) for f in findings]
    findings.sort(key=lambda f: f.sort_key())
    scanned = len(report_only) if report_only is not None else len(found.files)
    return ScanResult(request.root, findings, diagnostics, run.ran, scanned, project,
                      deployment, list(getattr(external, "notes", [])))


def _record_scan(store: Any, record: Any, plan: Any, found: Discovery, files: list[SourceFile],
                 deployment: Any, project: ParsedProject, raw: list[Finding],
                 diagnostics: list[Diagnostic], run: _RuleRun, named: set[str] | None
                 ) -> tuple[list[Finding], list[Diagnostic]] | None:
    """Record this scan's findings per component; on an incremental run, add the reused
    components' findings (None: the rebuilt part no longer matches the record)."""
    import json

    from mlaudit import incremental

    texts: dict[str, str] = {}
    for source in files:
        try:
            texts[source.path] = source.text
        except OSError:
            continue
    groups = incremental.components(deployment, [s.path for s in files])
    # Compared with the record as it reads back from JSON (tuples become lists).
    signatures = json.loads(json.dumps(incremental.signatures(deployment)))
    parts = incremental.split(raw, diagnostics, groups, signatures,
                              getattr(deployment, "file_units", {}))
    loose = parts.pop("")
    for component in parts.values():
        incremental.secret_positions(component, run.seen_secrets, texts)
    ran = [r.id for r in run.ran]
    if record is None:  # a whole scan: record it all
        hashes = {p: incremental.content_hash(t.encode("utf-8", "surrogatepass"))
                  for p, t in texts.items()}
        if loose.findings or loose.diagnostics:
            parts[""] = loose
        reads = incremental.read_record(project.root, project.reads,
                                        {s.path: s for s in found.files})
        facts = {k: [v, list(kinds)] for k, (v, kinds) in getattr(
            deployment, "facts", {}).items()}
        kinds = {s.path: s.kind.value for s in found.files}
        store.save(incremental.Record(hashes, {a.path: a.size for a in found.artifacts},
                                      parts, reads, ran, facts, kinds))
        return raw, []
    if set(getattr(deployment, "facts", {})) - set(record.facts) or \
            loose.findings or not incremental.same_structure(record, plan.dirty, {
                u: s for c in parts.values() for u, s in c.units.items()}, groups):
        return None
    for cid in plan.dirty:
        del record.components[cid]
    record.components.update(parts)
    record.hashes.update(plan.hashes)
    new_reads = incremental.read_record(
        project.root, project.reads - set(record.reads), {s.path: s for s in found.files})
    record.reads.update(new_reads)
    record.ran = sorted(set(record.ran) | set(ran))
    if plan.dirty or new_reads:  # nothing rebuilt: the record is as it was
        store.save(record)
    paths = {path for c in plan.reused for path, _, _ in c.secrets}
    reused_texts: dict[str, str] = {}
    for source in found.files:
        if source.path in paths:
            try:
                reused_texts[source.path] = source.text
            except OSError:
                continue
    run.seen_secrets.update(incremental.recorded_secrets(plan.reused, reused_texts))
    reused = [f for c in plan.reused for f in c.findings]
    if run.report_only is None and named is None:
        _add_recorded_rules(run, record.ran)
    else:  # a pre-commit run: only the rules of what it reports (imports cost time)
        _add_recorded_rules(run, [f.rule_id for f in reused
                                  if f.location.path in (named or set())])
    return raw + reused, [d for c in plan.reused for d in c.diagnostics]


def _add_recorded_rules(run: _RuleRun, recorded: Iterable[str]) -> None:
    """The rules that ran on the reused components ran in this scan too (SARIF lists them,
    an unused suppression of them is reported)."""
    have = {r.id for r in run.ran}
    wanted = set(recorded)
    for entry in run.request.rules:
        if entry.id in wanted and entry.id not in have:
            rule = entry.load() if isinstance(entry, RuleRef) else entry
            if rule.target is not UnusedSuppressions:
                run.ran.append(rule)
            elif run.suppression_rule is None:
                run.ran.append(rule)
                run.suppression_rule = rule


def _with_excerpt(finding: Finding, line_lookup: Callable[[str], list[str]],
                  mask: Callable[[str], str]) -> Finding:
    """The finding with its primary source line, masked: a line may hold a secret that
    another rule (or no rule at all) reported, so every secret of the scan is masked, and
    key-shaped values besides."""
    span = finding.location.span
    if span is None:
        return finding
    lines = line_lookup(span.path)
    if not 0 < span.line <= len(lines):
        return finding
    line = lines[span.line - 1]
    if len(line) > 1000:  # a minified file: no excerpt is better than a screenful
        return finding
    return replace(finding, excerpt=mask_key_shapes(mask(line)))


def _role_resolver(request: ScanRequest, report_only: set[str] | None) -> RoleResolver:
    """Roles read the part of a path below the directory the user named: scanning
    `tests/e2e/stack` audits it as a deployment. File arguments (pre-commit) read the whole
    repository, so their roles come from the root."""
    scanned: list[str] = []
    if report_only is None:
        root = request.root.resolve()
        for path in request.paths:
            if not path.is_dir():
                continue
            try:
                relative = path.resolve().relative_to(root).as_posix()
            except ValueError:
                continue
            scanned.append("" if relative == "." else relative)
    return RoleResolver(tuple(scanned) or ("",), dict(request.config.roles))


def _merge_identical(found: list[Finding]) -> list[Finding]:
    """One fact, one finding: a rule that meets the same fact through two subjects (a
    compose service in two projects that read the same file) reports it once, with the
    related locations of both."""
    merged: dict[tuple[Any, ...], Finding] = {}
    for finding in found:
        span = finding.location.span
        where = (span.path, span.line, span.column) if span is not None else (
            finding.location.resource,)
        marker = (finding.rule_id, where, finding.message)
        first = merged.get(marker)
        if first is None:
            merged[marker] = finding
        elif finding.related != first.related:
            extra = tuple(r for r in finding.related if r not in first.related)
            merged[marker] = replace(first, related=first.related + extra)
    return list(merged.values())


def _by_role(found: list[Finding], rules: Sequence[Rule[Any]],
             roles: RoleResolver) -> list[Finding]:
    """Drop findings in files of roles their rule does not report on (a test fixture's
    password, an example's local state); apply a rule's per-role severity."""
    by_id = {rule.id: rule for rule in rules}
    out: list[Finding] = []
    for finding in found:
        rule = by_id.get(finding.rule_id)
        path = finding.location.path
        if rule is None or not path:
            out.append(finding)
            continue
        role = roles.role(path)
        if role not in rule.roles:
            continue
        severity = rule.role_severity.get(role)
        out.append(replace(finding, severity=severity) if severity is not None else finding)
    return out


def _discover(request: ScanRequest) -> tuple[Discovery, set[str] | None]:
    """The files to read, and the ones to report on (None: all of them).

    With file arguments only (the pre-commit case) the whole repository is read as
    cross-file context, unless `context` is off, and only the named files are reported on.
    """
    config = request.config
    found = discover(request.paths, request.root, config.exclude, config.max_file_size,
                     config.respect_gitignore)
    if not found.explicit or any(p.is_dir() for p in request.paths):
        return found, None
    report_only = set(found.explicit)
    if not request.context:
        return found, report_only
    whole = discover([request.root], request.root, config.exclude, config.max_file_size,
                     config.respect_gitignore)
    known = {f.path for f in whole.files}
    whole.files.extend(f for f in found.files if f.path not in known)  # even if ignored
    whole.explicit = found.explicit
    whole.diagnostics = found.diagnostics + [  # the named files' own, once
        d for d in whole.diagnostics if d.span is not None and d.span.path in report_only
        and d not in found.diagnostics]
    return whole, report_only


class _RuleRun:
    """Runs the selected rules that apply to what was parsed, importing only those."""

    def __init__(self, request: ScanRequest, deployment: Any,
                 line_lookup: Callable[[str], list[str]], report_only: set[str] | None,
                 roles: RoleResolver, extra: list[Any] | None = None) -> None:
        self.request = request
        self.extra = extra or []
        self.roles = roles
        self.deployment = deployment
        self.line_lookup = line_lookup
        self.report_only = report_only
        self.ran: list[Rule[Any]] = []
        self.suppression_rule: Rule[Any] | None = None
        self.seen_secrets: set[str] = set()

    def all(self, models: dict[str, Any], files: list[SourceFile],
            diagnostics: list[Diagnostic]) -> list[Finding]:
        try:
            return self._all(models, files, diagnostics)
        finally:
            parallel = sys.modules.get("mlaudit.parallel")
            if parallel is not None:  # imported: a large scan may have frozen its heap
                parallel.release()

    def _all(self, models: dict[str, Any], files: list[SourceFile],
             diagnostics: list[Diagnostic]) -> list[Finding]:
        from mlaudit.models.deployment import Deployment

        # Derived subjects: models built from several files (an evaluated Terraform module).
        pool = [*models.values(), *self.deployment.subjects(), *self.extra]
        present = {qualified_name(type(m)) for m in pool} | {
            qualified_name(Deployment), qualified_name(UnusedSuppressions)}
        if files:
            present.add(qualified_name(SourceFile))
        file_paths = {f.path for f in files}
        reported = [f for f in files if self.report_only is None or f.path in self.report_only]
        work: list[tuple[Rule[Any], list[Any]]] = []
        for entry in self.request.rules:
            ref = entry if isinstance(entry, RuleRef) else RuleRef.of(entry)
            if not ref.applies(present):
                continue  # nothing in this repository for it: not even imported
            rule = entry.load() if isinstance(entry, RuleRef) else entry
            self.ran.append(rule)
            if rule.target is UnusedSuppressions:
                self.suppression_rule = rule  # runs last, over the suppressions left unused
                continue
            if rule.target is SourceFile:
                subjects: list[Any] = reported
            elif rule.target is Deployment:
                subjects = [self.deployment]
            else:
                subjects = [m for m in pool if isinstance(m, rule.target)
                            and self._reports(m, file_paths)]
            work.append((rule, subjects))
        if sum(len(subjects) for _, subjects in work) >= RULE_FORK_THRESHOLD and \
                self.request.live is None and self.request.jobs != 1:
            from mlaudit import parallel

            if parallel.fork_usable():
                return self._shared(work, diagnostics)
        raw: list[Finding] = []
        for rule, subjects in work:
            raw.extend(self._run(rule, subjects, diagnostics))
        return raw

    def _shared(self, work: list[tuple[Rule[Any], list[Any]]],
                diagnostics: list[Diagnostic]) -> list[Finding]:
        """The rule phase shared with a forked process (`mlaudit.parallel.run_shared`), in
        chunks of subjects; merged back in the serial order, so the result is the same."""
        from mlaudit.parallel import run_shared

        items: list[tuple[int, int, int]] = []  # (rule, first subject, end)
        for number, (_, subjects) in enumerate(work):
            items.extend((number, start, min(start + _RULE_CHUNK, len(subjects)))
                         for start in range(0, len(subjects), _RULE_CHUNK))

        def run(index: int) -> _ChunkResult:
            number, start, end = items[index]
            rule, subjects = work[number]
            secrets = _SecretLog()
            notices = limits.start()
            try:
                found, owners, problems = self._check(rule, subjects[start:end], secrets)
            finally:
                notes = limits.stop(notices)
            return found, [start + i for i in owners], problems, secrets.log, notes

        results = run_shared(len(items), run)
        raw: list[Finding] = []
        found: list[Finding] = []
        owners: list[Any] = []
        for index, (number, _, _) in enumerate(items):
            chunk_found, chunk_owners, problems, secrets, notes = results[index]
            subjects = work[number][1]
            found.extend(chunk_found)
            owners.extend(subjects[i] for i in chunk_owners)
            diagnostics.extend(problems)
            self.seen_secrets.update(secrets)
            for note in notes:  # as `limits.notice` recorded them, in the same order
                assert note.span is not None
                limits.notice(note.span.path, note.span.line, note.message, note.code)
            if index + 1 == len(items) or items[index + 1][0] != number:  # the rule's last
                raw.extend(merge_module_duplicates(found, owners, self.deployment))
                found, owners = [], []
        return raw

    def _reports(self, model: Any, file_paths: set[str]) -> bool:
        """A per-file model runs only when its file is reported on; a derived model (an
        evaluated module spans several files) always runs."""
        path = getattr(model, "path", None)
        return self.report_only is None or path not in file_paths or path in self.report_only

    def _run(self, rule: Rule[Any], subjects: list[Any],
             diagnostics: list[Diagnostic]) -> list[Finding]:
        found, owners, problems = self._check(rule, subjects, self.seen_secrets)
        diagnostics.extend(problems)
        return merge_module_duplicates(found, [subjects[i] for i in owners], self.deployment)

    def _check(self, rule: Rule[Any], subjects: list[Any], seen_secrets: set[str]
               ) -> tuple[list[Finding], list[int], list[Diagnostic]]:
        """The rule's findings on `subjects`, the index of the subject that produced each,
        and the diagnostics of its failures."""
        ctx = _context(rule, self.request.config, self.deployment, self.line_lookup,
                       self.roles, seen_secrets)
        found: list[Finding] = []
        owners: list[int] = []
        diagnostics: list[Diagnostic] = []
        for number, subject in enumerate(subjects):
            try:
                produced = list(rule.run(subject, ctx))
                if any(subject is live for live in self.extra):
                    produced = [replace(f, origin=Origin.LIVE) for f in produced]
                found.extend(produced)
                owners.extend([number] * len(produced))
            except Exception as exc:  # a rule bug must not end the scan
                if hasattr(exc, "diagnostic"):  # a rule that reports its own failure
                    if isinstance(exc.diagnostic, Diagnostic):  # (None: reported already)
                        diagnostics.append(exc.diagnostic)
                    continue
                where = getattr(subject, "path", None)
                plugin = rule.origin.startswith("plugin ")
                origin = f" ({rule.origin})" if plugin else ""
                diagnostics.append(Diagnostic(
                    f"rule {rule.id}{origin} failed ({type(exc).__name__}: {exc}); its results "
                    "for this input are missing", Span(where) if isinstance(where, str) else None,
                    DiagnosticLevel.ERROR, "plugin-error" if plugin else "rule-error"))
        return found, owners, diagnostics


# What one chunk of the shared rule phase sends back: findings, the index of each one's
# subject, diagnostics, the secrets passed to findings (in order), limit notices.
_ChunkResult = tuple[list[Finding], list[int], list[Diagnostic], list[str], list[Diagnostic]]


class _SecretLog(set[str]):
    """The secrets a chunk's findings saw, in the order they were added: replayed into the
    scan's set in the serial order, so its iteration order (the masking order) is the same."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    def update(self, *others: Iterable[str]) -> None:
        for other in others:
            items = list(other)
            self.log.extend(items)
            super().update(items)


def merge_module_duplicates(findings: list[Finding], owners: list[Any],
                            deployment: Any) -> list[Finding]:
    """One finding per module line, not one per module instance: a rule run on every
    instance of a Terraform module (`owners[i]` produced `findings[i]`) finds the module's
    line once per caller. Delegated to the Terraform layer, imported only when a module
    instance produced something."""
    if not any(type(owner).__name__ == "TerraformModule" for owner in owners):
        return findings
    from mlaudit.terraform.instances import merge_instance_findings

    models = getattr(getattr(deployment, "project", None), "models", {})
    return merge_instance_findings(list(zip(owners, findings, strict=True)),
                                   getattr(deployment, "terraform", None), models)


def _context(rule: Rule[Any], config: Config, deployment: Any,
             line_lookup: Callable[[str], list[str]], roles: RoleResolver,
             seen_secrets: set[str] | None = None) -> RuleContext:
    severity = config.severity.get(rule.id) or config.severity.get(rule.name) or rule.severity
    options = dict(rule.options)
    for ref in (rule.id, rule.name):
        options.update(config.rule_options.get(ref, {}))
    options.setdefault("app_ports", config.app_ports)
    return RuleContext(rule, severity, options, deployment, line_lookup, roles, seen_secrets)


def _apply_suppressions(
    raw: list[Finding],
    config: Config,
    baseline: set[str],
    files: list[SourceFile],
    inline_by_path: dict[str, list[InlineSuppression]] | None = None,
) -> tuple[list[Finding], dict[str, list[InlineSuppression]]]:
    inline_by_path = inline_by_path if inline_by_path is not None else {}
    texts = {s.path: s for s in files}
    occurrences: dict[tuple[str, str, str], int] = {}
    out: list[Finding] = []
    for finding in sorted(raw, key=lambda f: f.sort_key()):
        path = finding.location.path or ""
        marker = (finding.rule_id, path, finding.key)
        occurrences[marker] = occurrences.get(marker, 0) + 1
        fp = fingerprint(finding.rule_id, path or (finding.location.resource or ""),
                         finding.key, occurrences[marker])
        finding = replace(finding, fingerprint=fp)
        suppression = None
        if path and path not in inline_by_path and path in texts:
            try:
                inline_by_path[path] = parse_suppressions(path, texts[path].lines)
            except OSError:
                inline_by_path[path] = []
        for item in inline_by_path.get(path, []):
            refs = {finding.rule_id, finding.rule_name}
            hits = [r for r in item.rule_refs if r.upper() in refs or r.lower() in refs]
            if hits and (item.file_wide or item.target_line == finding.location.line):
                item.used.update(hits)
                suppression = Suppression(SuppressionKind.INLINE, item.reason, item.span)
                break
        if suppression is None:
            for pattern, ignored in config.per_path_ignores.items():
                if path and fnmatch.fnmatch(path, pattern) and (
                    finding.rule_id in ignored or finding.rule_name in ignored
                ):
                    suppression = Suppression(SuppressionKind.CONFIG, f"per-path-ignores {pattern}")
                    break
        if suppression is None and fp in baseline:
            suppression = Suppression(SuppressionKind.BASELINE, "in baseline")
        out.append(finding.with_suppression(suppression) if suppression else finding)
    return out, inline_by_path


def _all_inline_suppressions(files: list[SourceFile]) -> dict[str, list[InlineSuppression]]:
    out: dict[str, list[InlineSuppression]] = {}
    for source in files:
        try:
            text = source.text
        except OSError:
            continue
        if "mlaudit:" in text:
            out[source.path] = parse_suppressions(source.path, text.splitlines())
        else:
            out[source.path] = []
    return out


def _unused(
    inline: dict[str, list[InlineSuppression]], ran: set[str], known: set[str]
) -> UnusedSuppressions:
    unused: list[tuple[InlineSuppression, str]] = []
    unknown: list[tuple[InlineSuppression, str]] = []
    # Case-insensitive: ids (MLA101, a policy's ORG001) and names never differ by case alone.
    spelled = {k.lower(): k for k in known}  # for suggestions, as the rule spells itself
    known = set(spelled)
    ran = {r.lower() for r in ran}
    for items in inline.values():
        for item in items:
            for ref in item.rule_refs:
                normal = ref.lower()
                if normal not in known:
                    unknown.append((item, ref))
                elif normal in ran and normal not in {u.lower() for u in item.used}:
                    unused.append((item, ref))
    suggestions: dict[str, str] = {}
    if unknown:
        import difflib

        for _, ref in unknown:
            close = difflib.get_close_matches(ref.lower(), sorted(known), n=1, cutoff=0.7)
            if close:
                suggestions[ref] = spelled[close[0]]
    return UnusedSuppressions(unused, unknown, suggestions)
