"""Find the files to scan under the given paths, and the repository root.

Rules of the walk: honour config excludes and .gitignore files (root and nested), except
that a file git tracks is read even when a .gitignore lists it (.gitignore decides what
git adds, not what a checkout holds); never follow a symlink that leaves the root, note a
broken one; skip binaries and files over the size limit with a notice, and classify each
file by path (and, for an ambiguous Dockerfile name, by its first instruction). Model
artifacts (weights) are recorded by size, never read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mlaudit.finding import Diagnostic, DiagnosticLevel
from mlaudit.sources import (
    MODEL_ARTIFACT_SUFFIXES,
    Artifact,
    FileKind,
    SourceFile,
    ambiguous_dockerfile_name,
    classify,
    dockerfile_by_content,
)
from mlaudit.span import Span

DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # Terraform states can be large; 5 MiB covers most
_ALWAYS_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".terraform", "__pycache__",
                     ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
                     ".pytest_cache", ".mlaudit_cache", "site-packages"}


@dataclass
class Discovery:
    root: Path
    files: list[SourceFile] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    explicit: set[str] = field(default_factory=set)  # repo paths named on the command line


def find_root(paths: Iterable[Path]) -> Path:
    """The git top level of the first path, else that path (its directory for a file).

    The top level is the nearest ancestor holding `.git` (a directory, or a file in
    worktrees and submodules): what `git rev-parse --show-toplevel` answers, without
    paying for a subprocess on every pre-commit run.
    """
    first = next(iter(paths), Path("."))
    start = first if first.is_dir() else first.parent
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start  # not in a git repository: the scanned directory is the root


class _IgnoreRules:
    """.gitignore semantics (via pathspec), collected per directory as the walk descends.

    Config excludes are the user's choice and always apply; .gitignore rules only say what
    git will not add, so `gitignored` records whether one skipped anything (see
    `_tracked_but_ignored`).
    """

    def __init__(self, root: Path, excludes: list[str]) -> None:
        self.root = root
        self.specs: list[tuple[str, object]] = []
        # Ignore-file lines that are no valid pattern: (file, line number, why). Each is
        # reported and skipped; one bad line must not end the scan.
        self.bad_lines: list[tuple[str, int, str]] = []
        self.exclude_spec = self._spec(excludes, "config exclude") if excludes else None
        self.gitignored = False

    def _spec(self, lines: list[str], where: str) -> object:
        import pathspec  # only when there is a .gitignore or an exclude to apply

        costly = {number for number, line in enumerate(lines, 1) if _too_costly(line)}
        for number in sorted(costly):
            self.bad_lines.append((where, number, "too many wildcards: matching it could "
                                   "take exponential time"))
        lines = ["" if number in costly else line for number, line in enumerate(lines, 1)]
        try:
            return pathspec.GitIgnoreSpec.from_lines(lines)
        except Exception:  # pathspec raises several kinds; find the culprits line by line
            good: list[str] = []
            for number, line in enumerate(lines, 1):
                try:
                    pathspec.GitIgnoreSpec.from_lines([line])
                except Exception as exc:
                    self.bad_lines.append((where, number, str(exc) or type(exc).__name__))
                else:
                    good.append(line)
            return pathspec.GitIgnoreSpec.from_lines(good)

    def load_dir(self, rel_dir: str, directory: Path) -> None:
        gitignore = directory / ".gitignore"
        if gitignore.is_file():
            try:
                lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                return
            where = f"{rel_dir}/.gitignore" if rel_dir else ".gitignore"
            self.specs.append((rel_dir, self._spec(lines, where)))

    def excluded(self, rel_path: str, is_dir: bool = False) -> bool:
        spec = self.exclude_spec
        return spec is not None and bool(
            spec.match_file(rel_path + ("/" if is_dir else "")))  # type: ignore[attr-defined]

    def ignored(self, rel_path: str, is_dir: bool) -> bool:
        if self.excluded(rel_path, is_dir):
            return True
        for base, spec in self.specs:
            if base and not rel_path.startswith(base + "/"):
                continue
            sub = rel_path[len(base) + 1 :] if base else rel_path
            if spec.match_file(sub + ("/" if is_dir else "")):  # type: ignore[attr-defined]
                self.gitignored = True
                return True
        return False


# pathspec turns a pattern into a regular expression that backtracks: `*a*a*a*b` takes
# seconds on a 255-character name, three `**` seconds on a deep path. Real ignore files
# stay far below these counts.
_MAX_DOUBLE_STARS = 2
_MAX_STARS_PER_SEGMENT = 3


def _too_costly(line: str) -> bool:
    pattern = line.strip()
    if not pattern or pattern.startswith("#"):
        return False
    if pattern.count("**") > _MAX_DOUBLE_STARS:
        return True
    for segment in pattern.split("/"):
        if segment != "**" and len([run for run in segment.split("*")]) - 1 > 0:
            runs = sum(1 for i, c in enumerate(segment)
                       if c == "*" and (i == 0 or segment[i - 1] != "*"))
            if runs > _MAX_STARS_PER_SEGMENT:
                return True
    return False


def _relative(path: Path, root: Path) -> str | None:
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        return None
    return "" if rel == "." else rel


def discover(
    paths: list[Path],
    root: Path,
    excludes: list[str],
    max_bytes: int = DEFAULT_MAX_BYTES,
    respect_gitignore: bool = True,
) -> Discovery:
    result = Discovery(root=root)
    ignore = _IgnoreRules(root, excludes)
    if respect_gitignore:
        ignore.load_dir("", root)
    seen: set[str] = set()
    walked: list[str] = []
    for given in paths:
        absolute = given.resolve() if not given.is_symlink() else given.absolute()
        rel = _relative(absolute, root)
        if rel is None:
            result.diagnostics.append(Diagnostic(
                f"{given} is outside the repository root; skipped", None,
                DiagnosticLevel.WARNING, "outside-root"))
            continue
        if absolute.is_symlink() and isinstance(_link_target(absolute), str):
            result.explicit.add(rel)
            _add_file(absolute, rel, result, seen, max_bytes, explicit=True)
        elif absolute.is_dir():
            walked.append(rel)
            _walk(absolute, root, ignore, result, seen, max_bytes, respect_gitignore)
        elif absolute.is_file() or absolute.exists():  # a FIFO named: a notice, below
            result.explicit.add(rel)
            _add_file(absolute, rel, result, seen, max_bytes, explicit=True)
        else:
            result.diagnostics.append(Diagnostic(
                f"{given}: no such file or directory", None, DiagnosticLevel.ERROR, "missing-path"))
    if ignore.gitignored:  # the fast path (nothing ignored) never starts a process
        _add_tracked(root, walked, ignore, result, seen, max_bytes)
    for where, number, why in ignore.bad_lines:
        in_file = where.endswith(".gitignore")
        result.diagnostics.append(Diagnostic(
            ("" if in_file else f"{where} {number}: ") + f"no valid ignore pattern ({why}); "
            "the line is ignored", Span(where, number) if in_file else None,
            DiagnosticLevel.WARNING, "bad-ignore-pattern"))
    return result


def _add_tracked(root: Path, walked: list[str], ignore: _IgnoreRules, result: Discovery,
                 seen: set[str], max_bytes: int) -> None:
    """Read the files git tracks that a .gitignore rule skipped: a committed backend.tf
    listed in .gitignore is still in every checkout, so it is part of the repository."""
    tracked = _tracked_but_ignored(root)
    for rel in tracked or ():
        if rel in seen or not any(not w or rel.startswith(w + "/") for w in walked):
            continue
        parts = rel.split("/")
        if _ALWAYS_SKIP_DIRS.intersection(parts[:-1]) or ignore.excluded(rel):
            continue
        path = root / rel
        if path.is_file() or path.is_symlink():  # deleted in the work tree: nothing to read
            _add_file(path, rel, result, seen, max_bytes, explicit=False)


def _in_work_tree(root: Path) -> bool:
    return any((candidate / ".git").exists() for candidate in (root, *root.parents))


def _tracked_but_ignored(root: Path) -> list[str] | None:
    """Tracked paths under `root` that ignore rules match, relative to it; None when git
    cannot tell (no work tree, no git, a timeout): the walk's answer then stands."""
    if not _in_work_tree(root):
        return None
    import subprocess  # only when something was ignored

    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--ignored",
             "--exclude-standard"],
            capture_output=True, stdin=subprocess.DEVNULL, env=env, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None  # e.g. a repository owned by another user ("dubious ownership")
    return [os.fsdecode(p) for p in done.stdout.split(b"\0") if p]


