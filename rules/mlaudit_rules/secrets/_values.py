"""What a secret-like name is, and which values are references or placeholders, not secrets.

Shared by the MLA1xx rules so that "is this a literal secret?" has one answer everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotation only: compose models load when a compose file is parsed
    from mlaudit.models.compose import EnvVar
from mlaudit_rules.helpers import is_placeholder

# Names that hold a secret: DB_PASSWORD, API_KEY, HF_TOKEN, STRIPE_SECRET, GCP_CREDENTIALS...
SECRET_NAME_RE = re.compile(
    r"(?i)pass(?:wd|word|phrase)?(?![a-z])|pwd$|secret|token|api[-_]?key|apikey|private[-_]?key"
    r"|access[-_]?key|auth[-_]?key|client[-_]?key|signing[-_]?key|encryption[-_]?key"
    r"|credentials?$|(?:^|_)(?:dsn|database_url|db_url|connection_string)$"
)
# ...unless the name says it holds something *about* the secret: where it is, its name, its
# id or its size (SECRET_ARN, TOKEN_URL, PASSWORD_FILE, API_KEY_NAME, TOKEN_TTL).
_NOT_SECRET_SUFFIX_RE = re.compile(
    r"(?i)(?:name|names|id|ids|arn|ref|path|file|dir|url|uri|endpoint|host|type|kind|version"
    r"|env|enabled|length|len|size|count|ttl|expiry|expires|expiration|field|header|prefix"
    r"|suffix|param|parameter|policy|manager|store|provider|mode|format|algorithm|rotation"
    r"|region|location|source|label|key_name|secret_name|from)$"
)
_URL_PASSWORD_RE = re.compile(r"://[^\s/@:]+:([^\s/@]+)@")
_REFERENCE_RE = re.compile(
    r"^(?:\$|!|\{\{|%\(|var\.|local\.|data\.|module\.|each\.|arn:aws[\w-]*:(?:secretsmanager|ssm"
    r"|kms):|ssm:|secretsmanager:|vault:|env\(|os\.environ|os\.getenv)|\{\{resolve:|\$\{\{"
)
_TYPE_WORDS = frozenset({
    "str", "string", "int", "bool", "boolean", "true", "false", "yes", "no", "on", "off",
    "required", "optional", "none", "null", "nil", "undefined", "empty", "hidden", "sensitive",
    "text", "secretstring", "securestring", "password", "secret", "token",
})
# The name a keyword hit is assigned to: the identifier before `=`, `:`, `==`, `=>`...
_KEY_BEFORE_RE = re.compile(
    r"""([\w.-]+)["'\]]*\s*(?:\[[0-9]*\])?\s*(?:[:=!]=?=?|=>)\s*[@"'`]?\s*$""")


def is_reference(value: str) -> bool:
    """A value that points at a secret held elsewhere: `${VAR}`, `var.x`, `!Ref`, an ARN..."""
    return bool(_REFERENCE_RE.search(value.strip().strip("'\"")))


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME_RE.search(name)) and not _NOT_SECRET_SUFFIX_RE.search(name)


def literal_secret(name: str, value: str | None) -> str | None:
    """The raw secret when `name` holds a secret and `value` is a literal one, else None.

    A URL-shaped value (DATABASE_URL) counts only for the password it embeds.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    embedded = _URL_PASSWORD_RE.search(text)
    if embedded:
        secret = embedded.group(1)
        return None if is_reference(secret) or is_placeholder(secret) else secret
    if not is_secret_name(name) or "://" in text or is_reference(text) or is_placeholder(text):
        return None
    if text.lower() in _TYPE_WORDS or len(text) < 4 or text.startswith(("/", "./", "~")):
        return None
    return text


def keyword_is_not_secret(line: str, value: str) -> bool:
    """For detect-secrets' keyword hits: the key names metadata, or the value is no secret."""
    at = line.find(value)
    before = _KEY_BEFORE_RE.search(line[:at]) if at >= 0 else None
    if before and _NOT_SECRET_SUFFIX_RE.search(before.group(1)):
        return True
    text = value.strip()
    return (is_placeholder(text) or is_reference(text) or text.lower() in _TYPE_WORDS
            or len(text) < 4 or text.startswith(("/", "./", "~")) or " " in text)


def plain_environment_secrets(deployment: Any) -> Iterator[tuple[str, EnvVar, str]]:
    """(where, variable, secret) for literal secrets in plain deployment environments.

    Shared by MLA104, which reports them, and MLA102, which leaves those lines to MLA104
    so that one literal password in a compose/ECS/Lambda environment is one finding.
    SAM Globals / Serverless provider variables are merged into every function: each
    written line is yielded once. AWS keys are MLA101's and are skipped.
    """
    from mlaudit.models.compose import ComposeFile
    from mlaudit.models.ecs import TaskDefinition
    from mlaudit.models.functions import ServerlessApp
    from mlaudit_rules.secrets._aws import find_aws_keys

    environments: list[tuple[str, Iterable[EnvVar]]] = []
    for compose in deployment.models(ComposeFile):
        environments += [(f"compose service {s.name}", s.environment) for s in compose.services]
    for task in deployment.models(TaskDefinition):
        environments += [(f"ECS container {c.name}", c.environment) for c in task.containers]
    for app in deployment.models(ServerlessApp):
        environments += [(f"function {f.logical_name}", f.environment) for f in app.functions]
    seen: set[tuple[str, int, str]] = set()
    for where, variables in environments:
        for var in variables:
            marker = (var.span.path, var.span.line, var.name)
            if marker in seen or var.value is None or var.is_unresolved:
                continue  # set at run time or by an intrinsic: cannot tell
            seen.add(marker)
            secret = literal_secret(var.name, var.value)
            if secret is None or find_aws_keys([f'{var.name} = "{var.value}"']):
                continue
            yield where, var, secret
