"""Rule plugins: third-party packages that add rules written with mlaudit's `Rule` API.

A distribution declares an entry point in the group `mlaudit.rules`; its object is a
`Rule`, a list or tuple of them, or a module with `RULE` or `RULES`:

    [project.entry-points."mlaudit.rules"]
    acme = "acme_mlaudit_rules:RULES"

Plugins are isolated: one that fails to import, or whose object is not rules, is a
diagnostic naming it and the scan goes on without it (exit 2: results are missing); a
plugin rule whose check raises is reported the same way by the engine. A plugin rule may
not reuse an id or name that is already taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mlaudit.finding import Diagnostic, DiagnosticLevel
from mlaudit.rule import Rule

GROUP = "mlaudit.rules"
DIAGNOSTIC_CODE = "plugin-error"


def _error(message: str) -> Diagnostic:
    return Diagnostic(message, None, DiagnosticLevel.ERROR, DIAGNOSTIC_CODE)


def _rules_of(value: Any) -> list[Any] | None:
    if isinstance(value, Rule):
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    for attr in ("RULES", "RULE"):
        if hasattr(value, attr):
            return _rules_of(getattr(value, attr))
    return None


def _any_declared() -> bool:
    """Whether any distribution on sys.path declares the group, read from the
    `entry_points.txt` files directly: importing importlib.metadata and loading every
    distribution costs a pre-commit run on one file far more than this (and nearly every
    run has no plugin)."""
    import os
    import sys

    marker = f"[{GROUP}]"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue  # a zip file or a missing directory: left to importlib.metadata below
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(entry or ".", name, "entry_points.txt"),
                          encoding="utf-8") as handle:
                    if marker in handle.read():
                        return True
            except OSError:
                continue
    # A zipped sys.path entry (rare) cannot be listed this way: ask importlib.metadata.
    return any(entry.endswith((".zip", ".egg", ".whl")) and os.path.isfile(entry)
               for entry in sys.path)


def discover(taken: Iterable[str]) -> tuple[list[Rule[Any]], list[Diagnostic]]:
    """Every plugin rule installed, and a diagnostic per plugin that could not be used.
    `taken` holds the ids and names already in use (built-ins, policies)."""
    if not _any_declared():
        return [], []
    from importlib.metadata import entry_points

    used = {t.lower() for t in taken}
    rules: list[Rule[Any]] = []
    diagnostics: list[Diagnostic] = []
    for point in sorted(entry_points(group=GROUP), key=lambda p: p.name):
        dist = getattr(point.dist, "name", None) or point.name
        label = f"rule plugin '{point.name}' ({dist}: {point.value})"
        try:
            value = point.load()
        except Exception as exc:  # any failure of third-party code: isolate it
            diagnostics.append(_error(f"{label} failed to load ({type(exc).__name__}: "
                                      f"{exc}); its rules did not run"))
            continue
        found = _rules_of(value)
        if found is None or not found or not all(isinstance(r, Rule) for r in found):
            diagnostics.append(_error(f"{label} is not a Rule, a list of Rules or a module "
                                      "with RULE/RULES; its rules did not run"))
            continue
        for rule in found:
            clash = {rule.id.lower(), rule.name.lower()} & used
            if clash:
                diagnostics.append(_error(f"{label}: rule {rule.id} ({rule.name}) reuses "
                                          f"{', '.join(sorted(clash))}, already taken; "
                                          "it did not run"))
                continue
            used.update({rule.id.lower(), rule.name.lower()})
            rule.origin = f"plugin {dist}"
            rules.append(rule)
    return rules, diagnostics
