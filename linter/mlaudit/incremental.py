"""Incremental scans: findings reused per group of deployment units whose files did not
change, the way ruff reuses per-file results.

A repository holds many independent deployments (mlaudit.deployment.units). After a
scan, the units are grouped into *components*: units that share a file (a Terraform
module two roots call) or that are linked on evidence (a workflow builds the image a task
definition runs) fall into one component, and every file no unit reads is a component of
its own. A component's findings can only depend on its own files, so the scan records,
per component, its files' content hashes and the findings and diagnostics located in them.

The next scan of the same repository (same root, configuration, rules and mlaudit code):
- nothing changed: every finding comes from the record, nothing is parsed or built;
- some files changed: only the components holding them are parsed (from the parse
  cache), modelled and checked; the others' findings come from the record;
- with file arguments (a pre-commit run): only the components of the named files are
  read as context, as the record lists them: the repository is not even walked.

It falls back to a whole scan (and records again) when reuse could be wrong: no record,
files added or deleted, a changed file that a builder read as a plain file (a template
named by `file()`, a script naming compose files), a changed file of the kinds a
repository-wide fact is read from (`Deployment.repository_fact`: MLA501 asks whether
anything in the repository terminates TLS), or a rebuilt component whose structure
differs from the record (its units, the files they read, their links, the image names and
module directories they name): a change that could connect it to another component. Live
mode, external tools, policies and plugins always scan everything.

The record is JSON in the cache directory, validated on load like the parse cache: it
holds findings as reported (rules redact secrets in messages and keys), never source
text. Excerpts are cut from the files again on every run; the secrets they must mask are
recorded as positions in the files, whose hashes the record checks.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlaudit import __version__
from mlaudit.finding import Diagnostic, DiagnosticLevel, Finding, Location, Origin, Related
from mlaudit.severity import Severity
from mlaudit.sources import SourceFile
from mlaudit.span import Span

FORMAT = 1  # bump when the record below changes shape
_LOOSE = ""  # component of findings and diagnostics not located in a scanned file
_PACKAGE_LIST = re.compile(r"^(?:requirements.*\.(?:txt|in)|pyproject\.toml|Pipfile|"
                           r"setup\.(?:py|cfg)|environment\.ya?ml)$", re.I)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Component:
    files: list[str]
    units: dict[str, list[Any]]  # unit id -> structure signature (see `signatures`)
    findings: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    secrets: list[tuple[str, int, int]] = field(default_factory=list)  # path, start, end
    # Findings and diagnostics as the record holds them, decoded only when reused (a
    # pre-commit run reuses one component of hundreds).
    raw: dict[str, Any] | None = None

    def decoded(self) -> Component:
        """Findings and diagnostics read from the record (TypeError, ValueError, KeyError
        when it was tampered with)."""
        if self.raw is not None:
            self.findings = [_unfinding(f) for f in self.raw["findings"]]
            self.diagnostics = [_undiagnostic(d) for d in self.raw["diagnostics"]]
            self.raw = None
        return self


@dataclass
class Record:
    hashes: dict[str, str]  # path -> content hash of every file the record covers
    artifacts: dict[str, int]  # binary files: path -> size
    components: dict[str, Component]
    # Files builders read as plain text (scripts and READMEs naming compose files, `file()`
    # templates, Makefiles), by path: content hash ("" when absent) and whether the text
    # names compose (a global reader, compose_projects, reads every such file).
    reads: dict[str, list[Any]]
    ran: list[str]  # ids of the rules that ran
    # Repository-wide facts rules read (Deployment.repository_fact): key -> [value, the
    # file kinds it is computed from]. A changed file of those kinds means a whole scan.
    facts: dict[str, list[Any]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # path -> FileKind value

    def component_of(self) -> dict[str, str]:
        return {path: cid for cid, comp in self.components.items() for path in comp.files}


@dataclass
class Plan:
    """What the engine does this run: `scope` is None for a whole scan, else the files to
    parse and check; `reused` are the components whose findings are taken as recorded."""

    scope: list[SourceFile] | None
    reused: list[Component]
    dirty: set[str]  # ids of the components rebuilt
    hashes: dict[str, str]
    reason: str  # why a whole scan (for --verbose / tests), or "incremental"


class Store:
    """The record of one repository as scanned with one configuration."""

    def __init__(self, cache_root: Path, identity: Iterable[str]) -> None:
        digest = hashlib.sha256()
        for part in (str(FORMAT), __version__, *identity):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        self.root = cache_root
        self.directory = cache_root / f"scans-v{FORMAT}"
        self.path = self.directory / f"{digest.hexdigest()[:32]}.json"
        self._usable: bool | None = None

    def _ready(self) -> bool:
        """The record's directory is the user's own (0700), as the parse cache's is: a
        record planted by someone else is never read."""
        if self._usable is None:
            from mlaudit.cache import _private_directory

            self._usable = _private_directory(self.root, self.directory)
        return self._usable

    # -- loading ---------------------------------------------------------------------
    def load(self) -> Record | None:
        if not self._ready():
            return None
        try:
            document = json.loads(self.path.read_bytes())
            return _decode_record(document)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing, corrupt or tampered: a whole scan, recorded again

    def save(self, record: Record) -> None:
        from mlaudit.atomic import write_private

        try:
            data = json.dumps(_encode_record(record), separators=(",", ":"),
                              ensure_ascii=False)
        except ValueError:
            return  # not JSON data: simply not recorded
        if self._ready():
            write_private(self.path, data)


def plan(record: Record | None, files: list[SourceFile], artifacts: dict[str, int],
         named: set[str] | None, root: Path, complete: bool = True) -> Plan:
    """Decide what to rebuild. `named`: the files of a pre-commit run (None: whole repo).
    `complete`: `files` is the whole repository as walked now (else: the named files'
    components as the record lists them, the repository not walked)."""
    if record is None:
        return Plan(None, [], set(), {}, "no record")
    paths = {s.path for s in files}
    if complete and (paths != set(record.hashes) or artifacts != record.artifacts):
        return Plan(None, [], set(), {}, "files added or removed")
    owner = record.component_of()
    files_by_path = {s.path: s for s in files}
    wanted: set[str] = set()
    if named is not None:
        # Only the named files' components are read; the rest of the repository is not
        # even hashed (a pre-commit run must not grow with the repository).
        wanted = {owner[p] for p in named if p in owner}
        check = [s for s in files if owner.get(s.path) in wanted]
    else:
        check = files
    hashes: dict[str, str] = {}
    changed: set[str] = set()
    for source in check:
        try:
            digest = content_hash(source.text.encode("utf-8", "surrogatepass"))
        except OSError:
            return Plan(None, [], set(), {}, "unreadable file")
        hashes[source.path] = digest
        if record.hashes.get(source.path) != digest:
            changed.add(source.path)
    dirty = {owner[p] for p in changed}
    for path, (digest, names_compose) in record.reads.items():
        if named is not None and not names_compose and owner.get(path) not in wanted:
            continue  # a pre-commit run checks only what its components read
        text = _read(root, path, files_by_path)
        now = content_hash(text.encode("utf-8", "surrogatepass")) if text is not None else ""
        if now != digest and (names_compose or (text is not None and "compose" in text)
                              or owner.get(path, "file:").startswith("file:")):
            # Who read it is not recorded: compose projects are named by any script,
            # README or workflow; `file()` templates belong to no unit.
            return Plan(None, [], set(), {}, f"{path}, read by a builder, changed")
    fact_kinds = {kind for _, kinds in record.facts.values() for kind in kinds}
    if any(files_by_path[p].kind.value in fact_kinds for p in changed):
        return Plan(None, [], set(), {}, "a file a repository-wide check reads changed")
    if dirty:
        # Scripts, READMEs and workflows that name compose files are read by the compose
        # builder whatever unit is rebuilt: they come along as context (a few files).
        dirty |= {owner[p] for p, (_, names_compose) in record.reads.items()
                  if names_compose and p in owner}
    # With named files, the other components' findings are not reported on anyway.
    keep = (wanted if named is not None else set(record.components)) - dirty
    scope = [s for s in files if owner.get(s.path) in dirty]
    try:
        reused = [record.components[c].decoded() for c in sorted(keep)]
    except (TypeError, ValueError, KeyError, AttributeError):
        return Plan(None, [], set(), {}, "no record")  # tampered: scanned again
    return Plan(scope, reused, dirty, hashes, "incremental")


def _read(root: Path, path: str, files: dict[str, SourceFile]) -> str | None:
    source = files.get(path)
    try:
        if source is not None:
            return source.text
        target = (root / path).resolve()
        target.relative_to(root.resolve())  # never outside the repository
        return target.read_bytes().decode("utf-8-sig", errors="replace")
    except (OSError, ValueError):
        return None


def read_record(root: Path, reads: Iterable[str], files: dict[str, SourceFile]
                ) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for path in sorted(reads):
        text = _read(root, path, files)
        out[path] = [content_hash(text.encode("utf-8", "surrogatepass"))
                     if text is not None else "", text is not None and "compose" in text]
    return out


def components(deployment: Any, paths: Iterable[str]) -> dict[str, list[str]]:
    """Component id -> files: units joined by shared files and unit links; every file no
    unit reads on its own."""
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        root = item
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[item] != root:  # path compression
            parent[item], item = root, parent[item]
        return root

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the smallest id names the component

    for unit_id in getattr(deployment, "units", {}):
        find(unit_id)
    for link in getattr(deployment, "unit_links", ()):
        union(link.source, link.target)
    file_units: dict[str, tuple[str, ...]] = getattr(deployment, "file_units", {})
    for units in file_units.values():
        for other in units[1:]:
            union(units[0], other)
    paths = list(paths)
    # Package lists no unit reads are read by directory: the heavy-model checks of an app,
    # a function or a PaaS service read the requirement files beside its files.
    by_directory: dict[str, set[str]] = {}
    for path, units in file_units.items():
        by_directory.setdefault(posixpath.dirname(path), set()).update(units)
    for path in paths:
        if path not in file_units and _PACKAGE_LIST.match(posixpath.basename(path)):
            near = sorted(by_directory.get(posixpath.dirname(path), ()))
            find(f"file:{path}")
            for unit in near:
                union(f"file:{path}", unit)
    out: dict[str, list[str]] = {}
    for path in paths:
        owners = file_units.get(path)
        cid = find(owners[0]) if owners else find(f"file:{path}")
        out.setdefault(cid, []).append(path)
    return out


def signatures(deployment: Any) -> dict[str, list[Any]]:
    """Per unit, what connects it to others: its files, links, the image names it refers
    to and the local module directories it calls. A rebuilt component whose signatures
    differ from the record's may now reach another component: the scan starts over."""
    units: dict[str, Any] = getattr(deployment, "units", {})
    links: dict[str, set[str]] = {u: set() for u in units}
    for link in getattr(deployment, "unit_links", ()):
        for end in (link.source, link.target):
            if end in links:
                links[end].add(f"{link.source}>{link.target}:{link.kind}")
    names: dict[str, set[str]] = {u: set() for u in units}
    node_units: dict[str, str] = getattr(deployment, "node_units", {})
    for reference in getattr(deployment, "image_refs", ()):
        unit = node_units.get(reference.owner)
        if unit in names:
            names[unit].add(reference.ref.repository)
    for node_id, node in getattr(deployment, "nodes", {}).items():
        unit = node_units.get(node_id)
        if unit in names:
            names[unit].update(getattr(node, "names", ()) or ())
    calls: dict[str, set[str]] = {u: set() for u in units}
    terraform = getattr(deployment, "terraform", None)
    for module in getattr(terraform, "modules", ()):
        unit = f"terraform:{module.root}" if f"terraform:{module.root}" in calls else None
        for call in module.module_calls:
            if unit is not None and call.local_path is not None:
                calls[unit].add(call.local_path)
    return {u: [list(units[u].files), sorted(links[u]), sorted(names[u]), sorted(calls[u])]
            for u in units}


