"""A value judged by itself: could it be a secret, and how to say why without showing it.

Names mislead in both directions (`password_expire: never`, `secrets: inherit`), so the
MLA1xx rules ask the value: a secret is a run of characters nobody would type as a word.
Words, numbers, templates, references, masked or placeholder text and public keys are not.
Pure string work, no imports beyond `re`: this runs on the pre-commit path.
"""

from __future__ import annotations

import re

# A fragment of a template or of a reference split over lines or joined by an intrinsic:
# `{{resolve:secretsmanager:` ... `:SecretString:password}}`, `${ssm:/x}`, `{% raw %}`.
_TEMPLATE_RE = re.compile(
    r"\{\{|\}\}|\$\{|\{%|%\}|<%|%>|(?i:resolve:|secretsmanager:|ssm:|arn:aws)")
# Public halves of key pairs and certificates: meant to be shared.
PUBLIC_KEY_RE = re.compile(
    r"ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-|sk-ssh-|BEGIN (?:[A-Z0-9]+ )*PUBLIC KEY|BEGIN CERTIFICATE"
    r"|AAAA[BC]3NzaC1|AAAAE2VjZHNh"
)
# Masked, elided or obviously made-up values.
_MASKED_RE = re.compile(
    r"(?i)x{3}|\*{3}|\.{3}|…|^<.*>$|^\[.*\]$|^\(.*\)$|example|placeholder|sample|dummy"
    r"|change[-_]?me|replace[-_]?me|your[-_]")
_DUMMY_RE = re.compile(
    r"(?i)^(?:\d{1,15}|abc\d*|(?:abc)?(?:123)+\d*|(?:pass(?:word)?|secret|test|admin|demo|qwerty)\d{0,6}"
    r"|foo|bar|baz|foobar|letmein|[a-z]{1,3}\d{0,3})$"
)
# Words that make a value of words a placeholder: "YOUR-SECRET-HERE", "replace_me".
_PLACEHOLDER_WORDS = frozenset({
    "your", "my", "replace", "change", "changeme", "changethis", "here", "insert", "enter",
    "put", "fill", "todo", "tbd", "fixme", "example", "sample", "dummy", "fake", "mock", "test",
    "placeholder", "redacted", "secret", "password", "token", "key", "none", "null", "value",
})
# Further words that mark a *phrase* of words as a stand-in (`dev-jwt-secret-change-me`,
# `insecure-local-key`): said of a value, they say it is not the real one. Only in phrases:
# a lone `demo` under a password key stays a weak password.
_PHRASE_MARKERS = _PLACEHOLDER_WORDS | frozenset({
    "dev", "development", "local", "demo", "insecure", "unsafe", "default", "strong",
    "generate", "generated", "random", "real", "actual", "own", "new", "rotate", "set",
})
_WORDS_RE = re.compile(r"^[A-Za-z]+(?:[-_. ][A-Za-z]+)*$")
_PART_RE = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]+|[A-Z]")
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_CONSONANT_RUN_RE = re.compile(r"[^aeiouy]{5}", re.I)


def is_uuid(value: str) -> bool:
    return bool(_UUID_RE.match(value.strip()))


def _wordlike(part: str) -> bool:
    """A dictionary-ish word or an acronym: `never`, `Secret`, `SSM`; not `qwkRtz`."""
    if part.isupper() and len(part) <= 5:
        return True
    return (len(part) >= 2 and bool(re.search(r"[aeiouy]", part, re.I))
            and not _CONSONANT_RUN_RE.search(part))


# Words that configure how a secret is handled, not what it is: `password_expire: never`,
# `secrets: inherit`, `secretKey: credentials` (the name of a Kubernetes secret).
_ENUM_WORDS = frozenset({
    "never", "always", "auto", "automatic", "none", "inherit", "inherited", "required",
    "optional", "enabled", "disabled", "enable", "disable", "true", "false", "default",
    "strict", "lax", "plain", "plaintext", "hidden", "masked", "env", "environment", "file",
    "files", "vault", "credentials", "credential", "secrets", "secret", "password", "token",
    "basic", "bearer", "oauth", "jwt", "random", "generated", "generate", "local", "static",
    "dynamic", "managed", "external", "internal", "prompt", "unset", "empty", "null", "nil",
    "undefined", "string", "text", "sensitive", "invalid", "incorrect", "wrong", "unknown",
    "anonymous", "public", "private", "manual", "ignore", "skip", "off",
})
# A key whose last word is the secret itself (`POSTGRES_PASSWORD`, `api_key`, `authToken`):
# a lone ordinary word there is a weak password (`nextcloud`), not an enum.
_SECRET_NOUN_END_RE = re.compile(
    r"(?i)(?:pass(?:wd|word|phrase)?|pwd|secret|token|api[-_]?key|apikey|private[-_]?key"
    r"|secret[-_]?key|auth[-_]?key|access[-_]?key)$")


