"""File roles: what a file is FOR, which changes what a finding in it means.

A repository holds much that is not a deployment: tests and their fixtures, examples and
samples, vendored third-party code, documentation, development-only overrides. Every file
gets one role, decided from layout conventions (shared design note "units.md", section
"File roles"), strongest first:

    vendored > test > example > docs > local-dev > deployment

A role changes what a finding means, not whether the file is read: every file is still
parsed and takes part in the deployment model. Each rule declares the roles it reports on
(`Rule.roles`); the engine drops the rest. Users override roles in config:

    [tool.mlaudit.roles]
    "deploy/examples/prod/**" = "deployment"

Conventions are read BELOW the directory the user scanned: `mlaudit scan tests/e2e/stack`
audits that directory as a deployment, whatever its ancestors are called. Naming a
directory says it is meant to be audited.
"""

from __future__ import annotations

import enum
import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath


class Role(enum.Enum):
    DEPLOYMENT = "deployment"
    EXAMPLE = "example"
    TEST = "test"
    VENDORED = "vendored"
    DOCS = "docs"
    LOCAL_DEV = "local-dev"

    @classmethod
    def parse(cls, value: str) -> Role:
        text = value.strip().lower()
        for role in cls:
            if role.value == text:
                return role
        names = ", ".join(r.value for r in cls)
        raise ValueError(f"unknown role {value!r} (one of: {names})")


ALL_ROLES = frozenset(Role)
DEFAULT_ROLES = frozenset({Role.DEPLOYMENT})

_VENDORED_DIRS = frozenset({
    "vendor", "vendored", "third_party", "third-party", "thirdparty", "3rdparty",
    "node_modules", "bower_components", "site-packages", ".venv", "venv", "virtualenv",
    ".tox", ".nox"})
_TEST_DIRS = frozenset({
    "test", "tests", "testing", "__tests__", "fixtures", "fixture", "testdata", "test-data",
    "test_data", "test-fixtures", "e2e", "integration-tests", "integration_tests", "mocks",
    "__mocks__", "unit-tests", "unit_tests", "functional_tests", "smoke-tests",
    "smoke_tests", "testdir"})
_EXAMPLE_DIRS = frozenset({
    "examples", "example", "samples", "sample", "demo", "demos", "tutorial", "tutorials",
    "quickstart", "quickstarts", "playground", "sandbox", "starter", "starters"})
_DOCS_DIRS = frozenset({"docs", "doc", "documentation", "site-docs", "wiki", "_docs"})
_DOCS_SUFFIXES = (".md", ".markdown", ".rst", ".adoc", ".asciidoc", ".ipynb_checkpoints")
_LOCAL_DEV_DIRS = frozenset({".devcontainer", "devcontainer", ".dev", "local-dev",
                             "localdev", "dev-env"})

_TEST_FILE_RE = re.compile(
    r"^(?:test_.+\.py|.+_tests?\.py|conftest\.py|.+\.(?:test|spec)\.[jt]sx?|.+_test\.go"
    r"|.+Test\.java|.+_spec\.rb)$", re.I)
# Compose overrides and dev/local variants, dev Dockerfiles, local env files.
_LOCAL_DEV_FILE_RE = re.compile(
    r"^(?:(?:docker-)?compose\.override\.ya?ml"
    r"|(?:docker-)?compose[.-](?:dev|develop|development|local|debug|devcontainer)"
    r"(?:[.-][\w-]+)?\.ya?ml"
    r"|dockerfile[.-](?:dev|develop|development|local|debug)"
    r"|(?:dev|development|local|debug)\.dockerfile"
    r"|\.env\.(?:local|dev|development))$", re.I)
# Templates a user copies and fills in: `.env.example`, `terraform.tfvars.sample`,
# `secret.example.yaml`. (Not `*-template.yaml`: SAM and CloudFormation templates are
# deployments.)
_EXAMPLE_FILE_RE = re.compile(
    r"^(?:.+\.(?:example|sample|template|dist|tmpl)|.+[._-](?:example|sample)s?\.\w+)$", re.I)