def same_structure(record: Record, dirty: set[str], rebuilt: dict[str, list[Any]],
                   rebuilt_components: dict[str, list[str]]) -> bool:
    """The rebuilt components hold the same units, files and connections as recorded."""
    before: dict[str, list[Any]] = {}
    files_before: set[tuple[str, ...]] = set()
    for cid in dirty:
        comp = record.components[cid]
        before.update(comp.units)
        files_before.add(tuple(sorted(comp.files)))
    files_after = {tuple(sorted(files)) for files in rebuilt_components.values()}
    return before == rebuilt and files_before == files_after


def split(found: list[Finding], diagnostics: list[Diagnostic], groups: dict[str, list[str]],
          units: dict[str, list[Any]], file_units: dict[str, tuple[str, ...]]
          ) -> dict[str, Component]:
    """Findings and diagnostics by component, by the file they point at."""
    owner = {path: cid for cid, paths in groups.items() for path in paths}
    out = {cid: Component(sorted(paths), {}) for cid, paths in groups.items()}
    out[_LOOSE] = Component([], {})
    for cid, paths in groups.items():
        for path in paths:
            for unit in file_units.get(path, ()):
                if unit in units:
                    out[cid].units[unit] = units[unit]
    for finding in found:
        out[owner.get(finding.location.path or "", _LOOSE)].findings.append(finding)
    for diagnostic in diagnostics:
        where = diagnostic.span.path if diagnostic.span is not None else ""
        out[owner.get(where, _LOOSE)].diagnostics.append(diagnostic)
    return out


