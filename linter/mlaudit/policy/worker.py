"""The policy worker: `python -m mlaudit.policy.worker`, driven by `mlaudit.policy.runner`.

It runs regopy (rego-cpp) in its own process: rego-cpp has no evaluation time limit, and
some malformed queries crash it, so the scan process only ever talks to it through pipes
and can stop it. Protocol: one JSON request on stdin
`{"modules": [{"path", "source"}], "entrypoints": [[id, "pkg/path/rule", module path]],
"input": <JSON text or null>}`; JSON lines on stdout: `{"event": "module-error", "path", "offset",
"message"}` for a module that does not compile, `{"event": "start", "id"}` before each
entrypoint, `{"event": "result", "id", "ok", "value" | "error"}` after it, and
`{"event": "done"}`. rego-cpp prints its own diagnostics on stdout, so the protocol uses a
duplicate of the original stdout and the library's writes go to stderr.

Modules are compiled once into one bundle (entrypoints: every policy's `deny`, or every
test rule); the input is set once; each entrypoint is then evaluated once.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, TextIO

_ERROR_AT_RE = re.compile(r"\(error \d+:([^|\n]*)\|(\d+)\|(\d+)")
_ERRORMSG_RE = re.compile(r"\(errormsg \d+:([^\n]*)\)")


def _send(out: TextIO, **message: Any) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def _explain(raw: str) -> tuple[str, str | None, int | None]:
    """rego-cpp's error tree as (message, module path, character offset)."""
    messages = _ERRORMSG_RE.findall(raw)
    at = _ERROR_AT_RE.search(raw)
    message = "; ".join(dict.fromkeys(m.strip() for m in messages)) or raw.strip()[:300]
    if at is None:
        return message, None, None
    return message, at.group(1) or None, int(at.group(2))


def main() -> int:
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the library's own prints must not corrupt the protocol
    request = json.loads(sys.stdin.read())
    try:
        import regopy
        from regopy import rego_shared as api
    except ImportError as exc:
        _send(out, event="missing", error=str(exc))
        return 0
    modules: list[dict[str, str]] = request["modules"]
    entrypoints: list[list[str]] = request["entrypoints"]

    def interpreter(usable: list[dict[str, str]]) -> Any:
        rego = regopy.Interpreter()
        # A built-in error (division by zero, a type error) is an error, not "undefined":
        # a policy that fails must never look like a policy that found nothing.
        rego.strict_built_in_errors = True
        for module in usable:
            rego.add_module(module["path"], module["source"])
        return rego

    usable: list[dict[str, str]] = []
    for module in modules:
        try:
            interpreter([module])  # parse alone first: a syntax error names its own file
        except regopy.RegoError as exc:
            message, path, offset = _explain(str(exc))
            _send(out, event="module-error", path=path or module["path"], offset=offset,
                  message=message)
            continue
        usable.append(module)
    while True:
        rego = interpreter(usable)
        if request.get("input") is not None:
            api.rego_set_input_term(rego._impl, request["input"])
        paths = {m["path"] for m in usable}
        wanted = [e for e in entrypoints if e[2] in paths]
        try:
            bundle = rego.build(None, [e[1] for e in wanted]) if wanted else None
            break
        except regopy.RegoError as exc:
            message, path, offset = _explain(str(exc))
            _send(out, event="module-error", path=path, offset=offset, message=message)
            if path not in paths:  # cannot tell which module: nothing can run
                _send(out, event="done")
                return 0
            usable = [m for m in usable if m["path"] != path]
    for entry in wanted:
        assert bundle is not None  # built, since `wanted` is not empty
        _send(out, event="start", id=entry[0])
        try:
            output = api.rego_bundle_query_entrypoint(rego._impl, bundle._impl, entry[1])
        except regopy.RegoError as exc:
            message, path, offset = _explain(str(exc))
            _send(out, event="result", id=entry[0], ok=False, error=message, offset=offset)
            continue
        try:
            if not api.rego_output_ok(output):
                error = api.rego_get_error(rego._impl)
                _send(out, event="result", id=entry[0], ok=False,
                      error=error or "evaluation failed (a built-in function raised an error, "
                      "e.g. a division by zero or an argument of the wrong type)")
                continue
            text = api.rego_output_string(output)
        finally:
            api.rego_free_output(output)
        if text.startswith("(error"):
            message, _, offset = _explain(text)
            _send(out, event="result", id=entry[0], ok=False, error=message, offset=offset)
        elif text == "undefined" or not text:
            _send(out, event="result", id=entry[0], ok=True, value=None)
        else:
            expressions = json.loads(text).get("expressions") or [None]
            _send(out, event="result", id=entry[0], ok=True, value=expressions[0])
    _send(out, event="done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
