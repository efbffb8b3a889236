"""Redaction of secret values. Applied when a finding is built, never later."""

from __future__ import annotations

import re

_MIN_VISIBLE_LENGTH = 12


def redact(secret: str) -> str:
    """Mask a secret so that it can be recognised by a human but not reused.

    AWS access key ids keep their 4-character type prefix (AKIA/ASIA tell the reader what
    kind of key it is); everything else keeps at most its first 2 characters.
    """
    if not secret:
        return secret
    keep = 4 if re.match(r"^(AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)", secret) else 2
    if len(secret) < _MIN_VISIBLE_LENGTH:
        keep = 0
    return secret[:keep] + "*" * max(4, min(len(secret) - keep, 16))


def redact_in(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """Replace every occurrence of each secret in text with its redacted form."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, redact(secret))
    return text
