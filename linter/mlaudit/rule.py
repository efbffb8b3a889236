"""The rule API: what a rule author writes, and the context a check receives.

A rule module holds three things in reading order: its documentation (the module
docstring, Markdown with fixed headings), its metadata (one `RULE = Rule(...)` value) and
its logic (one function bound with `@RULE.check`). Nothing registers on import:
`mlaudit_rules.ALL_RULES` lists every rule explicitly.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from mlaudit.finding import Finding, Location, Related
from mlaudit.redact import redact_in
from mlaudit.roles import DEFAULT_ROLES, Role, RoleResolver
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit.span import Span

T = TypeVar("T")

RULE_ID_RE = re.compile(r"^MLA\d{3}$")
RULE_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

REQUIRED_DOC_SECTIONS = ("What it flags", "Why it matters", "How to fix", "Example")


@dataclass(frozen=True)
class RuleDocs:
    """The parsed module docstring of a rule."""

    title: str
    sections: Mapping[str, str]
    bad_example: str
    good_example: str
    example_language: str

    @property
    def flags(self) -> str:
        return self.sections.get("What it flags", "")

    @property
    def rationale(self) -> str:
        return self.sections.get("Why it matters", "")

    @property
    def fix(self) -> str:
        return self.sections.get("How to fix", "")

    @property
    def references(self) -> str:
        return self.sections.get("References", "")


_FENCE_RE = re.compile(r"```(\w*)[^\n]*\n(.*?)```", re.S)


def parse_docs(doc: str) -> RuleDocs:
    """Split a rule docstring into its title and `## ` sections; pick the bad/good blocks.

    The Example section holds two fenced blocks: the first is the bad one, the second
    the good one (the registry test enforces it).
    """
    text = doc.strip("\n")
    lines = text.splitlines()
    title = lines[0].strip() if lines else ""
    sections: dict[str, str] = {}
    current: str | None = None
    buf: list[str] = []
    for line in lines[1:]:
        if line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(buf).strip()
            current, buf = line[3:].strip(), []
        else:
            buf.append(line)
    if current is not None:
        sections[current] = "\n".join(buf).strip()
    blocks = _FENCE_RE.findall(sections.get("Example", ""))
    bad = blocks[0][1] if blocks else ""
    good = blocks[1][1] if len(blocks) > 1 else ""
    language = blocks[0][0] if blocks else ""
    return RuleDocs(title, sections, bad, good, language)


CheckFunction = Callable[[Any, "RuleContext"], Iterable[Finding]]


@dataclass(eq=False)
class Rule(Generic[T]):
    """One rule: identity, metadata, docs and the check. Generic over the model it reads."""

    id: str
    name: str
    title: str
    severity: Severity
    category: Category
    target: type[T]
    docs: str
    confidence: Confidence = Confidence.HIGH
    kind: Kind = Kind.SECURITY
    tags: tuple[str, ...] = ()
    since: str = "0.1.0"
    options: Mapping[str, Any] = field(default_factory=dict)
    # For cross-file rules (target Deployment): the model types of which at least one must
    # be present for the rule to have anything to say. The engine then neither imports nor
    # runs the rule on a repository without them (a pre-commit run stays fast). A type may
    # be given by its qualified name, so that declaring it does not import its module.
    requires: tuple[type | str, ...] = ()
    # The file roles (mlaudit.roles) whose files this rule reports on: a finding located in
    # a file of another role is dropped by the engine. Most rules judge deployments only;
    # secret rules also read examples, and a live AWS key pair is a leak anywhere.
    roles: frozenset[Role] = DEFAULT_ROLES
    # A different severity for findings in files of some roles (e.g. lower in examples).
    role_severity: Mapping[Role, Severity] = field(default_factory=dict)
    # Where the rule comes from: "mlaudit" (built in), "plugin <distribution>" (entry point
    # group `mlaudit.rules`) or "policy <file>" (a Rego policy); shown by `mlaudit rules`.
    origin: str = "mlaudit"
    # Per-file analyses (`mlaudit.analysis.FileAnalysis`) the check reads: a rule on
    # `SourceFile` whose work on a file's text is costly declares it here, and the engine
    # computes it once per file content, in parallel and cached, before the rules run.
    analyses: tuple[Any, ...] = ()
    _check: Callable[[T, RuleContext], Iterable[Finding]] | None = None

    def check(
        self, fn: Callable[[T, RuleContext], Iterable[Finding]]
    ) -> Callable[[T, RuleContext], Iterable[Finding]]:
        """Decorator binding the rule's check function."""
        self._check = fn
        return fn

    def run(self, subject: T, ctx: RuleContext) -> Iterator[Finding]:
        if self._check is None:
            raise RuntimeError(f"rule {self.id} has no check function")
        yield from self._check(subject, ctx)

    @property
    def parsed_docs(self) -> RuleDocs:
        return parse_docs(self.docs)

    @property
    def is_security(self) -> bool:
        return self.kind is Kind.SECURITY

    def all_tags(self) -> tuple[str, ...]:
        """Tags for SARIF: the category, `security` where it applies, then the rule's own."""
        tags: list[str] = [self.category.value]
        if self.is_security:
            tags.insert(0, "security")
        for tag in self.tags:
            if tag not in tags:
                tags.append(tag)
        return tuple(tags[:10])

    def __repr__(self) -> str:
        return f"Rule({self.id} {self.name})"


