"""Every fake secret planted in fixtures/, for tests asserting that no output leaks one.

Collected three ways, deliberately independent of the rules' own detection (a leak test
that reused the detector would miss exactly what the detector misses):
- AWS access key ids, `(AKIA|ASIA)` + 16 base-32 characters, except the AWS
  documentation example `AKIAIOSFODNN7EXAMPLE`;
- 40-character base-64 tokens on a line that names a secret (secret access keys),
  except the documentation example secret;
- the explicit values in fixtures/planted-secrets.txt (one per line, `#` comments).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import FIXTURES

PLANTED_LIST = FIXTURES / "planted-secrets.txt"
DOC_EXAMPLES = frozenset({"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})

_KEY_ID = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])")
_SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_NAMES_SECRET = re.compile(r"secret|password|passwd|token|private", re.I)


def explicit_secrets(path: Path = PLANTED_LIST) -> set[str]:
    if not path.is_file():
        return set()
    values = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {v for v in values if v and not v.startswith("#")}


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def planted_secrets(root: Path = FIXTURES) -> set[str]:
    found: set[str] = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path == PLANTED_LIST:
            continue
        text = _text(path)
        if text is None:
            continue
        found.update(_KEY_ID.findall(text))
        for line in text.splitlines():
            if _NAMES_SECRET.search(line):
                found.update(_SECRET_KEY.findall(line))
    found |= explicit_secrets()
    # Placeholders such as AKIAXXXXXXXXXXXXXXXX are not secrets (the rules ignore them too).
    return {value for value in found - DOC_EXAMPLES if len(set(value[4:])) > 3}
