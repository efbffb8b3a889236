"""Policies as ordinary rules: each policy file becomes a `Rule` targeting the deployment,
so selection, severity overrides, suppressions, the baseline, the fail threshold, every
report format, `mlaudit rules` and `mlaudit explain` treat it like a built-in rule.

All policies of a scan are evaluated together, once, the first time one of their rules
runs (`PolicySet.evaluate`, memoised on the deployment): compile once per run, one input
document, one evaluation per policy, never one per file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlaudit.finding import Diagnostic, DiagnosticLevel, Finding
from mlaudit.policy import DEFAULT_TIMEOUT, PolicyError
from mlaudit.policy.source import ID_RE, PolicyFile, collect, read
from mlaudit.roles import DEFAULT_ROLES, Role
from mlaudit.rule import RULE_NAME_RE, Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit.span import Span

DEFAULT_CATEGORY = Category.IAC
DIAGNOSTIC_CODE = "policy-error"


class PolicyFailure(Exception):
    """Raised by a policy's check: the engine records `diagnostic` and goes on."""

    def __init__(self, diagnostic: Diagnostic | None) -> None:
        super().__init__(diagnostic.message if diagnostic else "reported")
        self.diagnostic = diagnostic


def error_diagnostic(message: str) -> Diagnostic:
    return Diagnostic(message, None, DiagnosticLevel.ERROR, DIAGNOSTIC_CODE)


@dataclass
class _Evaluation:
    entries: dict[str, Any] = field(default_factory=dict)  # policy id -> deny value
    errors: dict[str, str] = field(default_factory=dict)  # policy id -> message
    fatal: str | None = None
    fatal_reported: bool = False


class PolicySet:
    """The policies of one run, loaded from files; `rules` are what a scan selects from."""

    def __init__(self, files: Sequence[PolicyFile], timeout: float = DEFAULT_TIMEOUT) -> None:
        self.files = list(files)
        self.timeout = timeout
        self.policies = [f for f in self.files if f.is_policy]
        self.rules: list[Rule[Any]] = []
        self.by_rule: dict[str, PolicyFile] = {}
        self.problems: list[str] = []  # policies that cannot run (bad metadata): exit 2
        for module in self.files:
            custom = module.metadata.get("custom") or {}
            if not module.is_policy and not module.is_test_file and custom.get("id"):
                self.problems.append(
                    f"{module.shown}:{module.metadata_line}: policy {custom['id']} has no "
                    "`deny` rule: mlaudit reads findings from `deny contains {...} if {...}`")
        for policy in self.policies:
            try:
                rule = _rule_for(policy, self)
            except PolicyError as exc:
                self.problems.append(str(exc))
                continue
            if rule.id in self.by_rule:
                other = self.by_rule[rule.id]
                self.problems.append(f"{policy.shown}:{policy.metadata_line}: policy id "
                                     f"{rule.id} is already used by {other.shown}")
                continue
            self.by_rule[rule.id] = policy
            self.rules.append(rule)

    def evaluate(self, deployment: Any) -> _Evaluation:
        evaluation: _Evaluation = deployment.memo(("mlaudit.policy", id(self)),
                                                  lambda: self._evaluate(deployment))
        return evaluation

    def _evaluate(self, deployment: Any) -> _Evaluation:
        from mlaudit.policy.input import build_input
        from mlaudit.policy.runner import run

        result = _Evaluation()
        document = json.dumps(build_input(deployment), separators=(",", ":"))
        entrypoints = [(rule_id, policy.entrypoint, policy)
                       for rule_id, policy in self.by_rule.items()]
        outcome = run(self.files, entrypoints, document, self.timeout)
        result.fatal = outcome.fatal
        for error in outcome.module_errors:
            for rule_id, policy in self.by_rule.items():
                if error.policy is None or error.policy is policy:
                    result.errors.setdefault(rule_id, f"does not compile: {error.describe()}")
            if error.policy is not None and not error.policy.is_policy:
                # A library module: every policy may depend on it.
                for rule_id in self.by_rule:
                    result.errors.setdefault(rule_id, f"does not compile: {error.describe()}")
        for rule_id, message in outcome.errors.items():
            policy = self.by_rule[rule_id]
            result.errors.setdefault(rule_id, f"{policy.shown}:{policy.deny_line}: {message}")
        for rule_id, value in outcome.values.items():
            if rule_id not in result.errors:
                result.entries[rule_id] = value
        return result


def load(paths: Sequence[Path], timeout: float = DEFAULT_TIMEOUT) -> PolicySet:
    """Every policy (and library module) under `paths`; test files are left out. A path
    that does not exist raises PolicyError; a file that cannot be used is a problem of the
    set (reported, the scan goes on)."""
    files: list[PolicyFile] = []
    problems: list[str] = []
    for path in collect(paths):
        try:
            files.append(read(path))
        except PolicyError as exc:
            problems.append(str(exc))
    policies = PolicySet(files, timeout)
    policies.problems[:0] = problems
    return policies


def timeout_from(value: float | None) -> float:
    if value is not None:
        return value
    env = os.environ.get("MLAUDIT_POLICY_TIMEOUT")
    if env:
        try:
            return float(env)
        except ValueError:
            raise PolicyError(f"MLAUDIT_POLICY_TIMEOUT={env!r} is not a number of seconds") \
                from None
    return DEFAULT_TIMEOUT


