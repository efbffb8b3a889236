"""Per-file analyses: work a rule declares on a file's text, done once per file content.

Some rules read every file's text line by line (the secrets rules run dozens of detectors
over each line). Done inside the rule, that work is serial and repeated on every scan,
warm or cold. A rule on `SourceFile` may instead declare a `FileAnalysis`: the engine
runs it right after parsing, in a process pool when many files need it (both cores on a
cold scan), and keeps its result in the cache directory keyed by the file's bytes, so a
warm scan only reads it back. The rule then asks `result_for(analysis, source)`, which
computes on the spot when the engine did not (a rule run outside a scan, a cache-less run
of one file).

A result is plain JSON data (lists, numbers, short constant strings) and must never hold
text of the file: positions, not values, so the cache holds no secret. The rule re-reads
the values from the file when it reports.

Entries live beside the parse cache's (`<cache dir>/analysis-v<SCHEMA>/<k[:2]>/<k>.json`),
under the same rules: 0700 directory, 0600 files written atomically, a corrupt or
ill-shaped entry is a miss. The key hashes the analysis' name and version, mlaudit's
version, the source files beside its implementation and at the top of that package, the
entry file of each library it names, the options it reads, the file's repository path
and kind, and the file's bytes.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlaudit import __version__
from mlaudit.sources import SourceFile

SCHEMA = 1
# Below this many files to analyse, a process pool costs more than it saves.
PARALLEL_THRESHOLD = 48


@dataclass(frozen=True)
class FileAnalysis:
    """What a rule declares (`Rule(..., analyses=(X,))`); several rules may share one.

    `compute(source, options)` must be a module-level function (a pool worker imports it
    by name) returning JSON data that holds no text of the file. `wants(source)` is a
    cheap test of the file (its kind, its name) before any work; `options` names the rule
    options the computation reads (they are part of the cache key); `libraries` names
    the importable packages whose code shapes the result (their installed files are part
    of the key, so upgrading one invalidates the entries).
    """

    name: str
    version: str
    compute: Callable[[SourceFile, Mapping[str, Any]], Any]
    wants: Callable[[SourceFile], bool] | None = None
    options: tuple[str, ...] = ()
    libraries: tuple[str, ...] = ()
    # Checks a value read back from the cache (a tampered entry is a miss, not a crash).
    valid: Callable[[Any], bool] | None = None
    _fingerprint: list[str] = field(default_factory=list, repr=False, compare=False)

    def applies(self, source: SourceFile) -> bool:
        return self.wants is None or self.wants(source)

    def fingerprint(self) -> str:
        """The implementation's identity, hashed once per process: the source files
        (size and mtime) beside the module of `compute` and at the top of its package
        (shared helpers), and the entry file of each library (rewritten by any upgrade)."""
        if not self._fingerprint:
            digest = hashlib.sha256(f"{self.name}\0{self.version}\0{__version__}".encode())
            module = importlib.import_module(self.compute.__module__)
            here = Path(module.__file__ or ".").resolve().parent
            top = here
            while (top.parent / "__init__.py").is_file():
                top = top.parent
            for directory in dict.fromkeys([here, top]):
                for path in sorted(directory.glob("*.py")):
                    digest.update(_stamp(path).encode())
            for library in self.libraries:
                try:
                    found = importlib.util.find_spec(library)
                except (ImportError, ValueError):
                    found = None
                origin = found.origin if found is not None else None
                digest.update((_stamp(Path(origin)) if origin else f"{library}: none\n").encode())
            self._fingerprint.append(digest.hexdigest()[:16])
        return self._fingerprint[0]


def _stamp(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return f"{path}: missing\n"
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n"


def result_for(analysis: FileAnalysis, source: SourceFile,
               options: Mapping[str, Any] | None = None) -> Any:
    """The analysis' result for `source`: the one the engine attached, else computed now."""
    attached = getattr(source, "_analyses", None)
    if attached is not None and analysis.name in attached:
        return attached[analysis.name]
    return analysis.compute(source, options or {})


def attached(analysis: FileAnalysis, source: SourceFile) -> Any | None:
    """The result the engine attached to `source`, or None (then the rule computes)."""
    found = source._analyses
    return found.get(analysis.name) if found is not None else None


def attach(source: SourceFile, name: str, value: Any) -> None:
    if source._analyses is None:
        source._analyses = {}
    source._analyses[name] = value


# --- the store -------------------------------------------------------------------------


