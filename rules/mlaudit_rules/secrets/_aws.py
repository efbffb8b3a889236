"""Text matcher for AWS keys, shared by MLA101 and by the rules that must not repeat it.

Purely textual and format-agnostic, so one matcher covers Python, HCL, YAML, JSON,
Dockerfiles and .env files alike. A 40-character token counts as a secret access key
only when a secret is named on its line, or (for a bare `value`/`default` entry) on the
lines above it in the same object: ECS `{"name": ..., "value": ...}` pairs and Terraform
`variable` blocks put the name there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlaudit_rules.helpers import is_placeholder
from mlaudit_rules.secrets._lines import lines_with

DOC_EXAMPLE_KEYS = frozenset({"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})

# Cheap whole-file gate: nothing below runs on a file without one of these.
CANDIDATE_RE = re.compile(r"A[KS]IA|ABIA|ACCA|(?i:secret|aws[-_]?sk)")
# The lines worth a look: a candidate, or a bare `value`/`default` entry (its name is above).
_LINE_RE = re.compile(CANDIDATE_RE.pattern + "|alue|efault")
# Access key ids: a 4-letter type prefix and 16 base-32 characters.
_KEY_ID_RE = re.compile(r"(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])")
# Secret access keys: 40 base-64 characters, not part of a longer token.
_SECRET_RE = re.compile(r"(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])")
_SECRET_NAME_RE = re.compile(
    r"aws.{0,20}secret|secret.{0,3}access.{0,3}key|secret[-_]?key|aws[-_]?sk\b", re.I
)
# A line that is only a generic value entry: the name it belongs to is written above.
# (One blank run per gap: `\s*[-{]?\s*` retried every split of a long run of blanks.)
_VALUE_ENTRY_RE = re.compile(r"""^\s*(?:[-{]\s*)?["']?(?:value|default)["']?\s*[:=]""", re.I)
_OBJECT_EDGE_RE = re.compile(r"[{}\[\]]|^\s*-\s")
# A presigned URL carries the access key id in clear by design (SigV4 `X-Amz-Credential=`,
# SigV2 `AWSAccessKeyId=`): the id alone signs nothing.
_PRESIGNED_BEFORE = ("x-amz-credential=", "awsaccesskeyid=")
_BASE32_RUN = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 2
_CONTEXT_LINES = 6


@dataclass(frozen=True, slots=True)
class AwsKey:
    line: int  # 1-based
    start: int  # 0-based offsets in the line
    end: int
    value: str
    kind: str  # "access key id" | "secret access key"


def _is_fake_key_id(key: str) -> bool:
    body = key[4:]
    return key.endswith("EXAMPLE") or is_placeholder(key) or len(set(body)) < 6 or (
        body in _BASE32_RUN
    )


def _looks_random(token: str) -> bool:
    """Real secret keys mix cases and digits; hashes in lower-case hex do not."""
    return (any(c.islower() for c in token) and any(c.isupper() for c in token)
            and any(c.isdigit() for c in token) and len(set(token)) >= 16)


def _names_secret(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _SECRET_NAME_RE.search(line):
        return True
    if not _VALUE_ENTRY_RE.match(line):
        return False
    # Walk up within the same object: stop after the line that opens it.
    for above in reversed(lines[max(0, index - _CONTEXT_LINES):index]):
        if _SECRET_NAME_RE.search(above):
            return True
        if _OBJECT_EDGE_RE.search(above):
            return False
    return False


def find_aws_keys(lines: list[str]) -> list[AwsKey]:
    """Every AWS key written literally in `lines`, once per (line, value)."""
    found: dict[tuple[int, str], AwsKey] = {}
    for index in lines_with(_LINE_RE, lines):
        line = lines[index]
        number = index + 1
        for match in _KEY_ID_RE.finditer(line):
            if not _is_fake_key_id(match.group(1)):
                found.setdefault((number, match.group(1)), AwsKey(
                    number, match.start(1), match.end(1), match.group(1), "access key id"))
        if len(line) < 40 or not _names_secret(lines, index):
            continue
        for match in _SECRET_RE.finditer(line):
            secret = match.group(1)
            if (secret in DOC_EXAMPLE_KEYS or is_placeholder(secret)
                    or not _looks_random(secret)):
                continue
            found.setdefault((number, secret), AwsKey(
                number, match.start(1), match.end(1), secret, "secret access key"))
    keys = sorted(found.values(), key=lambda k: (k.line, k.start))
    if any(k.kind == "secret access key" for k in keys):
        return keys  # with a secret in the file, an id in a URL is half of a pair
    # The text right before the key (a `...=$` search rescanned the whole prefix per key).
    return [k for k in keys
            if not lines[k.line - 1][max(0, k.start - 20):k.start].lower().endswith(
                _PRESIGNED_BEFORE)]
