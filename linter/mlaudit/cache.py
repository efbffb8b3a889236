"""Content-addressed parse cache, like ruff's: an unchanged file is never parsed twice.

Key: sha256 of (mlaudit version, a fingerprint of the engine's own source files, parser
id and version, repo path, file bytes). Value: the pickled model. The source fingerprint
(size and mtime of every module of the `mlaudit` package) means a changed model class can
never be handed a pickle of its old shape, even when nobody bumped a PARSER_VERSION.
Entries are written to a temporary file and renamed into place, so
concurrent runs never see a half-written entry; a corrupt or unreadable entry is a miss.
The cache lives outside the scanned tree (a pre-commit hook must not write into the
repository): $MLAUDIT_CACHE_DIR, else $XDG_CACHE_HOME/mlaudit, else ~/.cache/mlaudit.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from mlaudit import __version__


def default_cache_dir() -> Path:
    explicit = os.environ.get("MLAUDIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlaudit"


def code_fingerprint() -> str:
    """Size and mtime of every module of the installed `mlaudit` package, hashed."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for module in sorted(package.rglob("*.py")):
        try:
            stat = module.stat()
        except OSError:
            continue
        digest.update(f"{module.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


class ParseCache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory / f"v{__version__}" if directory is not None else None
        self.code = code_fingerprint() if directory is not None else ""

    def key(self, parser_id: str, path: str, content: bytes) -> str:
        digest = hashlib.sha256()
        for part in (__version__.encode(), self.code.encode(), parser_id.encode(), path.encode()):
            digest.update(part)
            digest.update(b"\0")
        digest.update(content)
        return digest.hexdigest()

    def _file(self, key: str) -> Path | None:
        return self.directory / key[:2] / key if self.directory is not None else None

    def get(self, key: str) -> Any | None:
        target = self._file(key)
        if target is None:
            return None
        try:
            with target.open("rb") as handle:
                value = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
                TypeError, ValueError):
            return None  # a missing, corrupt or stale entry is a miss
        return value

    def put(self, key: str, value: Any) -> None:
        target = self._file(key)
        if target is None:
            return
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        except OSError:
            pass  # a read-only or full cache directory must never fail a scan
