"""Where a Terraform root's backend comes from when its `.tf` files declare none.

A root module may get its backend outside its own files: `terraform init -backend-config`
or a `backend.tf` written by a CI step or a Makefile, Terragrunt's `remote_state`/`generate`,
Atmos (which writes `backend.tf.json` for `components/terraform/*` from its stacks), or a
packaging step (Service Catalog products are tar archives the service provisions with its
own state). `external_backends` answers, once per scan, which root directories have such
evidence; `"*"` stands for every root (a CI step whose directory is a variable).
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mlaudit.sources import FileKind

# A line that gives Terraform its backend settings, or writes a backend file.
_SIGNAL = re.compile(r"-backend-config\b|\bbackend\.tf(?:\.json)?\b")
_CHDIR = re.compile(r"-chdir[= ]([^\s;&|)]+)")
_WORKDIR = re.compile(r"working-directory:\s*([^\s#]+)")
_CD = re.compile(r"(?:^|[\s;&(])(?:cd|pushd)\s+([^\s;&|)]+)")
_WRITTEN = re.compile(r">>?\s*([^\s;&|)]*?)/?backend\.tf(?:\.json)?\b")
_TAR = re.compile(r"\btar\b[^\n]*?\s-?c[a-z]*f\s+\S+\s+(?:-C\s+)?([^\s;&|]+)")
_TG_SOURCE = re.compile(r'^\s*source\s*=\s*"([^"]+)"', re.M)
_MAKEFILES = ("Makefile", "makefile", "GNUmakefile", "Justfile", "justfile")
_LOOKBACK = 30  # lines above a signal searched for its `cd` / `working-directory`


def external_backends(project: Any, roots: list[str]) -> set[str]:
    files = list(getattr(project, "files", ()))
    read = getattr(project, "read_text", lambda path: None)
    out: set[str] = set()
    texts: list[tuple[str, str, bool]] = []  # (path, text, is a CI workflow)
    for source in files:
        name = posixpath.basename(source.path)
        if source.kind in (FileKind.WORKFLOW, FileKind.YAML) or name.endswith(".sh"):
            text = _text(source)
            if text and ("terraform" in text or "tofu" in text):
                texts.append((source.path, text, source.kind is not FileKind.TEXT))
    for directory in {""} | {d for r in roots for d in _ancestors(r)}:
        for name in _MAKEFILES:
            path = posixpath.join(directory, name) if directory else name
            text = read(path)
            if text and ("terraform" in text or "tofu" in text):
                texts.append((path, text, False))
    for path, text, workflow in texts:
        out |= _signalled(path, text, workflow)
    for source in files:
        name = posixpath.basename(source.path)
        if name == "terragrunt.hcl":
            out |= _terragrunt(source.path, _text(source) or "", roots)
        elif name in ("atmos.yaml", "atmos.yml"):
            out |= {r for r in roots if "components/terraform/" in f"/{r}/"}
    out |= _packaged(texts, roots)
    return out


def _text(source: Any) -> str | None:
    try:
        return str(source.text)
    except (OSError, UnicodeError):
        return None


def _ancestors(directory: str) -> list[str]:
    out = []
    while directory:
        out.append(directory)
        directory = posixpath.dirname(directory)
    return out


def _normal(base: str, raw: str) -> str:
    raw = raw.strip("'\"")
    if "$" in raw or "{{" in raw or "%" in raw:
        return "*"  # a matrix or variable directory: may be any root
    joined = posixpath.normpath(posixpath.join(base, raw)) if not raw.startswith("/") else "*"
    return "" if joined == "." else joined


def _signalled(path: str, text: str, workflow: bool) -> set[str]:
    """Directories whose backend a script or workflow configures."""
    base = "" if workflow else posixpath.dirname(path)  # workflows run at the checkout root
    lines = text.splitlines()
    out: set[str] = set()
    for number, line in enumerate(lines):
        if not _SIGNAL.search(line):
            continue
        written = _WRITTEN.search(line)
        chdir = _CHDIR.search(line)
        if written and written.group(1):
            out.add(_normal(base, written.group(1)))
            continue
        if chdir:
            out.add(_normal(base, chdir.group(1)))
            continue
        if not ("terraform" in line or "tofu" in line or written):
            continue
        place = None
        for above in reversed(lines[max(0, number - _LOOKBACK):number + 1]):
            found = _CD.search(above) or _WORKDIR.search(above)
            if found:
                place = _normal(base, found.group(1))
                break
        out.add(place if place is not None else base)
    return out


def _terragrunt(path: str, text: str, roots: list[str]) -> set[str]:
    """A terragrunt.hcl generates the backend of its own directory, of the module its
    `terraform { source }` names, and (with remote_state/generate, as a parent config that
    children include) of every root below it."""
    directory = posixpath.dirname(path)
    out = {directory}
    for found in _TG_SOURCE.finditer(text):
        source = found.group(1).split("//")[0]
        if source.startswith(("./", "../")):
            out.add(_normal(directory, source))
    if "remote_state" in text or "generate" in text:
        out |= {r for r in roots if not directory or r.startswith(directory + "/")}
    return out


def _packaged(texts: list[tuple[str, str, bool]], roots: list[str]) -> set[str]:
    """Roots a script packs into an archive (a Service Catalog Terraform product is a tar
    of the configuration, provisioned with the service's own state)."""
    out: set[str] = set()
    for path, text, workflow in texts:
        base = "" if workflow else posixpath.dirname(path)
        for found in _TAR.finditer(text):
            target = _normal(base, found.group(1))
            out |= {r for r in roots if r == target}
    return out