@dataclass(frozen=True)
class RoleDecision:
    """A file's role and the convention that decided it (shown by `--show-files`)."""

    role: Role
    reason: str


@dataclass
class RoleResolver:
    """Decides file roles for one scan.

    `scanned` are the repo-relative directories the user named ("" for the root); the
    conventions read only the part of a path below the deepest one containing it.
    `overrides` maps a glob (matched against the repo-relative path) to a role.
    """

    scanned: tuple[str, ...] = ("",)
    overrides: Mapping[str, Role] = field(default_factory=dict)
    # Roles the deployment model derives for files the conventions call deployments (a
    # Dockerfile that only a test stack runs); set once the units are known.
    derived: dict[str, RoleDecision] = field(default_factory=dict)
    _memo: dict[str, RoleDecision] = field(default_factory=dict, repr=False)

    def derive(self, path: str, role: Role, reason: str) -> None:
        """Record a role the unit graph gives `path`; conventions other than `deployment`
        and config overrides still win."""
        self.derived[path] = RoleDecision(role, reason)
        self._memo.pop(path, None)

    def role(self, path: str) -> Role:
        return self.decide(path).role

    def decide(self, path: str) -> RoleDecision:
        found = self._memo.get(path)
        if found is None:
            found = self._decide(path)
            self._memo[path] = found
        return found

    def _decide(self, path: str) -> RoleDecision:
        for pattern, role in self.overrides.items():
            if _glob_match(path, pattern):
                return RoleDecision(role, f"config roles {pattern!r}")
        decision = role_by_convention(self._below_scanned(path))
        if decision.role is Role.DEPLOYMENT and path in self.derived:
            return self.derived[path]
        return decision

    def _below_scanned(self, path: str) -> str:
        best = ""
        for prefix in self.scanned:
            if prefix and (path == prefix or path.startswith(prefix + "/")) \
                    and len(prefix) > len(best):
                best = prefix
        return path[len(best):].lstrip("/") if best else path


def _glob_match(path: str, pattern: str) -> bool:
    """Gitignore-like enough for config: `dir/**` covers everything below `dir`."""
    if fnmatch.fnmatchcase(path, pattern):
        return True
    if pattern.endswith("/**"):
        base = pattern[:-3]
        return path == base or path.startswith(base + "/") or fnmatch.fnmatchcase(
            path, base + "/*")
    return False


def _docs_name(name: str) -> bool:
    return name.lower().endswith(_DOCS_SUFFIXES)


# Strongest first: a directory name, then a file name, for each role.
_CONVENTIONS: tuple[tuple[Role, frozenset[str], Callable[[str], object], str], ...] = (
    (Role.VENDORED, _VENDORED_DIRS, lambda name: False, ""),
    (Role.TEST, _TEST_DIRS, _TEST_FILE_RE.match, "test file name"),
    (Role.EXAMPLE, _EXAMPLE_DIRS, _EXAMPLE_FILE_RE.match, "template file name"),
    (Role.DOCS, _DOCS_DIRS, _docs_name, "documentation file"),
    (Role.LOCAL_DEV, _LOCAL_DEV_DIRS, _LOCAL_DEV_FILE_RE.match, "development-only file name"),
)


def role_by_convention(path: str) -> RoleDecision:
    """The role layout conventions give a path (relative to what was scanned)."""
    posix = PurePosixPath(path)
    dirs = [p.lower() for p in posix.parts[:-1]]
    for role, names, file_matches, file_reason in _CONVENTIONS:
        part = next((d for d in dirs if d in names), None)
        if part is not None:
            return RoleDecision(role, f"under {part}/")
        if file_matches(posix.name):
            return RoleDecision(role, file_reason)
    return RoleDecision(Role.DEPLOYMENT, "default")