class AnalysisStore:
    """Results of per-file analyses by key, beside the parse cache (None: no cache)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.directory = root / f"analysis-v{SCHEMA}" if root is not None else None
        self._usable: bool | None = None

    def _file(self, key: str) -> Path | None:
        if self.directory is None or self.root is None:
            return None
        if self._usable is None:
            from mlaudit.cache import _private_directory  # same discipline as the parse cache

            self._usable = _private_directory(self.root, self.directory)
        return self.directory / key[:2] / f"{key}.json" if self._usable else None

    def get(self, key: str) -> Any | None:
        target = self._file(key)
        if target is None:
            return None
        try:
            with target.open("rb") as handle:
                document = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        # The entry names its own key: one moved or copied under another file's name
        # (whose positions would point at other text) is a miss.
        if not isinstance(document, dict) or document.get("schema") != SCHEMA \
                or document.get("key") != key or "value" not in document:
            return None
        return document["value"]

    def put(self, key: str, value: Any) -> None:
        target = self._file(key)
        if target is None:
            return
        try:
            data = json.dumps({"schema": SCHEMA, "key": key, "value": value},
                              separators=(",", ":"))
        except (TypeError, ValueError, RecursionError):
            return  # not JSON data: simply not cached
        from mlaudit.atomic import write_private

        write_private(target, data)


def _key(analysis: FileAnalysis, options: Mapping[str, Any], source: SourceFile,
         content: bytes) -> str:
    digest = hashlib.sha256()
    for part in (str(SCHEMA), analysis.fingerprint(),
                 json.dumps(options, sort_keys=True, default=repr), source.path,
                 source.kind.value):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(content)
    return digest.hexdigest()


# --- running them ------------------------------------------------------------------------


def declared(rules: Iterable[Any]) -> list[FileAnalysis]:
    """The analyses declared by these rules (loaded `Rule`s), each once."""
    seen: dict[str, FileAnalysis] = {}
    for rule in rules:
        for analysis in getattr(rule, "analyses", ()):
            seen.setdefault(analysis.name, analysis)
    return list(seen.values())


def _options_of(analysis: FileAnalysis, rules: Iterable[Any],
                rule_options: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The options the analysis reads, as the declaring rules see them (config over default)."""
    out: dict[str, Any] = {}
    if not analysis.options:
        return out
    for rule in rules:
        if analysis not in getattr(rule, "analyses", ()):
            continue
        merged = dict(rule.options)
        for ref in (rule.id, rule.name):
            merged.update(rule_options.get(ref, {}))
        for name in analysis.options:
            if name in merged:
                out.setdefault(name, merged[name])
    return out


# A worker's job: (index, module, attribute, path, abspath, kind, text, options). The text
# is the parent's: the key hashes it, so the result must be computed from the same text.
_Job = tuple[int, str, str, str, str, str, str, dict[str, Any]]


def _analyse_one(job: _Job) -> tuple[int, Any]:
    """Worker: one analysis of one file. Runs in a pool process."""
    from mlaudit.sources import FileKind

    index, module, attribute, path, abspath, kind, text, options = job
    analysis: FileAnalysis = getattr(importlib.import_module(module), attribute)
    source = SourceFile(path, Path(abspath), FileKind(kind), text)
    return index, _safe(analysis, source, options)


def _safe(analysis: FileAnalysis, source: SourceFile, options: Mapping[str, Any]) -> Any:
    """The result, or None when the computation failed or gave None (a result it cannot
    represent without the file's text): the rule then computes at check time, and reports
    a failure the usual way."""
    try:
        return analysis.compute(source, options)
    except Exception:
        return None


def _locate(analysis: FileAnalysis) -> tuple[str, str] | None:
    """(module, attribute) under which a worker finds the analysis object."""
    module = importlib.import_module(analysis.compute.__module__)
    for name, value in vars(module).items():
        if value is analysis:
            return analysis.compute.__module__, name
    return None


def analyse_files(rules: Sequence[Any], files: Iterable[SourceFile], cache_root: Path | None,
                  jobs: int, rule_options: Mapping[str, Mapping[str, Any]]) -> None:
    """Attach every declared analysis' result to each file it applies to: from the cache,
    else computed (in a process pool when many files need it) and cached."""
    analyses = declared(rules)
    if not analyses:
        return
    store = AnalysisStore(cache_root)
    options = {a.name: _options_of(a, rules, rule_options) for a in analyses}
    pending: list[tuple[FileAnalysis, SourceFile, str | None]] = []
    for source in files:
        for analysis in analyses:
            if not analysis.applies(source):
                continue
            try:
                content = source.text.encode("utf-8")
            except OSError:
                continue  # unreadable: the rule meets (and reports) the same error
            key = _key(analysis, options[analysis.name], source, content) \
                if store.directory is not None else None
            cached = store.get(key) if key is not None else None
            if cached is not None and (analysis.valid is None or analysis.valid(cached)):
                attach(source, analysis.name, cached)
            else:
                pending.append((analysis, source, key))
    if not pending:
        return
    workers = jobs or (os.cpu_count() or 1)
    results: list[Any] = [None] * len(pending)
    located = {a.name: _locate(a) for a in analyses}
    if len(pending) >= PARALLEL_THRESHOLD and workers > 1 and all(located.values()):
        from concurrent.futures import ProcessPoolExecutor

        work: list[_Job] = []
        for i, (analysis, source, _) in enumerate(pending):
            module, attribute = located[analysis.name] or ("", "")
            work.append((i, module, attribute, source.path, str(source.abspath),
                         source.kind.value, source.text, options[analysis.name]))
        try:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for index, value in pool.map(_analyse_one, work,
                                             chunksize=max(1, len(work) // (workers * 4))):
                    results[index] = value
        except Exception:  # a worker killed (out of memory): the rules compute what is missing
            pass
    else:
        for i, (analysis, source, _) in enumerate(pending):
            results[i] = _safe(analysis, source, options[analysis.name])
    for (analysis, source, key), value in zip(pending, results, strict=True):
        if value is None:
            continue  # failed or not representable: the rule computes it at check time
        attach(source, analysis.name, value)
        if key is not None:
            store.put(key, value)