def _walk(start: Path, root: Path, ignore: _IgnoreRules, result: Discovery, seen: set[str],
          max_bytes: int, respect_gitignore: bool) -> None:
    # Load .gitignore files of directories between root and start, so scanning a
    # subdirectory still honours the ignores above it.
    rel_start = _relative(start, root) or ""
    if respect_gitignore and rel_start:
        parts = rel_start.split("/")
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            ignore.load_dir(sub, root / sub)
    def unreadable(exc: OSError) -> None:
        # A directory the walk cannot list is reported, never silently missing.
        where = _relative(Path(exc.filename), root) if exc.filename else None
        result.diagnostics.append(Diagnostic(
            f"cannot read directory: {exc.strerror or type(exc).__name__}; skipped",
            Span(_display(where or str(exc.filename))), DiagnosticLevel.WARNING,
            "unreadable-directory"))

    for dirpath, dirnames, filenames in os.walk(start, followlinks=False, onerror=unreadable):
        current = Path(dirpath)
        rel_dir = _relative(current, root) or ""
        if respect_gitignore and current != start and current != root:
            ignore.load_dir(rel_dir, current)
        kept = []
        for d in sorted(dirnames):
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if d in _ALWAYS_SKIP_DIRS or ignore.ignored(rel, True):
                continue
            if (current / d).is_symlink():
                continue  # never follow directory links: they can leave the root or loop
            if _undecodable(d):
                _undecodable_notice(result, rel, "directory")
                continue
            kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if ignore.ignored(rel, False):
                continue
            if _undecodable(name):
                if classify(_display(rel)) is not None:
                    _undecodable_notice(result, rel, "file")
                continue
            _add_file(current / name, rel, result, seen, max_bytes, explicit=False)