def qualified_name(cls: type | str) -> str:
    """`package.module.Class`: how the rule index names a model type without importing it."""
    return cls if isinstance(cls, str) else f"{cls.__module__}.{cls.__qualname__}"


@dataclass(frozen=True)
class RuleRef:
    """A rule known from the generated index (`mlaudit_rules._index`) but not yet imported.

    It carries what selection and dispatch need (id, name, category, the qualified names
    of its target and required model types); `load()` imports the rule module.
    """

    id: str
    name: str
    category: Category
    module: str
    target: str
    requires: tuple[str, ...] = ()

    def load(self) -> Rule[Any]:
        rule: Rule[Any] = importlib.import_module(self.module).RULE
        return rule

    def applies(self, present: set[str]) -> bool:
        """Whether a scan whose models have these type names gives the rule a subject."""
        return self.target in present and (
            not self.requires or any(name in present for name in self.requires))

    @classmethod
    def of(cls, rule: Rule[Any]) -> RuleRef:
        module = rule._check.__module__ if rule._check is not None else ""
        return cls(rule.id, rule.name, rule.category, module, qualified_name(rule.target),
                   tuple(qualified_name(t) for t in rule.requires))


@dataclass
class RuleContext:
    """What a check receives besides its subject: options, the deployment, a builder."""

    rule: Rule[Any]
    severity: Severity
    options: Mapping[str, Any]
    deployment: Any = None  # mlaudit.models.deployment.Deployment, once built
    # Returns a file's lines by repo-relative path (for default fingerprint keys).
    line_lookup: Callable[[str], list[str]] | None = None
    roles: RoleResolver | None = None
    # Every raw secret value passed to `finding` during the scan (shared by the engine
    # between all contexts): the source excerpts of findings are masked with them.
    seen_secrets: set[str] | None = None

    def option(self, name: str) -> Any:
        return self.options[name]

    def role(self, path: str) -> Role:
        """The role of a repo-relative file (deployment when no resolver is set)."""
        return self.roles.role(path) if self.roles is not None else Role.DEPLOYMENT

    def finding(
        self,
        message: str,
        at: Span | Location,
        *,
        related: Iterable[Related | tuple[Span | Location, str]] = (),
        key: str = "",
        secrets: Iterable[str] = (),
        severity: Severity | None = None,
    ) -> Finding:
        """Build a finding for this rule.

        `secrets` lists raw secret values that appear in the finding's facts: they are
        masked in the message, in related notes and in the key before anything else sees
        them. `key` is the fact's stable identity for fingerprints (default: derived by
        the engine from the primary line's text, redacted).
        """
        secret_list = tuple(s for s in secrets if s)
        if self.seen_secrets is not None:
            self.seen_secrets.update(secret_list)
        location = at if isinstance(at, Location) else Location(span=at)
        related_items: list[Related] = []
        markers: set[tuple[Any, ...]] = set()
        more = 0
        for item in related:
            if len(markers) >= MAX_RELATED:
                # Bounded: a fact about one file never lists the whole repository (a
                # monorepo of thousands of services would make each finding that large).
                more += 1
                continue
            if isinstance(item, Related):
                related_items.append(
                    Related(item.location, redact_in(item.note, secret_list))
                )
            else:
                where, note = item
                loc = where if isinstance(where, Location) else Location(span=where)
                related_items.append(Related(loc, redact_in(note, secret_list)))
            last = related_items[-1]
            markers.add((last.location.describe(), last.note))
        if more:
            related_items.append(Related(location, f"and up to {more} more related "
                                                   "locations, not listed"))
        return Finding(
            rule_id=self.rule.id,
            rule_name=self.rule.name,
            severity=severity or self.severity,
            message=redact_in(message, secret_list),
            location=location,
            related=tuple(_dedupe(related_items)),
            key=redact_in(key or self._default_key(location), secret_list),
        )

    def _default_key(self, location: Location) -> str:
        """The primary line's text with blanks removed: survives line shifts and re-indents."""
        span = location.span
        if span is None:
            return location.resource or ""
        if self.line_lookup is not None:
            lines = self.line_lookup(span.path)
            if 0 < span.line <= len(lines):
                return "".join(lines[span.line - 1].split())
        return f"{span.path}:{span.line}"


# Related locations kept per finding (documented in docs/limits.md).
MAX_RELATED = 50


def _dedupe(items: list[Related]) -> list[Related]:
    seen: set[tuple[Any, ...]] = set()
    out: list[Related] = []
    for item in items:
        marker = (item.location.describe(), item.note)
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out
