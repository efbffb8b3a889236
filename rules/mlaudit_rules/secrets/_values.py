"""What a secret-like name is, and which values are references or placeholders, not secrets.

Shared by the MLA1xx rules so that "is this a literal secret?" has one answer everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotation only: compose models load when a compose file is parsed
    from mlaudit.models.compose import ComposeFile, EnvVar
    from mlaudit.models.ecs import TaskDefinition
    from mlaudit.models.functions import ServerlessApp
from mlaudit_rules.helpers import is_placeholder, model_loaded
from mlaudit_rules.secrets._shape import benign_value

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
# Ids of requests, traces, objects: `requestId`, `X-Amz-Cf-Id`, `x-amz-id-2`, `etag`.
_ID_KEY_RE = re.compile(
    r"(?:[-_.](?:id|Id|ID)|(?<=[a-z])(?:Id|ID))(?:[-_]?\d+)?$|(?i:request|trace|correlation|etag|nonce"
    r"|digest|checksum|hash|sha\d*|fingerprint|uuid)[-_]?\w{0,4}$|^(?i:id)$"
)
_URL_PASSWORD_RE = re.compile(r"://[^\s/@:]+:([^\s/@]+)@")
# user, password, host and database of a connection URL (`postgres://u:p@db:5432/app`).
_URL_PARTS_RE = re.compile(
    r"://([^\s/@:]+):([^\s/@]+)@(\[[^\]\s]+\]|[^\s/:?#@'\"]+)(?::\d+)?(?:/([^\s/?#'\"]*))?")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"})
_REFERENCE_RE = re.compile(
    r"^(?:\$|!|\{\{|%\(|var\.|local\.|data\.|module\.|each\.|arn:aws[\w-]*:|ssm:"
    r"|secretsmanager:|vault:|env\(|os\.environ|os\.getenv)|\{\{resolve:|\$\{\{"
)
_TYPE_WORDS = frozenset({
    "str", "string", "int", "bool", "boolean", "true", "false", "yes", "no", "on", "off",
    "required", "optional", "none", "null", "nil", "undefined", "empty", "hidden", "sensitive",
    "text", "secretstring", "securestring", "password", "secret", "token",
})
# The name a keyword hit is assigned to: the identifier before `=`, `:`, `==`, `=>`...
_KEY_BEFORE_RE = re.compile(
    r"""([\w.-]+)["'\]]*\s*(?:\[[0-9]*\])?\s*(?:[:=!]=?=?|=>)\s*[@"'`]?\s*$""")


def url_host(text: str) -> str | None:
    """The host of the first credentialed URL in `text`, lower-cased, else None."""
    match = _URL_PARTS_RE.search(text)
    return match.group(3).lower() if match else None


def local_fixture_url(text: str, local_hosts: frozenset[str] = frozenset()) -> bool:
    """A connection URL to a database that lives next to its client with a made-up
    credential: the host is the loopback or a sibling service (`local_hosts`: the other
    services of the same compose file or CI job), and the password repeats the user or
    the database name (`postgres://fraud:fraud@localhost/fraud`). Such a password is
    derived from names that are already in the file, not generated: it protects a
    throwaway local database, and it is no secret (a weak password on an exposed
    production database is another finding's business)."""
    match = _URL_PARTS_RE.search(text)
    if match is None:
        return False
    user, password, host, database = match.groups()
    hosts = LOOPBACK_HOSTS | {h.lower() for h in local_hosts}
    return host.lower() in hosts and password in {user, database}


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
        return None if (is_reference(secret) or is_placeholder(secret)
                         or benign_value(secret, "password")) else secret
    if not is_secret_name(name) or "://" in text or is_reference(text) or is_placeholder(text):
        return None
    if (text.lower() in _TYPE_WORDS or benign_value(text, name)
            or text.startswith(("/", "./", "~"))):
        return None
    return text


def key_of(line: str, value: str) -> str | None:
    """The name `value` is assigned to on `line` (`api_token` in `api_token: "…"`), if any."""
    at = line.find(value)
    before = _KEY_BEFORE_RE.search(line[:at]) if at >= 0 else None
    return before.group(1).strip(".-") if before else None


def names_id(key: str | None) -> bool:
    """The key holds an id of a request, object or digest (`X-Amz-Cf-Id`, `x-amz-id-2`,
    `requestId`, `etag`): random-looking by design, and no secret."""
    return bool(key) and bool(_ID_KEY_RE.search(key or ""))


def names_metadata(key: str | None) -> bool:
    """The key holds something about a secret (`SECRET_ARN`, `TOKEN_URL`) or an id."""
    return (bool(key) and bool(_NOT_SECRET_SUFFIX_RE.search(key or ""))) or names_id(key)


def keyword_is_not_secret(line: str, value: str) -> bool:
    """For detect-secrets' keyword hits: the key names metadata, or the value is no secret."""
    key = key_of(line, value)
    if names_metadata(key):
        return True
    text = value.strip()
    return (is_placeholder(text) or is_reference(text) or text.lower() in _TYPE_WORDS
            or benign_value(text, key) or text.startswith(("/", "./", "~")) or " " in text)


def plain_environment_secrets(deployment: Any, local_fixtures: bool = False,
                              ) -> Iterator[tuple[str, EnvVar, str]]:
    """(where, variable, secret) for literal secrets in plain deployment environments.

    A connection URL to a sibling compose service or the loopback whose password repeats
    the user or database name is a local fixture (`local_fixture_url`): skipped, unless
    `local_fixtures` (MLA102 asks for them too, to leave their lines alone).

    Shared by MLA104, which reports them, and MLA102, which leaves those lines to MLA104
    so that one literal password in a compose/ECS/Lambda environment is one finding.
    SAM Globals / Serverless provider variables are merged into every function: each
    written line is yielded once. AWS keys are MLA101's and hosted-model API keys
    MLA105's: both are skipped.
    """
    from mlaudit_rules.secrets._aws import find_aws_keys
    from mlaudit_rules.secrets._model_keys import find_model_keys

    # Each format's model is imported only when the scan read a file of it.
    composes: list[ComposeFile] = []
    tasks: list[TaskDefinition] = []
    apps: list[ServerlessApp] = []
    if model_loaded("mlaudit.models.compose"):
        from mlaudit.models.compose import ComposeFile

        composes = list(deployment.models(ComposeFile))
    if model_loaded("mlaudit.models.ecs"):
        from mlaudit.models.ecs import TaskDefinition

        tasks = list(deployment.models(TaskDefinition))
    if model_loaded("mlaudit.models.functions"):
        from mlaudit.models.functions import ServerlessApp

        apps = list(deployment.models(ServerlessApp))
    environments: list[tuple[str, Iterable[EnvVar]]] = []
    siblings: dict[str, frozenset[str]] = {}  # where -> the services next to it
    for compose in composes:
        names = frozenset(s.name for s in compose.services)
        for service in compose.services:
            where = f"compose service {service.name}"
            known = siblings.get(where)
            # Shared, not copied: a set per service of a 10,000-service file is 10^8
            # entries (gigabytes).
            siblings[where] = names if known is None or known is names else known | names
        environments += [(f"compose service {s.name}", s.environment) for s in compose.services]
    for task in tasks:
        environments += [(f"ECS container {c.name}", c.environment) for c in task.containers]
    for app in apps:
        environments += [(f"function {f.logical_name}", f.environment) for f in app.functions]
    environments += _terraform_environments(deployment)
    environments += _kubernetes_environments(deployment)
    environments += _sagemaker_environments(deployment)
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
            if find_model_keys([var.value]):
                continue  # a hosted-model API key: MLA105 reports it, by its exact shape
            if not local_fixtures and local_fixture_url(
                    var.value, siblings.get(where, frozenset())):
                continue
            yield where, var, secret


def _kubernetes_environments(deployment: Any) -> list[tuple[str, list[EnvVar]]]:
    """Kubernetes containers' `env` name/value lists (manifests, Kustomize overlays, Helm
    values): a `valueFrom` (secretKeyRef, configMapKeyRef) is a reference, no value."""
    out: list[tuple[str, list[EnvVar]]] = []
    for app in getattr(deployment, "extra_subjects", ()):
        if type(app).__name__ != "KubeApp":
            continue
        for workload in app.workloads():
            for container in (*(workload.containers or ()), *(workload.init_containers or ())):
                out.append((f"Kubernetes container {container.name} of {workload.kind} "
                            f"{workload.name}", [e.as_env_var() for e in container.env or ()]))
    return out


def _sagemaker_environments(deployment: Any) -> list[tuple[str, Iterable[EnvVar]]]:
    """The containers' environment of every SageMaker model an endpoint runs (Terraform,
    templates, SDK `env=` in deploy scripts and notebooks)."""
    out: list[tuple[str, Iterable[EnvVar]]] = []
    if not model_loaded("mlaudit.models.sagemaker"):  # no endpoint without its model
        return out
    from mlaudit.models.sagemaker import SageMakerEndpoint

    for endpoint in getattr(deployment, "extra_subjects", ()):
        if isinstance(endpoint, SageMakerEndpoint):
            out += [(f"SageMaker model {v.model.name}", v.model.environment)
                    for v in endpoint.variants if v.model is not None]
    return out


def _terraform_environments(deployment: Any) -> list[tuple[str, list[EnvVar]]]:
    """Lambda `environment { variables }` and ECS container definitions in Terraform.

    The evaluated model keeps the line of the attribute; each variable's own line is found
    in the file below it. Containers also present in a parsed task-definition JSON file
    (loaded with `file()`) are that file's: reported there once.
    """
    terraform = getattr(deployment, "terraform", None)
    if terraform is None:
        return []
    from mlaudit.models.compose import EnvVar
    from mlaudit.models.ecs import TaskDefinition

    from_json = {(c.name, v.name) for t in deployment.models(TaskDefinition)
                 for c in t.containers for v in c.environment}
    out: list[tuple[str, list[EnvVar]]] = []
    for fn in terraform.resources("aws_lambda_function"):
        for env in fn.blocks("environment"):
            variables = env.get("variables")
            if isinstance(variables, dict):
                at = env.span_of("variables")
                out.append((f"Lambda function {fn.config_address}", [
                    EnvVar(name, value, _line_of(deployment, at, name))
                    for name, value in variables.items() if isinstance(value, str)]))
    for task in terraform.resources("aws_ecs_task_definition"):
        containers = task.decoded("container_definitions")
        at = task.span_of("container_definitions")
        for container in containers if isinstance(containers, list) else []:
            if not isinstance(container, dict):
                continue
            name = str(container.get("name", "?"))
            pairs = [(e.get("name"), e.get("value")) for e in container.get("environment") or ()
                     if isinstance(e, dict)]
            out.append((f"ECS container {name} of {task.config_address}", [
                EnvVar(key, value, _line_of(deployment, at, key)) for key, value in pairs
                if isinstance(key, str) and isinstance(value, str)
                and (name, key) not in from_json]))
    return out


def _line_of(deployment: Any, at: Any, name: str) -> Any:
    """The span of the first line at or below `at` that names `name`, else `at`."""
    from mlaudit.span import Span

    source = deployment.project.file(at.path)
    try:
        lines = source.lines if source is not None else []
    except OSError:
        return at
    pattern = re.compile(rf"""(?<![\w-])["']?{re.escape(name)}["']?(?![\w-])""")
    for number in range(at.line, min(len(lines), at.line + 200) + 1):
        if lines[number - 1].lstrip().startswith(("#", "//")):
            continue  # a comment may mention the name; the assignment is what we want
        match = pattern.search(lines[number - 1])
        if match:
            return Span(at.path, number, match.start() + 1)
    return at
