"""Credential file committed

## What it flags
A file whose whole purpose is to hold credentials, inside the repository (and not
ignored by `.gitignore`): a `.env` file with secret-named variables set to literal values
(`DB_PASSWORD=…`, `HF_TOKEN=…`, a password inside `DATABASE_URL`), an AWS shared
credentials file (`.aws/credentials`) with keys in it, or a private key file (`*.pem`,
`*.key`, `id_rsa`, `id_ed25519`…) that really holds a private key block. One finding per
file: at the first secret line of a `.env`, at the first profile of `.aws/credentials`, at the
`BEGIN … PRIVATE KEY` line of a key file.

Not flagged: ignored files, `.env` files with only references, empty values or
placeholders (`.env.example` with `API_TOKEN=<your-token>`), a `.pem` holding only a
certificate or a public key. A `.env` whose only secrets are AWS keys is left to MLA101,
which reports those very lines; the `.aws/credentials` finding sits on its profile
header, apart from MLA101's findings on the key lines, because deleting the file is a fix
of its own.

## Why it matters
Whoever can read the repository can read these files, and they stay in git history after
deletion. Private keys and credential files are what attackers grep a leaked repository
for first.

## How to fix
Revoke and rotate what the file holds, delete it from the repository (and its history if
it was pushed), add it to `.gitignore`, and commit a `.env.example` with placeholders.

## Example
```text
# .env (committed)
MODEL_NAME=sentiment-v3
HF_TOKEN=hf_wQ7rKp2ZxY9tLm4VbN8cJd3SgF6hTa1UeR
```

```text
# .env.example (committed; the real .env is in .gitignore)
MODEL_NAME=sentiment-v3
HF_TOKEN=<your-hugging-face-token>
```

## References
- https://cwe.mitre.org/data/definitions/540.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.roles import Role
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Severity
from mlaudit.sources import FileKind, SourceFile
from mlaudit.span import Span
from mlaudit_rules.helpers import is_placeholder
from mlaudit_rules.secrets._aws import find_aws_keys
from mlaudit_rules.secrets._values import literal_secret

RULE = Rule(
    id="MLA103",
    name="credential-file-committed",
    title="Credential file committed",
    severity=Severity.HIGH,
    category=Category.SECRETS,
    target=SourceFile,
    confidence=Confidence.HIGH,
    tags=("credentials", "cwe-540"),
    # A template (`.env.example`) is meant to be committed; a real secret in one is still
    # reported, by value, by MLA102.
    roles=frozenset({Role.DEPLOYMENT, Role.LOCAL_DEV}),
    docs=__doc__ or "",
)

_KEY_BLOCK_RE = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key")
_AWS_ENTRY_RE = re.compile(r"^\s*(aws_access_key_id|aws_secret_access_key|aws_session_token)"
                           r"\s*=\s*(\S+)", re.I)


def _dotenv(source: SourceFile, ctx: RuleContext) -> Iterator[Finding]:
    from mlaudit.models.dotenv import DotEnv  # only for .env files: keep other scans light

    project = getattr(ctx.deployment, "project", None)
    model = project.models.get(source.path) if project is not None else None
    if not isinstance(model, DotEnv):
        return  # unparsed: cannot tell
    aws = {k.value for k in find_aws_keys(source.lines)}
    found = [(e, s) for e in model.entries
             if (s := literal_secret(e.name, e.value)) is not None and s not in aws]
    if found:
        names = ", ".join(dict.fromkeys(e.name for e, _ in found))
        yield ctx.finding(f".env file {source.path} is committed with secret values ({names})",
                          found[0][0].span, key=source.path, secrets=[s for _, s in found])


@RULE.check
def check(source: SourceFile, ctx: RuleContext) -> Iterator[Finding]:
    if source.kind is FileKind.DOTENV:
        yield from _dotenv(source, ctx)
    elif source.kind is FileKind.AWS_CREDENTIALS:
        lines = source.lines
        values = [m.group(2) for line in lines if (m := _AWS_ENTRY_RE.match(line))]
        values = [v for v in values if not is_placeholder(v)]
        # At the first profile header, a line that holds no key itself.
        first = next((i for i, line in enumerate(lines, 1) if line.lstrip().startswith("[")), 1)
        if values:
            yield ctx.finding(f"AWS credentials file {source.path} is committed with keys",
                              Span(source.path, first), key=source.path, secrets=values)
    elif source.kind is FileKind.PRIVATE_KEY:
        for number, line in enumerate(source.lines, start=1):
            if _KEY_BLOCK_RE.search(line):
                yield ctx.finding(f"private key file {source.path} is committed",
                                  Span(source.path, number), key=source.path)
                return
