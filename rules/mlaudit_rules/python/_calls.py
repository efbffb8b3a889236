"""Following the calls a serving entry point makes (a Lambda handler, a web route) to the
model loads they reach, for MLA601 and MLA715.

Calls are followed through functions of the same module and of other modules of the
package (`from .models import load`, `from app.models import load`), up to `DEPTH` calls
deep. A function that keeps what it computes (`lru_cache`, a global checked for None, an
attribute) ends a chain: what it calls runs once.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any

from mlaudit.models.python_source import Function, ModelLoad, PythonModule


def _owner(module: PythonModule, load: ModelLoad) -> Function | None:
    """The innermost function whose body holds the load (names alone are ambiguous)."""
    line = load.span.line
    found = [f for f in module.functions
             if f.span.line <= line <= max(f.span.end_line, f.span.line)]
    return max(found, key=lambda f: f.span.line, default=None)


def per_call(module: PythonModule, fn: Function) -> list[ModelLoad]:
    return [ld for ld in module.model_loads if ld.per_call and _owner(module, ld) == fn]


def _callee(module: PythonModule, name: str, modules: dict[str, PythonModule]
            ) -> tuple[PythonModule, Function] | None:
    if "." not in name:  # a function of this module (or one nested in the handler)
        found = module.function(name)
        return (module, found) if found is not None and found.class_name is None else None
    if name.startswith("."):  # `from .models import load` -> ".models.load"
        level = len(name) - len(name.lstrip("."))
        mod, _, func = name[level:].rpartition(".")
        base = posixpath.dirname(module.path)
        for _ in range(level - 1):
            base = posixpath.dirname(base)
        stem = posixpath.join(base, mod.replace(".", "/")) if mod else base
        other = modules.get(stem + ".py") or modules.get(posixpath.join(stem, "__init__.py"))
    else:
        mod, func = name.rsplit(".", 1)  # `from model import load` resolves to model.load
        # The package root on sys.path is the code directory, some ancestor of this file.
        base, other = posixpath.dirname(module.path), None
        while other is None:
            other = modules.get(posixpath.join(base, mod.replace(".", "/") + ".py"))
            if not base:
                break
            base = posixpath.dirname(base)
    found = other.function(func) if other is not None else None
    return (other, found) if other is not None and found is not None and found.module_level \
        else None


# A function that keeps what it computes across calls: what it calls runs once.
_CACHE_DECORATORS = ("functools.lru_cache", "functools.cache", "lru_cache", "cache",
                     "functools.cached_property", "cachetools.cached", "cached")
_KEEPS = re.compile(r"^\s*(?:global|nonlocal)\s|\bhasattr\(|\w*cache\w*\s*\[|"
                    r"^\s*[A-Za-z_][\w.]*\.\w+\s*=\s*[A-Za-z_][\w.]*\(", re.IGNORECASE)
DEPTH = 4  # helper calls followed from the handler


def _keeps_result(fn: Function, lines: list[str] | None) -> bool:
    if any(d.split("(")[0] in _CACHE_DECORATORS for d in fn.decorators):
        return True
    if lines is None:
        return True  # cannot read the body: assume it may cache
    body = lines[fn.span.line:max(fn.span.end_line, fn.span.line)]
    return any(_KEEPS.search(line) for line in body)


def reached(module: PythonModule, handler: Function, modules: dict[str, PythonModule],
            read: Callable[[str], str | None], extra: tuple[str, ...] = ()
            ) -> list[tuple[PythonModule, Function, Function | None]]:
    """Functions the handler calls, directly or through helpers, up to DEPTH calls deep,
    with the first helper of the chain; calls made by a function that caches (a global
    checked for None, lru_cache) are not followed: they run once. `extra` names what the
    framework calls for the handler on every call (FastAPI `Depends` providers)."""
    texts: dict[str, list[str] | None] = {}

    def lines(mod: PythonModule) -> list[str] | None:
        if mod.path not in texts:
            text = read(mod.path)
            texts[mod.path] = text.splitlines() if text is not None else None
        return texts[mod.path]

    out: list[tuple[PythonModule, Function, Function | None]] = []
    seen = {(module.path, handler.name)}
    frontier: list[tuple[PythonModule, Function, Function | None]] = [(module, handler, None)]
    for _ in range(DEPTH):
        following: list[tuple[PythonModule, Function, Function | None]] = []
        for mod, fn, first in frontier:
            if _keeps_result(fn, lines(mod)):
                continue
            names = (*fn.calls, *extra) if fn is handler else fn.calls
            for name in dict.fromkeys(names):
                callee = _callee(mod, name, modules)
                if callee is None or (callee[0].path, callee[1].name) in seen:
                    continue
                seen.add((callee[0].path, callee[1].name))
                if any(d.split("(")[0] in _CACHE_DECORATORS for d in callee[1].decorators):
                    continue
                item = (callee[0], callee[1], first or callee[1])
                out.append(item)
                following.append(item)
        frontier = following
    return out


def join_downloads(hits: list[tuple[PythonModule, ModelLoad, str]]
                   ) -> list[tuple[PythonModule, ModelLoad, str, list[ModelLoad]]]:
    """(module, load, helper) hits grouped into findings. A download and the load of what
    it fetched a few lines later are one fact (one fix, caching, removes both): the load
    joins the download's finding. Two different models loaded are two findings."""
    findings: list[tuple[PythonModule, Any, str, list[Any]]] = []
    for where, load, helper in hits:
        previous = findings[-1] if findings else None
        if previous is not None and previous[0].path == where.path and \
                previous[2] == helper and "download" in previous[1].call and \
                not previous[3] and "download" not in load.call:
            previous[3].append(load)
            continue
        findings.append((where, load, helper, []))
    return findings