def _undecodable(name: str) -> bool:
    """A name with bytes that are not UTF-8 (os.fsdecode keeps them as lone surrogates,
    which no report, cache key or terminal can encode)."""
    return any("\udc80" <= c <= "\udcff" for c in name)


def _display(path: str) -> str:
    """A path with undecodable bytes shown as escapes (\\xff)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _undecodable_notice(result: Discovery, rel: str, what: str) -> None:
    result.diagnostics.append(Diagnostic(
        f"{what} name is not valid UTF-8; skipped", Span(_display(rel)),
        DiagnosticLevel.NOTE, "undecodable-name"))


def _link_target(link: Path) -> Path | str:
    """The file a symbolic link resolves to, or why it resolves to nothing."""
    try:
        return link.resolve(strict=True)
    except FileNotFoundError:
        return "symbolic link to a missing target"
    except (OSError, RuntimeError):  # ELOOP; Python < 3.13 raises RuntimeError on a loop
        return "symbolic link loop"


def _add_file(path: Path, rel: str, result: Discovery, seen: set[str], max_bytes: int,
              explicit: bool) -> None:
    if rel in seen:
        return
    seen.add(rel)
    if path.is_symlink():
        target = _link_target(path)
        if isinstance(target, str):
            # A broken link is an ordinary state of a checkout (a generated file not built
            # yet, a link into a sibling repository): a notice, never an error, and only
            # for a name mlaudit would have read.
            if explicit or classify(rel) is not None:
                result.diagnostics.append(Diagnostic(
                    f"skipped: {target}", Span(rel), DiagnosticLevel.NOTE, "symlink-broken"))
            return
        if _relative(target, result.root) is None:
            result.diagnostics.append(Diagnostic(
                "symlink points outside the repository; not followed", Span(rel),
                DiagnosticLevel.NOTE, "symlink-outside-root"))
            return
        path = target
    lower = rel.lower()
    try:
        status = path.stat()
    except OSError as exc:
        result.diagnostics.append(Diagnostic(
            f"cannot read file: {exc.strerror}", Span(rel), DiagnosticLevel.ERROR, "unreadable"))
        return
    if not stat.S_ISREG(status.st_mode):
        # A FIFO blocks the reader forever, a device never ends: never opened.
        if explicit or classify(rel) is not None:
            result.diagnostics.append(Diagnostic(
                "not a regular file (a FIFO, socket or device); skipped", Span(rel),
                DiagnosticLevel.NOTE, "special-file"))
        return
    size = status.st_size
    if lower.endswith(MODEL_ARTIFACT_SUFFIXES):
        result.artifacts.append(Artifact(rel, size))
        return
    kind = classify(rel)
    if kind is None:
        return
    if size > max_bytes:
        result.diagnostics.append(Diagnostic(
            f"file is {size} bytes, over the {max_bytes}-byte limit; skipped", Span(rel),
            DiagnosticLevel.NOTE, "too-large"))
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as exc:
        result.diagnostics.append(Diagnostic(
            f"cannot read file: {exc.strerror}", Span(rel), DiagnosticLevel.ERROR, "unreadable"))
        return
    if b"\0" in head:
        if kind is not FileKind.PRIVATE_KEY:
            result.diagnostics.append(Diagnostic(
                "binary file; skipped", Span(rel), DiagnosticLevel.NOTE, "binary"))
        return
    if kind is FileKind.TEXT and ambiguous_dockerfile_name(rel) and dockerfile_by_content(head):
        kind = FileKind.DOCKERFILE  # Dockerfile.j2, Dockerfile-gpu.txt: the content decides
    result.files.append(SourceFile(rel, path, kind))
