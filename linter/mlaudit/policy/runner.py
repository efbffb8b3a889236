"""Run Rego entrypoints in the worker process, with a time limit per entrypoint.

The limit applies to compiling and to each entrypoint (a policy's `deny`, or one test
rule). A worker that runs past it is killed, the entrypoint it was on is reported as
stopped, and a new worker evaluates the ones not reached yet; a worker that crashes is
handled the same way. Nothing here is ever silent: every entrypoint ends with a value or
an error.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mlaudit.policy import INSTALL_HINT
from mlaudit.policy.source import PolicyFile


@dataclass
class ModuleError:
    policy: PolicyFile | None
    line: int
    column: int
    message: str

    def describe(self) -> str:
        where = f"{self.policy.shown}:{self.line}:{self.column}: " if self.policy else ""
        return f"{where}{self.message}"


@dataclass
class Outcome:
    values: dict[str, Any] = field(default_factory=dict)  # entrypoint id -> value
    errors: dict[str, str] = field(default_factory=dict)  # entrypoint id -> message
    module_errors: list[ModuleError] = field(default_factory=list)
    fatal: str | None = None  # nothing could run (no regopy, the worker would not start)


def regopy_available() -> bool:
    """Without importing it (the scan process never loads rego-cpp)."""
    import importlib.util

    try:
        return importlib.util.find_spec("regopy") is not None
    except (ImportError, ValueError, AttributeError):
        return False


def missing_extra_message() -> str:
    return f"policies are configured but the Rego engine is not installed: run {INSTALL_HINT}"


def run(modules: Sequence[PolicyFile], entrypoints: Sequence[tuple[str, str, PolicyFile]],
        input_json: str | None, timeout: float) -> Outcome:
    """Evaluate each entrypoint (id, `pkg/path/rule`, its module) once."""
    outcome = Outcome()
    if not regopy_available():
        outcome.fatal = missing_extra_message()
        return outcome
    by_shown = {m.shown: m for m in modules}
    pending = list(entrypoints)
    broken: set[str] = set()
    while pending:
        request = {
            "modules": [{"path": m.shown, "source": _source(m)}
                        for m in modules if m.shown not in broken],
            "entrypoints": [[i, ep, m.shown] for i, ep, m in pending],
            "input": input_json,
        }
        done, stopped_at = _one_worker(request, timeout, by_shown, outcome, broken)
        if outcome.fatal:
            return outcome
        finished = set(outcome.values) | set(outcome.errors)
        for entry_id, _, module in pending:
            if module.shown in broken and entry_id not in finished:
                outcome.errors[entry_id] = f"{module.shown} does not compile"
        pending = [p for p in pending if p[0] not in outcome.values
                   and p[0] not in outcome.errors]
        if done or stopped_at is None:
            # A worker that finished without answering for some entrypoint: never silent.
            for entry_id, _, _ in pending:
                outcome.errors[entry_id] = "no result from the Rego engine"
            break
    return outcome


def _line_of(text: str, offset: int) -> tuple[int, int]:
    before = text[:max(0, offset)]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _source(module: PolicyFile) -> str:
    """The text compiled: a module with test rules gets `with input as {...}` rewritten
    (mlaudit.policy.rewrite), also in a scan, where its tests are compiled but not run."""
    if not module.tests:
        return module.text
    from mlaudit.policy.rewrite import rewrite_with_input

    return rewrite_with_input(module.text)


def _one_worker(request: dict[str, Any], timeout: float, by_shown: dict[str, PolicyFile],
                outcome: Outcome, broken: set[str]) -> tuple[bool, str | None]:
    """Run one worker until it is done, stopped or crashes. Returns (done, the entrypoint
    it was stopped or crashed on)."""
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "mlaudit.policy.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    except OSError as exc:
        outcome.fatal = f"cannot start the policy worker: {exc.strerror}"
        return False, None
    lines: queue.Queue[str | None] = queue.Queue()
    errors: list[str] = []

    def pump_out() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    def pump_err() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            errors.append(line)
            del errors[:-50]

    def feed() -> None:
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps(request))
            process.stdin.close()
        except OSError:
            pass  # the worker died; reported below

    threads = [threading.Thread(target=f, daemon=True) for f in (pump_out, pump_err, feed)]
    for thread in threads:
        thread.start()
    current: str | None = None
    done = False
    try:
        while True:
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                process.kill()
                what = current or "compiling the policies"
                if current is not None:
                    outcome.errors[current] = (f"ran longer than the policy time limit "
                                               f"({timeout:g} s) and was stopped")
                else:
                    outcome.fatal = f"{what} took longer than {timeout:g} s and was stopped"
                return False, current
            if line is None:
                break
            event = json.loads(line)
            kind = event.get("event")
            if kind == "missing":
                outcome.fatal = missing_extra_message()
                return False, None
            if kind == "module-error":
                policy = by_shown.get(event.get("path") or "")
                offset = event.get("offset")
                # The offset is into the text the worker compiled (maybe rewritten).
                line_no, column = _line_of(_source(policy), offset) \
                    if policy and offset is not None else (1, 1)
                outcome.module_errors.append(ModuleError(policy, line_no, column,
                                                         event["message"]))
                if policy is not None:
                    broken.add(policy.shown)
            elif kind == "start":
                current = event["id"]
            elif kind == "result":
                if event.get("ok"):
                    outcome.values[event["id"]] = event.get("value")
                else:
                    outcome.errors[event["id"]] = event.get("error") or "evaluation failed"
                current = None
            elif kind == "done":
                done = True
    finally:
        if process.poll() is None and not done:
            process.kill()
        process.wait()
    if not done:
        detail = "".join(errors).strip().splitlines()[-1:] or [f"exit code {process.returncode}"]
        message = f"the Rego engine stopped unexpectedly ({detail[0]})"
        if current is not None:
            outcome.errors[current] = message
        else:
            outcome.fatal = message
        return False, current
    return True, None
