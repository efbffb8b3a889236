"""The secrets rules' work on a file's text, done once per file content.

MLA101 (AWS keys), MLA102 (detect-secrets and mlaudit's own detectors) and MLA105 (hosted
model keys) all read every line of every file. That work depends on the file alone (its
text, path and kind), so it is declared as one per-file analysis (`mlaudit.analysis`): the
engine runs it right after parsing, in parallel on a cold scan, and caches it by the
file's bytes; a warm scan reads it back. What each rule does with it (which hit is whose,
masking, the deployment's environment lines, CI fixtures) stays in the rule.

The cached result holds positions, never values: each hit is (line, offset, length,
type), each key name the position of its text. The values are re-read from the file when
a rule reports (the key is the file's content hash, so the positions point into the same
text). A hit whose value is not written verbatim on its line cannot be stored so: then the
whole result is not cached and the rules compute it themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlaudit.analysis import FileAnalysis, attached
from mlaudit.sources import FileKind, SourceFile
from mlaudit_rules.secrets._aws import CANDIDATE_RE as AWS_CANDIDATE_RE
from mlaudit_rules.secrets._aws import AwsKey, find_aws_keys
from mlaudit_rules.secrets._detect import Detected, candidate_lines, detect
from mlaudit_rules.secrets._model_keys import CANDIDATE_RE as MODEL_KEY_RE
from mlaudit_rules.secrets._model_keys import ModelKey, find_model_keys

# Whole credential files are MLA103's: one finding for the file, not one per line.
FILE_RULE_KINDS = frozenset({FileKind.DOTENV, FileKind.AWS_CREDENTIALS, FileKind.PRIVATE_KEY})
# Detect-secrets' keyword plugin reads `NAME=value` only in "config" files (by extension).
_CONFIG_LIKE = {FileKind.DOCKERFILE, FileKind.REQUIREMENTS, FileKind.TEXT}
# Types, providers and kinds are the detectors' own words (stored as they are).
_LABEL_RE = re.compile(r"^[A-Za-z0-9 ._-]{1,64}$")
_NOTHING: dict[str, list[Any]] = {"aws": [], "model": [], "detected": []}


def hint(source: SourceFile) -> str:
    """The file name detect-secrets sees: its keyword plugin picks its regexes by extension."""
    if source.kind in _CONFIG_LIKE and not source.path.endswith((".cfg", ".ini", ".toml")):
        return source.path + ".cfg"
    return source.path


def reads_generic(source: SourceFile) -> bool:
    """Whether MLA102 reads the file: not credential files (MLA103's) nor notebooks, whose
    JSON quotes every code line and whose outputs hold ids the generic detectors take for
    secrets."""
    return source.kind not in FILE_RULE_KINDS and not source.path.endswith(".ipynb")


@dataclass(frozen=True, slots=True)
class FileSecrets:
    aws: list[AwsKey]
    model_keys: list[ModelKey]
    detected: list[Detected]  # MLA102's detectors, on the files it reads


def find(source: SourceFile, generic: bool = True) -> FileSecrets:
    """Every detector on the file's text (`generic`: MLA102's too)."""
    text = source.text
    lines: list[str] | None = None
    aws: list[AwsKey] = []
    model_keys: list[ModelKey] = []
    detected: list[Detected] = []
    if AWS_CANDIDATE_RE.search(text):
        lines = text.splitlines()
        aws = find_aws_keys(lines)
    if MODEL_KEY_RE.search(text):
        lines = lines if lines is not None else text.splitlines()
        model_keys = find_model_keys(lines)
    if generic and reads_generic(source):
        lines = lines if lines is not None else text.splitlines()
        indexes = candidate_lines(lines)
        if indexes:  # a clean file never imports detect-secrets
            detected = detect(source.path, lines, hint(source), indexes)
    return FileSecrets(aws, model_keys, detected)


def file_secrets(source: SourceFile, generic: bool = True) -> FileSecrets:
    """The file's secrets: from the engine's analysis (cached), else found now."""
    payload = attached(ANALYSIS, source)
    if payload is not None:
        if payload == _NOTHING:  # most files: no need to split the text into lines
            return FileSecrets([], [], [])
        decoded = _decode(payload, source.text.splitlines())
        if decoded is not None:
            return decoded
    return find(source, generic)


# --- positions, not values -------------------------------------------------------------


def _compute(source: SourceFile, options: Mapping[str, Any]) -> Any:
    """The analysis: `find` as positions; None when a value is not where a position can
    say (then nothing is cached)."""
    found = find(source)
    lines = source.text.splitlines()
    detected: list[list[Any]] = []
    for hit in found.detected:
        if hit.start < 0 or lines[hit.line - 1][hit.start:hit.start + len(hit.value)] \
                != hit.value:
            return None
        key: list[int] | str | None = "" if hit.key == "" else None
        if hit.key:
            key = _position(lines, hit.line - 1, hit.key)
            if key is None:
                return None
        detected.append([hit.line, hit.start, len(hit.value), hit.secret_type, key])
    for k in found.aws:
        if lines[k.line - 1][k.start:k.end] != k.value:
            return None
    for m in found.model_keys:
        if lines[m.line - 1][m.start:m.start + len(m.value)] != m.value:
            return None
    return {
        "aws": [[k.line, k.start, k.end, k.kind] for k in found.aws],
        "model": [[k.line, k.start, len(k.value), k.provider, k.kind] for k in found.model_keys],
        "detected": detected,
    }


def _position(lines: list[str], index: int, text: str) -> list[int] | None:
    """Where `text` is written: on line `index` or the nearest line above, else anywhere."""
    for i in [*range(index, max(-1, index - 13), -1), *range(len(lines))]:
        at = lines[i].find(text)
        if at >= 0:
            return [i + 1, at, len(text)]
    return None


def _text(lines: list[str], where: Any) -> str | None:
    if not (isinstance(where, list) and len(where) == 3
            and all(type(n) is int for n in where)):
        return None
    line, start, length = where
    if not (0 < line <= len(lines) and start >= 0 and length > 0
            and start + length <= len(lines[line - 1])):
        return None
    text: str = lines[line - 1][start:start + length]
    return text


def _label(value: Any) -> bool:
    return isinstance(value, str) and _LABEL_RE.match(value) is not None


def _decode(payload: Any, lines: list[str]) -> FileSecrets | None:
    """The hits of a payload, their values read from `lines`; None for anything this
    module did not write (a tampered or stale entry is a miss)."""
    if not isinstance(payload, dict):
        return None
    aws_rows, model_rows, hit_rows = (payload.get(k) for k in ("aws", "model", "detected"))
    if not (isinstance(aws_rows, list) and isinstance(model_rows, list)
            and isinstance(hit_rows, list)):
        return None
    aws: list[AwsKey] = []
    for row in aws_rows:
        if not (isinstance(row, list) and len(row) == 4 and _label(row[3])):
            return None
        value = _text(lines, [row[0], row[1], row[2] - row[1]]) \
            if type(row[1]) is int and type(row[2]) is int else None
        if value is None:
            return None
        aws.append(AwsKey(row[0], row[1], row[2], value, row[3]))
    model_keys: list[ModelKey] = []
    for row in model_rows:
        if not (isinstance(row, list) and len(row) == 5 and _label(row[3]) and _label(row[4])):
            return None
        value = _text(lines, row[:3])
        if value is None:
            return None
        model_keys.append(ModelKey(row[0], row[1], value, row[3], row[4]))
    detected: list[Detected] = []
    for row in hit_rows:
        if not (isinstance(row, list) and len(row) == 5 and _label(row[3])):
            return None
        value = _text(lines, row[:3])
        key = row[4] if row[4] is None or row[4] == "" else _text(lines, row[4])
        if value is None or (row[4] is not None and key is None):
            return None
        detected.append(Detected(row[0], row[1], value, row[3], key))
    return FileSecrets(aws, model_keys, detected)


def _valid(payload: Any) -> bool:
    """A cheap shape test of an entry read back (the full check is `_decode`'s)."""
    return isinstance(payload, dict) and set(payload) == {"aws", "model", "detected"}


def _wants(source: SourceFile) -> bool:
    return source.kind is not FileKind.PRIVATE_KEY


ANALYSIS = FileAnalysis(
    name="secrets",
    version="1",
    compute=_compute,
    wants=_wants,
    libraries=("detect_secrets",),
    valid=_valid,
)