def _phrase_parts(value: str) -> list[str] | None:
    """The words of a phrase, or None: two or more alphabetic chunks joined by `-` or `_`
    (`replace-with-strong-jwt-secret`), each a word-like part or a short acronym written
    in lower case (`jwt`, `db`, `api`), with at least one real word of four letters."""
    chunks = re.split(r"[-_]", value)
    if len(chunks) < 2 or not all(c.isalpha() and c.isascii() for c in chunks):
        return None
    parts = [p for chunk in chunks for p in _PART_RE.findall(chunk)]
    if not all(_wordlike(p) or len(p) <= 4 for p in parts):
        return None
    if not any(len(p) >= 4 and _wordlike(p) for p in parts):
        return None
    return parts


def is_phrase(value: str) -> bool:
    """Words joined by `-` or `_`: written by a person, so never "random-looking"."""
    return _phrase_parts(value.strip()) is not None


def is_words(value: str, key: str | None = None) -> bool:
    """An enum-like word or identifier (`never`, `AUTO`, `githubSecret`, `read_only`), or
    placeholder words (`YOUR-SECRET-HERE`): letters only, each part word-like. Under a key
    that names the secret itself, a lone lower-case word is a weak password unless it is
    a known setting word: `POSTGRES_PASSWORD: nextcloud` is a secret, `never` is not."""
    if not _WORDS_RE.match(value):
        return False
    phrase = _phrase_parts(value)
    if phrase is not None and any(p.lower() in _PHRASE_MARKERS or p.lower() in _ENUM_WORDS
                                  for p in phrase):
        return True  # a stand-in phrase: `dev-jwt-secret-change-me`
    parts = [p for chunk in re.split(r"[-_. ]", value) for p in _PART_RE.findall(chunk)]
    if not parts or not all(_wordlike(p) for p in parts):
        return False
    if any(p.lower() in _PLACEHOLDER_WORDS or p.lower() in _ENUM_WORDS for p in parts):
        return True
    if (len(parts) == 1 and not value.isupper() and key is not None
            and _SECRET_NOUN_END_RE.search(key.strip("'\"")) and len(value) >= 5):
        return False
    # A passphrase of four or more words is a secret; one to three words are a name.
    return len(parts) <= 3 and len(value) <= 32


def benign_value(value: str, key: str | None = None) -> bool:
    """True when the value itself cannot be a secret. `key`, the name it is given, only
    decides whether a lone word is a weak password or a setting (see `is_words`)."""
    text = value.strip().strip("'\"`").strip()
    if len(text) < 4:
        return True
    return bool(_TEMPLATE_RE.search(text) or PUBLIC_KEY_RE.search(text)
                or _MASKED_RE.search(text) or _DUMMY_RE.match(text) or is_words(text, key))


def shape(value: str) -> str:
    """Length and character classes of a value, never the value: "40 characters, mixed
    case and digits"."""
    text = value.strip()
    if is_uuid(text):
        return f"{len(text)} characters, UUID-shaped"
    classes: list[str] = []
    lower, upper = any(c.islower() for c in text), any(c.isupper() for c in text)
    digits = any(c.isdigit() for c in text)
    symbols = any(not c.isalnum() for c in text)
    if lower and upper:
        classes.append("mixed case")
    elif lower or upper:
        classes.append("hex" if all(c in "0123456789abcdefABCDEF" for c in text) and digits
                       else "letters")
    if digits and not (classes and classes[-1] == "hex"):
        classes.append("digits")
    if symbols:
        classes.append("symbols")
    described = " and ".join([", ".join(classes[:-1]), classes[-1]] if len(classes) > 1
                             else classes)
    return f"{len(text)} characters, {described or 'no letters or digits'}"
