"""Configuration: `[tool.mlaudit]` in pyproject.toml, or `.mlaudit.toml`, validated strictly.

Unknown keys, unknown rule ids and bad values are errors (exit 2) with a suggestion: a
typo in a linter's config must never silently turn a check off.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlaudit.errors import UsageError
from mlaudit.roles import Role
from mlaudit.severity import Severity

DEFAULT_FAIL_ON = Severity.LOW
DEFAULT_APP_PORTS = (8000,)

_KEYS = {
    "select", "ignore", "exclude", "fail-on", "severity", "per-path-ignores", "rules",
    "app-ports", "max-file-size", "cache", "cache-dir", "respect-gitignore", "roles",
    "with-checkov",
}


@dataclass
class Config:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    fail_on: Severity = DEFAULT_FAIL_ON
    severity: dict[str, Severity] = field(default_factory=dict)
    per_path_ignores: dict[str, list[str]] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    app_ports: tuple[int, ...] = DEFAULT_APP_PORTS
    max_file_size: int = 5 * 1024 * 1024
    cache: bool = True
    cache_dir: str | None = None
    respect_gitignore: bool = True
    roles: dict[str, Role] = field(default_factory=dict)  # path glob -> role override
    with_checkov: bool = False  # also run checkov (mlaudit.checkov); its path is never config
    source: str | None = None  # the file it came from, for messages


def _suggest(key: str, choices: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _str_list(value: Any, key: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where}: '{key}' must be a list of strings")
    return list(value)


def from_mapping(data: Mapping[str, Any], where: str) -> Config:
    config = Config(source=where)
    for key in data:
        if key not in _KEYS:
            raise UsageError(f"{where}: unknown key '{key}'{_suggest(key, _KEYS)}")
    if "select" in data:
        config.select = _str_list(data["select"], "select", where)
    if "ignore" in data:
        config.ignore = _str_list(data["ignore"], "ignore", where)
    if "exclude" in data:
        config.exclude = _str_list(data["exclude"], "exclude", where)
    if "fail-on" in data:
        config.fail_on = _severity(data["fail-on"], "fail-on", where)
    severity = data.get("severity", {})
    if not isinstance(severity, Mapping):
        raise UsageError(f"{where}: 'severity' must be a table of rule = severity")
    config.severity = {str(k): _severity(v, f"severity.{k}", where) for k, v in severity.items()}
    ppi = data.get("per-path-ignores", {})
    if not isinstance(ppi, Mapping):
        raise UsageError(f"{where}: 'per-path-ignores' must be a table of glob = [rules]")
    config.per_path_ignores = {
        str(k): _str_list(v, f"per-path-ignores.{k}", where) for k, v in ppi.items()
    }
    rules = data.get("rules", {})
    if not isinstance(rules, Mapping) or not all(isinstance(v, Mapping) for v in rules.values()):
        raise UsageError(f"{where}: 'rules' must hold one table per rule: [tool.mlaudit.rules.ID]")
    config.rule_options = {str(k): dict(v) for k, v in rules.items()}
    if "app-ports" in data:
        ports = data["app-ports"]
        if not isinstance(ports, list) or not all(
            isinstance(p, int) and 0 < p < 65536 for p in ports
        ):
            raise UsageError(f"{where}: 'app-ports' must be a list of port numbers")
        config.app_ports = tuple(ports)
    if "max-file-size" in data:
        size = data["max-file-size"]
        if not isinstance(size, int) or size <= 0:
            raise UsageError(f"{where}: 'max-file-size' must be a positive number of bytes")
        config.max_file_size = size
    for flag, attr in (("cache", "cache"), ("respect-gitignore", "respect_gitignore"),
                       ("with-checkov", "with_checkov")):
        if flag in data:
            if not isinstance(data[flag], bool):
                raise UsageError(f"{where}: '{flag}' must be true or false")
            setattr(config, attr, data[flag])
    roles = data.get("roles", {})
    if not isinstance(roles, Mapping):
        raise UsageError(f"{where}: 'roles' must be a table of glob = role")
    for glob, value in roles.items():
        try:
            config.roles[str(glob)] = Role.parse(str(value))
        except ValueError as exc:
            raise UsageError(f"{where}: 'roles.{glob}': {exc}") from None
    if "cache-dir" in data:
        if not isinstance(data["cache-dir"], str):
            raise UsageError(f"{where}: 'cache-dir' must be a path")
        config.cache_dir = data["cache-dir"]
    return config


def _severity(value: Any, key: str, where: str) -> Severity:
    if not isinstance(value, str):
        raise UsageError(f"{where}: '{key}' must be a severity name")
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise UsageError(f"{where}: '{key}': {exc}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    # Imported here: most runs have no config file, and tomllib pulls in datetime.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path.name}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read config {path.name}: {exc.strerror}") from None


def load(root: Path, explicit: Path | None) -> Config:
    """Load the explicit file, else `.mlaudit.toml`, else pyproject's [tool.mlaudit]."""
    if explicit is not None:
        if not explicit.is_file():
            raise UsageError(f"config file {explicit} does not exist")
        data = _read_toml(explicit)
        if explicit.name == "pyproject.toml":
            return from_mapping(data.get("tool", {}).get("mlaudit", {}), explicit.name)
        section = data.get("tool", {}).get("mlaudit") if "tool" in data else None
        return from_mapping(section if section is not None else data, explicit.name)
    dedicated = root / ".mlaudit.toml"
    if dedicated.is_file():
        return from_mapping(_read_toml(dedicated), ".mlaudit.toml")
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = _read_toml(pyproject)
        except UsageError:
            # The scanned project's own pyproject.toml is input, not mlaudit's config: a
            # broken one is reported as a parse diagnostic by the pyproject parser, and the
            # scan goes on with defaults. (An explicit --config or .mlaudit.toml stays fatal.)
            return Config()
        section = data.get("tool", {}).get("mlaudit")
        if section is not None:
            return from_mapping(section, "pyproject.toml [tool.mlaudit]")
    return Config()
