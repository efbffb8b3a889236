"""Hardcoded secret

## What it flags
A secret written literally into any file mlaudit reads, found by the detect-secrets
plugins: private key blocks, GitHub/GitLab/Slack/Stripe/SendGrid/Twilio/npm/PyPI
tokens, JSON web tokens, passwords in URLs (`postgres://app:…@db`), secret-named
values (`password = "…"`, `API_TOKEN: …`, a UUID-shaped `api_key`), Slack and Microsoft
Teams incoming webhook URLs, and random-looking strings of a secret's size. A secret's
name may sit on the line above its value: Kubernetes-style environment lists
(`- name: DB_PASSWORD` then `value: …`) and the defaults of secret-named SAM /
CloudFormation parameters (`DbPassword:` … `Default: …`) and Terraform variables
(`variable "db_password" { default = … }`) are read as `name: value`. The message
says why the value looks secret (its kind, key, length and character classes), never
the value. A lone word under a password key (`POSTGRES_PASSWORD: nextcloud`) is a weak
password and words joined by `-` or `_` with no stand-in word among them
(`correct-horse-battery-staple`) a passphrase: both are reported, as words, not as random.

A secret-named key is not enough: the value is judged by itself. Not flagged: words and
identifiers (`password_expire: never`, `secrets: inherit`, `SSM`, `auto`), placeholders
(`changeme`, `REPLACE_ME`, `YOUR-SECRET-HERE`, `<token>`, `xxx…`, `TODO`, `dummy`,
`abc123`, and words joined by `-` or `_` with a stand-in word: `dev-jwt-secret-change-me`,
`replace-with-strong-jwt-secret`), numbers, templates and references even when split over
lines (`${VAR}`, `{{ var }}`, `{{resolve:secretsmanager:…}}`, `${ssm:…}`, `${env:…}`,
`${{ secrets.X }}`, `var.x`, `os.environ[...]`, `!Ref`, `arn:aws:…`), public keys (`ssh-rsa AAAA…`,
`ssh-ed25519`, PEM public keys and certificates), AWS keys (MLA101 reports them), UUIDs
except under a secret-named key, sequential strings, ids (`*_id`, `requestId`,
`X-Amz-Cf-Id`), names that only describe a secret (`SECRET_ARN`, `PASSWORD_FILE`,
`TOKEN_URL`), digests and commit ids, connection URLs to the loopback whose password
repeats the user or database name (`postgres://app:app@localhost/app`), in a GitHub
workflow the `env` of a job's `services:` containers and URLs from the job to those
containers or the loopback (throwaway CI databases; a token-shaped value there still
fires), lines marked `# pragma: allowlist secret`, and
`.env`/credential/key files (MLA103 reports the file), Jupyter notebooks (their quoted code and
widget ids read as secrets to the generic detectors), and API keys of hosted model
services, OpenAI, Anthropic, Hugging Face and others (MLA105 reports them).

## Why it matters
A committed secret is readable by everyone with the repository, its forks, CI logs and
every image built from it, and stays in git history after it is deleted from the file.
Tokens of a model service usually reach the model registry, the feature store or a paid
inference API.

## How to fix
Revoke and rotate the secret first. Then read it at runtime from the environment,
injected from a secret store: ECS `secrets` with `valueFrom`, Lambda with Secrets Manager,
`${{ secrets.X }}` in GitHub Actions, compose `secrets:` or an untracked `.env`.

## Example
```python
import requests

HF_TOKEN = "hf_wQ7rKp2ZxY9tLm4VbN8cJd3SgF6hTa1UeR"
requests.get(url, headers={"Authorization": f"Bearer {HF_TOKEN}"})
```

```python
import os

import requests

requests.get(url, headers={"Authorization": f"Bearer {os.environ['HF_TOKEN']}"})
```

## References
- https://github.com/Yelp/detect-secrets
- https://cwe.mitre.org/data/definitions/798.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.roles import Role
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Severity
from mlaudit.sources import SourceFile
from mlaudit.span import Span
from mlaudit_rules.helpers import model_loaded
from mlaudit_rules.secrets._analysis import ANALYSIS, file_secrets, reads_generic
from mlaudit_rules.secrets._detect import LABELS, TEAMS_WEBHOOK, Detected
from mlaudit_rules.secrets._shape import is_phrase, shape
from mlaudit_rules.secrets._values import plain_environment_secrets
from mlaudit_rules.secrets._workflow import ci_fixtures

RULE = Rule(
    id="MLA102",
    name="secret-hardcoded",
    title="Hardcoded secret",
    severity=Severity.HIGH,
    category=Category.SECRETS,
    target=SourceFile,
    confidence=Confidence.MEDIUM,
    tags=("credentials", "cwe-798"),
    roles=frozenset({Role.DEPLOYMENT, Role.LOCAL_DEV, Role.EXAMPLE}),
    role_severity={Role.EXAMPLE: Severity.MEDIUM},
    analyses=(ANALYSIS,),
    docs=__doc__ or "",
)

# Specific detectors first: of overlapping hits on a line, the most specific is reported.
_GENERIC_RANK = {"Secret Keyword": 1, "Base64 High Entropy String": 2,
                 "Hex High Entropy String": 3}


def _one_per_secret(hits: list[Detected]) -> list[Detected]:
    kept: list[Detected] = []
    for hit in sorted(hits, key=lambda h: (h.line, _GENERIC_RANK.get(h.secret_type, 0))):
        end = hit.start + len(hit.value)
        if not any(k.line == hit.line and (k.value == hit.value or (
                hit.start >= 0 and k.start >= 0 and hit.start < k.start + len(k.value)
                and k.start < end)) for k in kept):
            kept.append(hit)
    return kept


_ENV_LINES: list[tuple[object, frozenset[tuple[str, int]]]] = []


def _environment_lines(deployment: object) -> frozenset[tuple[str, int]]:
    """The (path, line) of MLA104's findings, computed once per scan's deployment."""
    if deployment is None:
        return frozenset()
    if _ENV_LINES and _ENV_LINES[0][0] is deployment:
        return _ENV_LINES[0][1]
    lines = frozenset((v.span.path, v.span.line) for _, v, _ in
                      plain_environment_secrets(deployment, local_fixtures=True))
    _ENV_LINES[:] = [(deployment, lines)]
    return lines


@RULE.check
def check(source: SourceFile, ctx: RuleContext) -> Iterator[Finding]:
    if not reads_generic(source):
        # Notebooks are read for hosted-model keys only (MLA105, by exact shape): their
        # JSON quotes every code line, and saved outputs hold widget ids and generated
        # names that the entropy and keyword plugins take for secrets.
        return
    # Found once per file content, cached, and only on lines that could hold a secret: a
    # clean file never imports detect-secrets.
    found = file_secrets(source)
    if not found.detected:
        return
    lines = source.text.splitlines()
    # A literal secret in a compose/ECS/Lambda environment is MLA104's finding (one fact,
    # one finding: its fix is to move the value to a secret store).
    env_lines = {line for path, line in _environment_lines(ctx.deployment) if path == source.path}
    aws = found.aws
    # Hosted-model API keys are MLA105's (critical, by their exact shape): one key, one finding.
    model_keys = found.model_keys
    taken = [(k.line, k.value) for k in aws] + [(k.line, k.value) for k in model_keys]
    hits = [h for h in found.detected
            if not any(line == h.line and (value in h.value or h.value in value)
                       for line, value in taken)]
    on_line: dict[int, list[str]] = {}
    for line, value in [*((h.line, h.value) for h in hits), *((k.line, k.value) for k in aws)]:
        on_line.setdefault(line, []).append(value)
    # A CI job's service containers and the URLs reaching them hold throwaway credentials.
    workflow = ctx.deployment.project.models.get(source.path) \
        if ctx.deployment is not None else None
    fixtures = None
    if model_loaded("mlaudit.models.workflow"):  # no workflow parsed: not even imported
        from mlaudit.models.workflow import Workflow

        if isinstance(workflow, Workflow):
            fixtures = ci_fixtures(workflow, len(lines))
    for hit in _one_per_secret(hits):
        if hit.line in env_lines or (fixtures is not None and fixtures.quiet(
                hit.line, lines[hit.line - 1], hit.secret_type, hit.value)):
            continue
        label = LABELS.get(hit.secret_type, hit.secret_type)
        span = Span(source.path, hit.line, hit.start + 1 if hit.start >= 0 else 1)
        if hit.secret_type == "Private Key":  # the match is the header, not the secret
            span = Span(source.path, hit.line, lines[hit.line - 1].find("-----") + 1)
            yield ctx.finding(f"a private key block is hardcoded in {source.path}", span,
                              secrets=on_line[hit.line])
            continue
        # All values of the line are redacted, so the default key (the line) keeps none.
        yield ctx.finding(_explain(hit, label), span, secrets=on_line[hit.line])


_IDENTIFIER_RE = re.compile(r"^[A-Za-z_][\w.-]{0,63}$")


def _explain(hit: Detected, label: str) -> str:
    """Why the value looks secret (its kind, key, length and characters), never the value."""
    if hit.secret_type == "Slack Token" and "hooks.slack.com" in hit.value:
        return "Slack incoming webhook URL is hardcoded: anyone with it can post to the channel"
    if hit.secret_type == TEAMS_WEBHOOK:
        return ("Microsoft Teams incoming webhook URL is hardcoded: anyone with it can post "
                "to the channel")
    key = hit.key if hit.key and _IDENTIFIER_RE.match(hit.key) else None
    under = f" under key `{key}`" if key and hit.secret_type != "Basic Auth Credentials" else ""
    if hit.secret_type.endswith("High Entropy String") or hit.secret_type == "Secret Keyword":
        # A word under a password name is a weak password, and words joined by `-` or `_`
        # a passphrase: neither is random, so say which.
        kind = ("a literal word" if hit.value.isalpha() else "a phrase of words"
                if is_phrase(hit.value) else "it looks random")
        return f"{label}{under} is hardcoded: {kind} ({shape(hit.value)})"
    return f"{label}{under} is hardcoded ({shape(hit.value)})"
