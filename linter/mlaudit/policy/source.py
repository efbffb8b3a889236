"""Policy files: where they come from, their package, `# METADATA` and test rules.

mlaudit reads these facts from the text itself, the way OPA attaches annotations: a
`# METADATA` comment block holds YAML (`title`, `description`, `custom: {id, severity,
category, fix, ...}`) and applies to the package or rule that follows it. No Rego engine
is needed to list, select or explain policies.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlaudit.policy import PolicyError

_PACKAGE_RE = re.compile(r"^package\s+([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*$",
                         re.M)
_RULE_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\b")
ID_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)*$")


@dataclass(frozen=True)
class PolicyFile:
    """One `.rego` file. `shown` is how messages name it (relative to the working
    directory when it is below it)."""

    path: Path
    shown: str
    text: str
    package: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    metadata_line: int = 0
    deny_line: int = 0  # first line of a `deny` rule; 0: a library or test module
    tests: tuple[tuple[str, int], ...] = ()  # (test rule name, line)

    @property
    def is_test_file(self) -> bool:
        return self.path.name.endswith("_test.rego")

    @property
    def is_policy(self) -> bool:
        return self.deny_line > 0 and not self.is_test_file

    @property
    def entrypoint(self) -> str:
        """The bundle entrypoint of the package's `deny` (`org/ecs/deny`)."""
        return self.package.replace(".", "/") + "/deny"


def shown_path(path: Path) -> str:
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def collect(paths: Iterable[Path], tests: bool = False) -> list[Path]:
    """The `.rego` files named: files as given, directories recursively (sorted).
    Test files (`*_test.rego`) only when `tests`; a directory with none is an error
    (a typo must not silently turn the policies off)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.rego") if p.is_file()
                           and (tests or not p.name.endswith("_test.rego"))
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise PolicyError(f"{shown_path(path)}: no .rego files in this directory")
            out.extend(found)
        elif path.is_file():
            if path.suffix != ".rego":
                raise PolicyError(f"{shown_path(path)}: a policy must be a .rego file")
            out.append(path)
        else:
            raise PolicyError(f"{shown_path(path)}: no such policy file or directory")
    unique: dict[Path, None] = {}
    for item in out:
        unique.setdefault(item.resolve(), None)
    return list(unique)


def read(path: Path) -> PolicyFile:
    shown = shown_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{shown}: cannot read policy: {exc}") from None
    match = _PACKAGE_RE.search(text)
    if match is None:
        raise PolicyError(f"{shown}:1: no `package` declaration")
    metadata, meta_line = _metadata(text, shown)
    deny_line = 0
    tests: list[tuple[str, int]] = []
    for number, line in enumerate(text.splitlines(), 1):
        rule = _RULE_RE.match(line)
        if rule is None:
            continue
        name = rule.group(1)
        if name == "deny" and not deny_line:
            deny_line = number
        elif name.startswith("test_") and name not in {t for t, _ in tests}:
            tests.append((name, number))
    return PolicyFile(path, shown, text, match.group(1), metadata, meta_line, deny_line,
                      tuple(tests))


def _metadata(text: str, shown: str) -> tuple[dict[str, Any], int]:
    """Merge every `# METADATA` block of the file (package scope, then the `deny` rule's):
    mlaudit's policies have one `deny` set, so both describe the same check."""
    lines = text.splitlines()
    merged: dict[str, Any] = {}
    first = 0
    index = 0
    while index < len(lines):
        if lines[index].strip() != "# METADATA":
            index += 1
            continue
        start = index + 1
        block: list[str] = []
        index += 1
        while index < len(lines) and lines[index].lstrip().startswith("#"):
            body = lines[index].lstrip()[1:]
            block.append(body[1:] if body.startswith(" ") else body)
            index += 1
        import yaml  # a dependency already; imported only when policies are used

        try:
            data = yaml.safe_load("\n".join(block)) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = start + (mark.line + 1 if mark is not None else 1)
            raise PolicyError(f"{shown}:{line}: invalid METADATA YAML: "
                              f"{getattr(exc, 'problem', None) or exc}") from None
        if not isinstance(data, dict):
            raise PolicyError(f"{shown}:{start}: METADATA must be a YAML mapping")
        custom = {**merged.get("custom", {}), **(data.get("custom") or {})}
        merged.update(data)
        if custom:
            merged["custom"] = custom
        first = first or start
    return merged, first
