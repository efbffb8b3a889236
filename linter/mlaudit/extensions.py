"""Rules from outside the built-in pack: Rego policies (`--policy`, `policies = [...]`)
and rule plugins (entry point group `mlaudit.rules`). Commands call `load` and select from
built-ins and these alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlaudit.errors import UsageError
from mlaudit.finding import Diagnostic, DiagnosticLevel
from mlaudit.rule import Rule


@dataclass
class Extensions:
    rules: list[Rule[Any]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # reported with the scan


def policy_paths(cli: Sequence[str] | None, configured: Sequence[str],
                 config_dir: Path) -> list[Path]:
    """`--policy` paths (relative to the working directory), then the config's `policies`
    (relative to the directory of the config file that names them)."""
    return [*(Path(p) for p in cli or ()), *(config_dir / p for p in configured)]


def load(paths: Sequence[Path], timeout: float | None, taken: Iterable[str]) -> Extensions:
    out = Extensions()
    used = set(taken)
    if paths:
        from mlaudit.policy import PolicyError
        from mlaudit.policy.rules import DIAGNOSTIC_CODE, timeout_from
        from mlaudit.policy.rules import load as load_policies

        try:
            policies = load_policies(paths, timeout_from(timeout))
        except PolicyError as exc:
            raise UsageError(str(exc)) from None
        out.diagnostics.extend(Diagnostic(message, None, DiagnosticLevel.ERROR, DIAGNOSTIC_CODE)
                               for message in policies.problems)
        for rule in policies.rules:
            clash = {rule.id, rule.name} & used
            if clash:
                out.diagnostics.append(Diagnostic(
                    f"policy {rule.id} ({rule.origin}) reuses {', '.join(sorted(clash))}, "
                    "already taken by a rule; it did not run", None, DiagnosticLevel.ERROR,
                    DIAGNOSTIC_CODE))
                continue
            used.update({rule.id, rule.name})
            out.rules.append(rule)
    from mlaudit import plugins

    found, problems = plugins.discover(used)
    out.rules.extend(found)
    out.diagnostics.extend(problems)
    return out