def _choice(value: Any, parse: Any, what: str, policy: PolicyFile) -> Any:
    try:
        return parse(str(value).strip().lower())
    except ValueError:
        raise PolicyError(f"{policy.shown}:{policy.metadata_line}: METADATA custom.{what} "
                          f"{value!r} is not valid") from None


def _rule_for(policy: PolicyFile, policies: PolicySet) -> Rule[Any]:
    from mlaudit.models.deployment import Deployment

    meta = policy.metadata
    custom: Mapping[str, Any] = meta.get("custom") or {}
    where = f"{policy.shown}:{policy.metadata_line or policy.deny_line}"
    if not custom.get("id"):
        raise PolicyError(f"{where}: policy has no id: add `custom: {{id: ORG001}}` to its "
                          "`# METADATA` annotation")
    rule_id = str(custom["id"]).strip().upper()
    if not ID_RE.match(rule_id) or rule_id.startswith("MLA"):
        raise PolicyError(f"{where}: policy id {rule_id!r} must be letters and digits "
                          "(e.g. ORG001) and must not start with MLA (mlaudit's own rules)")
    name = str(custom.get("name") or policy.package.rsplit(".", 1)[-1]).lower().replace("_", "-")
    if not RULE_NAME_RE.match(name):
        raise PolicyError(f"{where}: policy name {name!r} must be kebab-case "
                          "(set custom.name)")
    severity = _choice(custom.get("severity", "medium"), Severity.parse, "severity", policy)
    category = _choice(custom.get("category", DEFAULT_CATEGORY.value), Category, "category",
                       policy)
    kind = _choice(custom.get("kind", "reliability"), Kind, "kind", policy)
    roles = frozenset(_choice(r, Role.parse, "roles", policy)
                      for r in custom.get("roles", [])) or DEFAULT_ROLES
    title = str(meta.get("title") or name)
    rule: Rule[Any] = Rule(
        id=rule_id, name=name, title=title, severity=severity, category=category,
        target=Deployment, docs=_docs(policy, title, custom), confidence=Confidence.HIGH,
        kind=kind, tags=("policy",), roles=roles, origin=f"policy {policy.shown}")

    @rule.check
    def check(deployment: Any, ctx: RuleContext) -> Iterator[Finding]:
        evaluation = policies.evaluate(deployment)
        if evaluation.fatal:
            first = not evaluation.fatal_reported
            evaluation.fatal_reported = True
            raise PolicyFailure(error_diagnostic(evaluation.fatal) if first else None)
        if rule_id in evaluation.errors:
            raise PolicyFailure(error_diagnostic(
                f"policy {rule_id} {evaluation.errors[rule_id]}"))
        yield from _findings(policy, rule_id, evaluation.entries.get(rule_id), ctx)

    return rule


def _docs(policy: PolicyFile, title: str, custom: Mapping[str, Any]) -> str:
    description = str(policy.metadata.get("description") or title).strip()
    why = str(custom.get("rationale") or "An organisation policy: see its description.").strip()
    fix = str(custom.get("fix") or "See the policy's description.").strip()
    return (f"{title}\n\n## What it flags\n{description}\n\n## Why it matters\n{why}\n\n"
            f"## How to fix\n{fix}\n\n## Policy\nRego policy `{policy.shown}` "
            f"(package `{policy.package}`).\n")


_FACT_KEYS = ("fact", "node", "resource")


def _findings(policy: PolicyFile, rule_id: str, value: Any,
              ctx: RuleContext) -> Iterator[Finding]:
    if value is None:
        return
    if not isinstance(value, list):
        raise PolicyFailure(error_diagnostic(
            f"policy {rule_id} {policy.shown}:{policy.deny_line}: `deny` must be a set "
            "(write `deny contains entry if {{ ... }}`, Rego v1), got "
            f"{type(value).__name__}"))
    for entry in value:
        message, span, key = _entry(entry)
        if span is None:
            raise PolicyFailure(error_diagnostic(
                f"policy {rule_id} {policy.shown}:{policy.deny_line}: a `deny` entry has no "
                "location: return {\"msg\": ..., \"fact\": <a node or fact with `source`>} "
                f"or {{\"msg\": ..., \"location\": {{\"path\", \"line\"}}}} (got "
                f"{json.dumps(entry)[:200]})"))
        yield ctx.finding(message, span, key=key)


def _span(value: Any) -> Span | None:
    if not isinstance(value, Mapping):
        return None
    path, line = value.get("path"), value.get("line")
    if isinstance(path, str) and path and isinstance(line, int) and not isinstance(line, bool):
        column = value.get("column")
        return Span(path, line, column if isinstance(column, int) else 1)
    return None


def _entry(entry: Any) -> tuple[str, Span | None, str]:
    """(message, location, fingerprint key) of one `deny` entry."""
    if not isinstance(entry, Mapping):
        return str(entry), None, ""
    message = entry.get("msg", entry.get("message"))
    message = message if isinstance(message, str) else json.dumps(message)
    span = _span(entry.get("location")) or _span(entry.get("source"))
    key = str(entry["key"]) if isinstance(entry.get("key"), (str, int)) else ""
    for name in _FACT_KEYS:
        fact = entry.get(name)
        if isinstance(fact, Mapping):
            span = span or _span(fact.get("source")) or _span(fact.get("location"))
            ident = fact.get("id") or fact.get("address") or fact.get("path")
            key = key or (str(ident) if isinstance(ident, str) else "")
    return message, span, key
