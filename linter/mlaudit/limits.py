"""Documented limits on what one file may cost, and the notices that report a breach.

Every bound here is in docs/limits.md. A breach never ends the scan: the value (or the
rest of the file) is treated as unknown and a note-level diagnostic names the file, so
the user knows that part was not checked. Code running inside the scan (the Terraform
evaluator, builders) calls `notice`; the engine collects them with `start`/`stop`.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

from mlaudit.finding import Diagnostic, DiagnosticLevel
from mlaudit.span import Span

# Terraform evaluation
MAX_STRING = 1024 * 1024  # characters in one evaluated string (locals that double a string)
MAX_ITEMS = 100_000  # items in one evaluated list or map, and in range()
MAX_WEIGHT = 4 * 1024 * 1024  # characters + items in the arguments of one function call
MAX_FORMAT_WIDTH = 4096  # width / precision of one format() verb
MAX_MODULE_INSTANCES = 500  # module instances under one root module (calls fanned out)
# YAML
MAX_YAML_NODES = 200_000  # nodes after aliases and merge keys are expanded
# nginx
MAX_NGINX_INCLUDES = 256  # files one configuration may include, transitively
# any parser
MAX_PARSE_SECONDS = 60.0  # wall time to parse one file (a loaded CI machine is slow)
MAX_ALLOWLIST_LINE = 4096  # longer lines skip detect-secrets' allowlist regexes

_sink: ContextVar[list[Diagnostic] | None] = ContextVar("mlaudit_limit_notices", default=None)


def notice(path: str, line: int, message: str, code: str = "limit-exceeded") -> None:
    """Record that a limit was hit in `path` (once per path, line and message)."""
    sink = _sink.get()
    if sink is None:
        return
    diagnostic = Diagnostic(message, Span(path, max(1, line)), DiagnosticLevel.NOTE, code)
    if diagnostic not in sink:
        sink.append(diagnostic)


def start() -> tuple[Token[list[Diagnostic] | None], list[Diagnostic]]:
    """Begin collecting notices; hand the result to `stop`."""
    found: list[Diagnostic] = []
    return _sink.set(found), found


def stop(handle: tuple[Token[list[Diagnostic] | None], list[Diagnostic]]) -> list[Diagnostic]:
    """End the collection begun by `start`: the notices raised since."""
    token, found = handle
    _sink.reset(token)
    return found
