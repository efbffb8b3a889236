"""detect-secrets as the engine of MLA102, behind a cheap pre-filter.

Importing detect-secrets costs about 0.15 s (it pulls in `requests`), as much as a whole
pre-commit run on one file, so `candidate_lines` first keeps only the lines that could hold
a secret; with none, detect-secrets is never imported. The candidates are then scanned
with every detect-secrets plugin except the AWS one (MLA101 owns AWS keys) and the
public-IP one (an address is not a secret), inside `transient_settings` so the library's
global settings never leak between files, and never with verification (no network).
The library's heuristic filters are applied explicitly, plus mlaudit's own
(`mlaudit_rules.secrets._values`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mlaudit import limits
from mlaudit_rules.secrets._lines import lines_with
from mlaudit_rules.secrets._shape import PUBLIC_KEY_RE, benign_value, is_uuid
from mlaudit_rules.secrets._values import (
    is_reference,
    is_secret_name,
    key_of,
    keyword_is_not_secret,
    literal_secret,
    local_fixture_url,
    names_id,
    names_metadata,
)

# Secret-like words (detect-secrets' keyword list and a few more), known token prefixes and
# headers, basic-auth URLs, and quoted base-64 runs long enough for the entropy plugins.
# Matched against the lower-cased text: a case-insensitive alternation over whole files
# was the slowest part of a warm scan of a large repository.
_KEYWORD_LOWER_RE = re.compile(
    r"pass|pwd|secret|token|api_?key|auth|service_?key|account_?key|db_?key|priv"
    r"|client_?key|credential|contrase"
)
_PREFIX_RE = re.compile(
    r"-----BEGIN|PuTTY-User-Key|gh[pousr]_|github_pat_|gl[a-z]{2,5}-|GR1348941|xox[abposr]-"
    r"|hooks\.slack\.com|[rs]k_live_|sk-|SG\.|AC[a-z0-9]{32}|SK[a-z0-9]{32}|eyJ|npm_|pypi-"
    r"|AKC[a-zA-Z0-9]|AccountKey=|sq0csp-|://[^\s/@:]+:[^\s/@]+@|webhook\.office\.com"
)
_QUOTED_TOKEN_RE = re.compile(r"""["']([A-Za-z0-9+/=_-]{20,})["']""")


def _random_looking(token: str) -> bool:
    """Mixed case and digits (base64-like), or a hex run; not an identifier such as
    "aws_ecs_task_definition", which every Terraform file is full of."""
    if any(c.isdigit() for c in token):
        if any(c.islower() for c in token) and any(c.isupper() for c in token):
            return True
        return all(c in "0123456789abcdef" for c in token)
    return False


def could_hold_secret(text: str) -> bool:
    """The cheap pre-filter: a secret keyword or known token prefix, or a random-looking
    quoted token. Anything else never reaches detect-secrets (nor imports it)."""
    if _PREFIX_RE.search(text) or _KEYWORD_LOWER_RE.search(text.lower()):
        return True
    return any(_random_looking(m.group(1)) for m in _QUOTED_TOKEN_RE.finditer(text))
_SKIPPED_PLUGINS = {"AWSKeyDetector", "IPPublicDetector"}
_ENTROPY_LIMITS = {"Base64HighEntropyString": 4.5, "HexHighEntropyString": 3.0}
_GENERIC_TYPES = {"Secret Keyword", "Base64 High Entropy String", "Hex High Entropy String"}
# Entropy plugins see any long quoted string: only strings of a secret's size count, and
# never on a line that says it holds a digest or an id.
_ENTROPY_LENGTH = range(20, 201)
_DIGEST_LINE_RE = re.compile(
    r"(?i:sha\d*|md5|hash|digest|checksum|integrity|etag|commit|revision|fingerprint|uuid)")
_SECRET_WORD_RE = re.compile(r"(?i:secret|token|key|pass|pwd|auth|credential)")
_DELIMITERS = " \t=:\"'"
LABELS = {"Secret Keyword": "secret value", "Basic Auth Credentials": "password in a URL",
          "Base64 High Entropy String": "high-entropy string",
          "Hex High Entropy String": "high-entropy hex string"}
TEAMS_WEBHOOK = "Microsoft Teams Webhook"
# Teams incoming webhooks (and the older outlook.office.com form): anyone holding the URL
# can post into the channel. detect-secrets has no plugin for them.
_TEAMS_RE = re.compile(
    r"https://[\w.-]*(?:webhook\.office\.com/webhookb2|outlook\.office(?:365)?\.com/webhook)"
    r"/[\w@-]+/IncomingWebhook/\w+/[\w-]+")
# `name: value` / `name = value` lines for the secret names detect-secrets' keyword plugin
# does not know (it has no `token`): API_TOKEN=…, hf_token: …, "auth_token": "…".
_ASSIGNMENT_RE = re.compile(
    r"""^\s*(?:export\s+|ENV\s+|ARG\s+|-\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*(?::|=|:=)\s*"""
    r"""(["']?)([\w+/=.~-]{12,200})["']?\s*(?:,\s*)?(?:#.*)?$""")  # one \s* per gap: linear
# In source code an unquoted right-hand side is an expression (`token = parts[1]`).
_CODE_SUFFIXES = (".py", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".go", ".java", ".rb", ".php",
                  ".cs", ".kt", ".rs", ".scala", ".swift", ".c", ".cc", ".cpp", ".h")
_PEM_PUBLIC_RE = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*(?:PUBLIC KEY|CERTIFICATE)-----")
_PEM_END_RE = re.compile(r"-----END ")
_COMMENT_RE = re.compile(r"^\s*(?:#|//|--|;|/?\*)")


@dataclass(frozen=True, slots=True)
class Detected:
    line: int  # 1-based
    start: int  # 0-based offset in the line, -1 when not found verbatim
    value: str
    secret_type: str  # detect-secrets' type name, e.g. "GitHub Token"
    key: str | None = None  # the name the value is assigned to on its line, if any

    def _replace_line(self, line: int) -> Detected:
        return Detected(line, self.start, self.value, self.secret_type, self.key)


# The three tests of `could_hold_secret` as one pattern, searched over the whole file: a
# line it does not match cannot pass them (none of them spans a line break, and a
# case-insensitive keyword matches wherever the lower-cased line has it), so only the few
# lines it matches get the exact per-line test. Searching each line with each pattern
# was a million regex searches on a repository of 2,000 Terraform files.
_ANY_CANDIDATE_RE = re.compile("|".join([
    "(?i:" + _KEYWORD_LOWER_RE.pattern + ")", _PREFIX_RE.pattern, _QUOTED_TOKEN_RE.pattern]))


def candidate_lines(lines: list[str]) -> list[int]:
    """0-based indexes of the lines worth handing to detect-secrets: those for which
    `could_hold_secret` holds."""
    return [i for i in lines_with(_ANY_CANDIDATE_RE, lines) if could_hold_secret(lines[i])]


def _ensure_genuine() -> None:
    try:
        from mlaudit import compat  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return
    compat.ensure_genuine("detect_secrets")


def _plugin_config() -> list[dict[str, Any]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    config: list[dict[str, Any]] = []
    classes: list[type[Any]] = list(get_mapping_from_secret_type_to_class().values())
    for plugin in classes:
        name = plugin.__name__
        if name not in _SKIPPED_PLUGINS:
            limit = _ENTROPY_LIMITS.get(name)
            config.append({"name": name} if limit is None else {"name": name, "limit": limit})
    return config


def _secret_uuid(plugin: Any, secret: str, line: str) -> bool:
    """A UUID is an id, except as the value of a secret-named key outside a comment:
    `api_key: 3f2b…` is how several services shape their keys."""
    return (plugin.secret_type == "Secret Keyword" and is_uuid(secret)
            and not _COMMENT_RE.match(line) and is_secret_name(key_of(line, secret) or ""))


def _filtered(plugin: Any, secret: str, line: str, filename: str) -> bool:
    """detect-secrets' heuristic filters; the generic ones spare the specific detectors."""
    from detect_secrets.filters import heuristic as h

    generic = plugin.secret_type in _GENERIC_TYPES
    key = "password" if plugin.secret_type == "Basic Auth Credentials" else key_of(line, secret)
    if plugin.secret_type != "Private Key" and benign_value(secret, key):
        return True  # placeholders and masks of any token shape: sk_live_XXXX, <token>
    if plugin.secret_type == "Basic Auth Credentials" and local_fixture_url(line):
        return True  # `postgres://app:app@localhost/app`: a throwaway local database

    return bool(
        h.is_sequential_string(secret)
        or (h.is_potential_uuid(secret) and not _secret_uuid(plugin, secret, line))
        or h.is_likely_id_string(secret, line, plugin) or h.is_templated_secret(secret)
        or h.is_prefixed_with_dollar_sign(secret) or h.is_not_alphanumeric_string(secret)
        or h.is_lock_file(filename) or h.is_swagger_file(filename)
        or (generic and (h.is_indirect_reference(line) or is_reference(secret)
                         or PUBLIC_KEY_RE.search(line) is not None
                         or names_id(key_of(line, secret))))
    )


def _plausible(secret_type: str, secret: str, line: str) -> bool:
    if secret_type == "Secret Keyword":
        return not keyword_is_not_secret(line, secret)
    if secret_type.endswith("High Entropy String"):
        if len(secret) not in _ENTROPY_LENGTH or _DIGEST_LINE_RE.search(line):
            return False
        return secret_type.startswith("Base64") or bool(_SECRET_WORD_RE.search(line))
    return True


def _whole_token(plugin: Any, value: str, line: str) -> str:
    """Regex plugins yield a capture group: for `(ghp|gho)_…` that is only the prefix.
    Widen such a prefix to the whole match, so the whole token is located and redacted."""
    for regex in getattr(plugin, "denylist", ()):
        for match in regex.finditer(line):
            whole = str(match.group(0)).strip(_DELIMITERS)
            if value in match.groups() and whole.startswith(value):
                return whole
    return value


_PLUGINS: list[Any] = []


def _plugins() -> list[Any]:
    """detect-secrets' plugin objects, built once per process.

    Building them inside `transient_settings` keeps detect-secrets' global settings
    singleton untouched outside that block; rebuilding them for every file (a settings
    cache bust each time) cost more than the scanning on a repository of 2,000 files.
    """
    if not _PLUGINS:
        _ensure_genuine()
        from detect_secrets.settings import get_plugins, transient_settings

        with transient_settings({"plugins_used": _plugin_config(), "filters_used": []}):
            _PLUGINS.extend(get_plugins())
    return _PLUGINS


_KEYWORD_WORDS: list[re.Pattern[str] | None] = []


def _keyword_words() -> re.Pattern[str] | None:
    """detect-secrets' keyword list as one case-insensitive pattern (None: not found in
    this version, then every line goes to the plugin)."""
    if not _KEYWORD_WORDS:
        try:
            from detect_secrets.plugins.keyword import DENYLIST

            _KEYWORD_WORDS.append(re.compile("|".join(DENYLIST), re.IGNORECASE))
        except (ImportError, TypeError, re.error):
            _KEYWORD_WORDS.append(None)
    return _KEYWORD_WORDS[0]


def detect(filename: str, lines: list[str], hint: str,
           indexes: list[int] | None = None) -> list[Detected]:
    """Secrets on the candidate lines (`indexes`: `candidate_lines(lines)`, if known).
    `hint` is the name detect-secrets sees (its keyword plugin picks its regexes by
    extension); `filename` feeds the file-name filters."""
    indexes = candidate_lines(lines) if indexes is None else indexes
    if not indexes:
        return []
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.util.code_snippet import get_code_snippet

    plugins = _plugins()
    keyword_words = _keyword_words()
    found: list[Detected] = list(_name_value_pairs(lines))
    public = _public_pem_lines(lines)
    for index in indexes:
        line = lines[index].rstrip()
        if index in public:
            continue
        context = get_code_snippet(lines, index + 1)
        if _allowlisted(is_line_allowlisted, hint, line, context):
            continue
        for match in _TEAMS_RE.finditer(line):
            found.append(Detected(index + 1, match.start(), match.group(0), TEAMS_WEBHOOK))
        named = _named_random_value(line, hint)
        if named is not None:
            found.append(named._replace_line(index + 1))
        # The keyword plugin's patterns all spell one of its words (the costliest plugin).
        no_keyword = keyword_words is not None and keyword_words.search(line) is None
        for plugin in plugins:
            if no_keyword and plugin.secret_type == "Secret Keyword":
                continue
            for potential in plugin.analyze_line(filename=hint, line=line,
                                                 line_number=index + 1, context=context):
                secret = _whole_token(plugin, potential.secret_value or "", line)
                if (secret and not _filtered(plugin, secret, line, filename)
                        and _plausible(plugin.secret_type, secret, line)):
                    found.append(Detected(index + 1, line.find(secret), secret,
                                          plugin.secret_type, key_of(line, secret)))
    return found


def _allowlisted(check: Any, hint: str, line: str, context: Any) -> bool:
    """`# pragma: allowlist secret` on the line (or `nextline` above). detect-secrets'
    own check runs regular expressions that backtrack for seconds on a crafted line of
    tens of kilobytes: on a longer line only its end is searched for the pragma, with
    string operations."""
    if len(line) > limits.MAX_ALLOWLIST_LINE or any(
            len(text) > limits.MAX_ALLOWLIST_LINE for text in getattr(context, "lines", ())):
        return "pragma: allowlist" in line[-256:].lower()
    if "pragma" not in line and "pragma" not in context.previous_line:
        return False  # every one of detect-secrets' allowlist patterns spells `pragma`
    return bool(check(hint, line, context))


# Kubernetes-style environment lists: `- name: DB_PASSWORD` then `value: "…"` (also ECS
# JSON written one key per line). The secret's name is on the line above its value.
_NAME_LINE_RE = re.compile(
    r"""^\s*(?:-\s+)?["']?name["']?\s*:\s*["']?([A-Za-z_][\w.-]*)["']?\s*(?:,\s*)?$""")
_VALUE_LINE_RE = re.compile(
    r"""^\s*(?:-\s+)?["']?value["']?\s*:\s*(["']?)([^"'\s#][^"'#]*?)\1\s*,?\s*(?:#.*)?$""")


# Defaults of parameters and variables: a SAM/CloudFormation `Parameters:` entry
# (`DbPassword:` then `Default: …`) or a Terraform `variable "db_password" { default = … }`.
_DEFAULT_LINE_RE = re.compile(
    r"""^(\s*)["']?(?:Default|default)["']?\s*[:=]\s*(["']?)([^"'\s#{\[][^"'#]*?)\2\s*,?\s*(?:#.*)?$""")
_OWNER_RE = re.compile(
    r"""^\s*(?:variable\s+"([^"]+)"\s*\{|["']?([A-Za-z_][\w.-]*)["']?\s*:\s*$)""")


def _default_owner(lines: list[str], index: int, indent: int) -> str | None:
    """The parameter or variable a `Default:` / `default =` line belongs to: the nearest
    line above it that is less indented (within a few lines)."""
    for i in range(index - 1, max(-1, index - 12), -1):
        text = lines[i]
        if not text.strip() or _COMMENT_RE.match(text):
            continue
        if len(text) - len(text.lstrip()) < indent:
            owner = _OWNER_RE.match(text)
            return (owner.group(1) or owner.group(2)) if owner else None
    return None


# Both line patterns above spell one of these: the lines without are never matched.
_VALUE_OR_DEFAULT_RE = re.compile(r"value|[Dd]efault")


def _name_value_pairs(lines: list[str]) -> list[Detected]:
    """Literal secrets in `name:` / `value:` pairs whose name says it holds a secret, and in
    the defaults of secret-named parameters and variables."""
    out: list[Detected] = []
    for index in lines_with(_VALUE_OR_DEFAULT_RE, lines):
        line = lines[index]
        if index == 0:
            continue
        name: str | None = None
        match = _VALUE_LINE_RE.match(line)
        if match is not None:
            named = next((m for m in (_NAME_LINE_RE.match(lines[i])
                                      for i in range(max(0, index - 2), index)) if m), None)
            name = named.group(1) if named else None
            value, start = match.group(2), match.start(2)
        else:
            default = _DEFAULT_LINE_RE.match(line)
            if default is None:
                continue
            name = _default_owner(lines, index, len(default.group(1)))
            value, start = default.group(3), default.start(3)
            # A default is often the *name* or *path* of a secret (`kube_secret =
            # "tailscale"`, `ssm_key_password = "admin/db_password"`): only a value that
            # looks generated counts, not a word, a phrase or a path.
            if "/" in value or not _random_looking_value(value) or not any(
                    c.isdigit() for c in value):
                continue
        if name is None:
            continue
        secret = literal_secret(name, value.strip())
        if secret is None:
            continue
        out.append(Detected(index + 1, line.find(secret, start), secret, "Secret Keyword", name))
    return out


def _named_random_value(line: str, hint: str) -> Detected | None:
    """A random-looking value (letters and digits, or a UUID) under a secret-named key."""
    match = _ASSIGNMENT_RE.match(line)
    if match is None or _COMMENT_RE.match(line):
        return None
    key, quote, value = match.groups()
    if not quote and hint.endswith(_CODE_SUFFIXES):
        return None
    if not is_secret_name(key) or names_metadata(key) or benign_value(value, key):
        return None
    if is_reference(value) or "://" in value or value.startswith(("/", "./", "~")):
        return None
    mixed = any(c.isalpha() for c in value) and any(c.isdigit() for c in value)
    if not (is_uuid(value) or (mixed and _random_looking_value(value))):
        return None
    return Detected(0, match.start(3), value, "Secret Keyword", key)


def _random_looking_value(value: str) -> bool:
    """Many distinct characters, no long run of letters that reads as words."""
    return len(set(value)) >= min(10, len(value) // 2) and not re.search(r"[a-z]{8}", value)


def _public_pem_lines(lines: list[str]) -> set[int]:
    """Indexes of the lines inside PEM public keys and certificates: public by design."""
    inside: set[int] = set()
    start: int | None = None
    for index, line in enumerate(lines):
        if start is None and _PEM_PUBLIC_RE.search(line):
            start = index
        if start is not None:
            inside.add(index)
            if _PEM_END_RE.search(line):
                start = None
    return inside
