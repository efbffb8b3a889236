"""Reading `run:` scripts as a shell would: commands, the operators between them, errexit.

GitHub runs an unspecified-shell step as `bash -e {0}` (errexit, no pipefail) and
`shell: bash` as `bash --noprofile --norc -eo pipefail {0}`; whether a failing command
fails the step depends on that and on what follows it (`|| true`, a pipe, `set +e`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from mlaudit.models.workflow import RunScript, Step

_OPERATORS = {"||", "&&", "|", ";", "&", ";;", "|&"}
# Prefixes that run the real command: strip them to see what runs.
_RUNNERS = {
    ("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run"),
    ("rye", "run"), ("conda", "run"), ("micromamba", "run"),
}
_WRAPPERS = {"sudo", "time", "exec", "command", "env", "npx", "pnpx", "bunx", "xvfb-run"}
_ASSIGN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]  # wrappers and runner prefixes removed
    line: int  # source line where the command starts
    after: str  # the operator that follows: "||", "&&", "|", ";" or "" (end of script)
    rhs: tuple[str, ...]  # the command after the operator (for `|| true`)
    errexit: bool  # `set -e` in force when it runs
    pipefail: bool
    last: bool  # the script's final command (its status is the step's status)


def _tokens(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes: a rough split still finds command words
        return text.split()


def strip_prefixes(argv: list[str]) -> list[str]:
    """Drop `sudo`, `VAR=x`, `npx`, `uv run --frozen` ... in front of the real command."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in _WRAPPERS or _ASSIGN_RE.match(token):
            i += 1
        elif i + 1 < len(argv) and (token, argv[i + 1]) in _RUNNERS:
            i += 2
            while i < len(argv) and argv[i].startswith("-"):
                i += 1
        elif token.startswith("-") and i > 0 and argv[i - 1] in ("npx", "env", "sudo"):
            i += 1
        else:
            break
    return argv[i:]


def _initial_modes(shell: str | None) -> tuple[bool, bool]:
    if shell is None or shell in ("sh",):
        return True, False
    if shell == "bash":
        return True, True
    if "{0}" in shell:  # a custom template: read its flags
        flags = " ".join(t for t in shell.split() if t.startswith("-") and not t.startswith("--"))
        return "e" in flags, "pipefail" in shell
    return True, False  # pwsh, python, cmd: a failing script fails the step


def commands(step: Step) -> Iterator[Command]:
    """Every simple command of a step's script, in order, with its failure context."""
    script = step.run
    if script is None:
        return
    errexit, pipefail = _initial_modes(step.shell)
    pending: list[tuple[int, list[str]]] = []
    for line, text in _logical_lines(script):
        current: list[str] = []
        glue = False
        for token in _tokens(text):
            if token in ("&", "|&") and current and current[-1].endswith((">", "<")):
                current[-1] += token  # a redirection such as 2>&1, not an operator
                glue = True
                continue
            if glue and token not in _OPERATORS:
                current[-1] += token  # the `1` of 2>&1
                glue = False
                continue
            glue = False
            if token in _OPERATORS:
                pending.append((line, [*current, token]))
                current = []
            else:
                current.append(token)
        if current:
            pending.append((line, [*current, ";"]))
    parsed = [(line, toks[:-1], toks[-1]) for line, toks in pending]
    for index, (line, argv, op) in enumerate(parsed):
        if not argv:
            continue
        nxt = parsed[index + 1][1] if index + 1 < len(parsed) else []
        core = strip_prefixes(argv)
        errexit, pipefail = _set_flags(core, errexit, pipefail)
        last = index == len(parsed) - 1
        yield Command(tuple(core), line, "" if last and op == ";" else op,
                      tuple(strip_prefixes(nxt)), errexit, pipefail, last)


def _set_flags(argv: list[str], errexit: bool, pipefail: bool) -> tuple[bool, bool]:
    if not argv or argv[0] != "set":
        return errexit, pipefail
    args = argv[1:]
    for i, arg in enumerate(args):
        if re.match(r"^[-+][a-zA-Z]+$", arg):
            on = arg[0] == "-"
            if "e" in arg:
                errexit = on
            if "o" in arg and i + 1 < len(args) and args[i + 1] == "pipefail":
                pipefail = on
        if arg in ("errexit",) and i > 0 and args[i - 1] in ("-o", "+o"):
            errexit = args[i - 1] == "-o"
    return errexit, pipefail


def _logical_lines(script: RunScript) -> Iterator[tuple[int, str]]:
    """Source lines with `\\` continuations joined, numbered by their first line."""
    start = 0
    buffer: list[str] = []
    for number, text in script.lines:
        if not buffer:
            start = number
        if text.endswith("\\"):
            buffer.append(text[:-1])
            continue
        buffer.append(text)
        yield start, " ".join(buffer)
        buffer = []
    if buffer:
        yield start, " ".join(buffer)


def failure_masked(command: Command) -> str | None:
    """Why a failure of `command` would not fail the step, or None when it would."""
    if command.after == "||":
        rhs = command.rhs
        if rhs[:1] == ("false",) or (rhs[:1] == ("exit",) and rhs[1:2] != ("0",)):
            return None
        return f"`|| {' '.join(rhs) or 'true'}` swallows its failure"
    if command.after == "|" and not command.pipefail:
        return "its output is piped without `set -o pipefail`, so the pipe's status wins"
    if not command.errexit and not command.last:
        return "errexit is off (`set +e`) and later commands decide the step's status"
    return None