def secret_positions(component: Component, secrets: set[str],
                     texts: dict[str, str]) -> None:
    """Where the scan's secrets occur in the component's files: recorded as offsets, so
    excerpts can be masked on a later run without the record holding a secret."""
    component.secrets = []
    for path in component.files:
        text = texts.get(path)
        if text is None:
            continue
        for secret in secrets:
            start = text.find(secret)
            if start >= 0:
                component.secrets.append((path, start, start + len(secret)))


def recorded_secrets(components: Iterable[Component], texts: dict[str, str]) -> set[str]:
    out: set[str] = set()
    for component in components:
        for path, start, end in component.secrets:
            text = texts.get(path)
            if text is not None and 0 <= start < end <= len(text):
                out.add(text[start:end])
    return out


# -- the record as JSON ------------------------------------------------------------------

def _span(span: Span | None) -> list[Any] | None:
    if span is None:
        return None
    return [span.path, span.line, span.column, span.end_line, span.end_column]


def _unspan(data: list[Any] | None) -> Span | None:
    if data is None:
        return None
    path, line, column, end_line, end_column = data
    return Span(_str(path), _int(line), _int(column), _int(end_line), _int(end_column))


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("string expected")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("integer expected")
    return value


def _location(location: Location) -> list[Any]:
    return [_span(location.span), location.resource, location.symbol]


