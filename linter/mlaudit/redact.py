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


class SecretMask:
    """`redact_in` for many texts against one large set of secrets (every secret of a
    scan, applied to every finding's excerpt): a walk over all secrets per text is
    quadratic on a large repository. Secrets are indexed by their first characters, so a
    text is compared only with the secrets that occur in it. Same result as `redact_in`:
    a secret without '*' that does not occur in the text cannot appear by masking others
    (a mask keeps a prefix in place and adds only '*')."""

    _GRAM = 4

    def __init__(self, secrets: list[str] | tuple[str, ...] | set[str]) -> None:
        ordered = [s for s in sorted(secrets, key=len, reverse=True) if s]
        self._rank = {s: i for i, s in enumerate(ordered)}
        self._always = [s for s in ordered if len(s) < self._GRAM or "*" in s]
        self._by_gram: dict[str, list[str]] = {}
        for secret in ordered:
            if len(secret) >= self._GRAM and "*" not in secret:
                self._by_gram.setdefault(secret[:self._GRAM], []).append(secret)

    def __call__(self, text: str) -> str:
        if not self._rank:
            return text
        found = set(self._always)
        gram = self._GRAM
        by_gram = self._by_gram
        for start in range(len(text) - gram + 1):
            hits = by_gram.get(text[start:start + gram])
            if hits:
                found.update(s for s in hits if s in text)
        for secret in sorted(found, key=self._rank.__getitem__):
            text = text.replace(secret, redact(secret))
        return text


# URL userinfo (`scheme://user:password@`); bounded repetitions keep it linear.
_USERINFO_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,30}://)[^/\s@'\"]{1,512}@")
# A quoted stretch of a message (bounded; quotes of both kinds).
_QUOTED_RE = re.compile(r"'([^'\n]{1,4096})'|\"([^\"\n]{1,4096})\"")
# Quoted text that is a name, not a value: parser terminals (STRING_LIT), directives,
# short punctuation and blanks (a newline shown escaped), and words.
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z_.-]{0,23}|(?:\\[nrt]|[^A-Za-z0-9]){1,8}")


def scrub(message: str) -> str:
    """A diagnostic message with what may be a secret masked, before anything prints it.

    Parser errors quote the offending source text (an HCL string, a YAML scalar, an
    nginx argument), which may be the very password a finding redacts. URL userinfo and
    every quoted value that is not a short name are masked.
    """
    message = _USERINFO_RE.sub(r"\1****@", message)

    def mask(match: re.Match[str]) -> str:
        quote = "'" if match.group(1) is not None else '"'
        value = match.group(1) if match.group(1) is not None else match.group(2)
        if _NAME_RE.fullmatch(value):
            return match.group(0)
        return f"{quote}{redact(value)}{quote}"

    return _QUOTED_RE.sub(mask, message)


def printable_token(token: str) -> str:
    """A source token for a message: short words as written, anything else masked."""
    return token if _NAME_RE.fullmatch(token) and len(token) <= 16 else redact(token)


_KEY_SHAPES = (
    # AWS access key ids.
    re.compile(r"(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])"),
    # A long value assigned to a name that says it is secret: `password = "..."`,
    # `API_TOKEN: ...`, `--secret-key=...`.
    re.compile(r"(?i)(?:secret|passw(?:or)?d|token|api[_-]?key|private[_-]?key|credential)"
               r"[A-Za-z0-9_.-]*[\"']?\s*[:=]\s*[\"']?([^\s\"',;]{8,})"),
)


def mask_key_shapes(text: str) -> str:
    """Mask values shaped like credentials in text shown to users (a source excerpt),
    whether or not a rule reported them: the rule may not have been selected."""
    for pattern in _KEY_SHAPES:
        text = pattern.sub(lambda m: m.group(0).replace(m.group(1), redact(m.group(1))), text)
    return text
