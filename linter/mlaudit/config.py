"""Configuration: `[tool.mlaudit]` in pyproject.toml, or `.mlaudit.toml`, validated strictly.

Unknown keys, unknown rule ids and bad values are errors (exit 2) with a suggestion: a
typo in a linter's config must never silently turn a check off.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
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
    "policies", "with-checkov",
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
    # Rego policy files/directories, relative to the config file (mlaudit.extensions)
    policies: list[str] = field(default_factory=list)
    with_checkov: bool = False  # also run checkov (mlaudit.checkov); its path is never config
    source: str | None = None  # the file it came from, for messages


def _suggest(key: str, choices: set[str]) -> str:
    import difflib  # only for a config with a typo

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
    if "policies" in data:
        config.policies = _str_list(data["policies"], "policies", where)
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


def check_rules(config: Config, registry: Any,
                external: Callable[[str], bool] = lambda ref: False) -> None:
    """What only the rule pack can validate: every rule named in `[severity]`,
    `[per-path-ignores]` and `[rules.X]` exists, and every rule option is one the rule
    declares, with a value of the declared option's type. `registry` resolves ids and
    names to rule references (`mlaudit.registry.Registry`); `external` says which ids
    belong to another tool run beside the scan (checkov's `CKV_AWS_24`), not to it."""
    where = config.source or "config"
    refs = [("severity", ref) for ref in config.severity]
    refs += [(f"per-path-ignores.{glob!r}", ref)
             for glob, ids in config.per_path_ignores.items() for ref in ids]
    refs += [("rules", ref) for ref in config.rule_options]
    for key, ref in refs:
        if external(ref):
            continue
        if registry.get(ref) is None:
            raise UsageError(f"{where}: {key}: unknown rule {ref!r}{registry.suggest(ref)}")
    for ref, options in config.rule_options.items():
        if external(ref):
            continue
        rule = registry.get(ref).load()
        declared: Mapping[str, Any] = rule.options
        for name, value in options.items():
            if name not in declared:
                known = ", ".join(sorted(declared)) or "none"
                raise UsageError(f"{where}: rules.{ref}: unknown option {name!r}"
                                 f"{_suggest(name, set(declared))} ({rule.id} options: {known})")
            default = declared[name]
            if not _same_type(value, default):
                raise UsageError(f"{where}: rules.{ref}.{name} must be "
                                 f"{_type_name(default)}, not {value!r}")


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    if isinstance(default, (list, tuple)):
        return isinstance(value, list)
    return default is None or isinstance(value, type(default))


def _type_name(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, (int, float)):
        return "a number"
    if isinstance(default, (list, tuple)):
        return "a list"
    if isinstance(default, str):
        return "a string"
    return type(default).__name__


def from_text(text: str, where: str) -> Config:
    """A config from TOML text (the file `mlaudit init` is about to write)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return from_mapping(tomllib.loads(text), where)


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
    except UnicodeDecodeError:
        raise UsageError(f"{path.name}: invalid TOML: the file is not UTF-8") from None
    except RecursionError:
        raise UsageError(f"{path.name}: invalid TOML: nested too deeply") from None


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