def _unlocation(data: list[Any]) -> Location:
    span, resource, symbol = data
    return Location(_unspan(span), None if resource is None else _str(resource),
                    None if symbol is None else _str(symbol))


def _finding(finding: Finding) -> list[Any]:
    return [finding.rule_id, finding.rule_name, finding.severity.value, finding.message,
            _location(finding.location),
            [[_location(r.location), r.note] for r in finding.related],
            finding.origin.value, finding.key]


def _unfinding(data: list[Any]) -> Finding:
    rule_id, name, severity, message, location, related, origin, key = data
    return Finding(_str(rule_id), _str(name), Severity(severity), _str(message),
                   _unlocation(location),
                   tuple(Related(_unlocation(loc), _str(note)) for loc, note in related),
                   origin=Origin(origin), key=_str(key))


def _diagnostic(diagnostic: Diagnostic) -> list[Any]:
    return [diagnostic.message, _span(diagnostic.span), diagnostic.level.value,
            diagnostic.code]


def _undiagnostic(data: list[Any]) -> Diagnostic:
    message, span, level, code = data
    return Diagnostic(_str(message), _unspan(span), DiagnosticLevel(level), _str(code))


def _encode_record(record: Record) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "hashes": record.hashes,
        "artifacts": record.artifacts,
        "reads": record.reads,
        "ran": record.ran,
        "facts": record.facts,
        "kinds": record.kinds,
        "components": {
            cid: {"files": c.files, "units": c.units,
                  "findings": c.raw["findings"] if c.raw is not None else [
                      _finding(f) for f in c.findings],
                  "diagnostics": c.raw["diagnostics"] if c.raw is not None else [
                      _diagnostic(d) for d in c.diagnostics],
                  "secrets": [list(s) for s in c.secrets]}
            for cid, c in record.components.items()},
    }


def _decode_record(document: dict[str, Any]) -> Record:
    if document.get("format") != FORMAT:
        raise ValueError("another format")
    hashes = {_str(k): _str(v) for k, v in document["hashes"].items()}
    artifacts = {_str(k): _int(v) for k, v in document["artifacts"].items()}
    comps: dict[str, Component] = {}
    for cid, data in document["components"].items():
        comps[_str(cid)] = Component(
            [_str(p) for p in data["files"]],
            {_str(u): list(sig) for u, sig in data["units"].items()},
            [], [],
            [(_str(p), _int(s), _int(e)) for p, s, e in data["secrets"]],
            {"findings": list(data["findings"]), "diagnostics": list(data["diagnostics"])})
    reads = {_str(p): [_str(h), bool(flag)] for p, (h, flag) in document["reads"].items()}
    facts = {_str(k): [v, [_str(kind) for kind in kinds]]
             for k, (v, kinds) in document["facts"].items()}
    from mlaudit.sources import FileKind

    kinds = {_str(k): FileKind(v).value for k, v in document["kinds"].items()}
    return Record(hashes, artifacts, comps, reads,
                  [_str(r) for r in document["ran"]], facts, kinds)
