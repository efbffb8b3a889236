"""Atomic file writes: a report is either complete or absent, never truncated.

The temporary file is created private (mkstemp: 0600); before it is renamed into place it
gets the mode the user expects: an existing file's own mode, else what the umask leaves of
0666, like any file a shell redirection creates. A target that is not a regular file (a
terminal, /dev/null, a FIFO) is written in place: renaming over it would replace it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it
    os.umask(mask)
    return mask


def write_text_atomic(path: Path, text: str) -> None:
    try:
        existing = path.stat()
    except OSError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        return
    import tempfile  # only where a report is written to a file

    mode = stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~_umask()
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_private(target: Path, data: str) -> bool:
    """Write a cache entry: 0600, in a 0700 directory, renamed into place (a concurrent
    run never reads half of it). False when it could not be written: a read-only or full
    cache never fails a scan."""
    tmp = target.parent / f".tmp-{os.getpid()}-{os.urandom(6).hex()}"
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False
    return True
