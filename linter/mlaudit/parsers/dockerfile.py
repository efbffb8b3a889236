"""Dockerfile parser: dockerfile-parse for the instruction structure, then our own model.

dockerfile-parse gives each instruction with 0-based start/end lines. We resolve ARG/ENV
the way the builder does (global ARGs before the first FROM are visible in FROM lines;
ARG and ENV inside a stage apply to later instructions of that stage), split CMD and
ENTRYPOINT into argv, and record what the final stage starts.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field

from mlaudit.models.command import analyse_argv, split_shell
from mlaudit.models.dockerfile import Command, Dockerfile, ExposedPort, Instruction, Stage
from mlaudit.models.image import parse_image
from mlaudit.parsers import ParseError
from mlaudit.redact import printable_token
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "2"

_VAR_RE = re.compile(
    # The reference definition of `substitute` (which scans by hand; tests compare).
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+]([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)
_KNOWN = {
    "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
    "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}


def substitute(text: str, env: dict[str, str]) -> str:
    """Expand $VAR, ${VAR}, ${VAR:-default}; unknown variables stay as written.

    What `_VAR_RE` describes, scanned by hand in linear time: the pattern looked for the
    closing brace from every unclosed `${A:-` of a line (seconds on a crafted line)."""
    out: list[str] = []
    pos, size = 0, len(text)
    close = 0  # the next `}` at or after the default being read; size + 1: none left
    at = text.find("$")
    while at != -1:
        end, name, default = -1, "", None
        if text.startswith("{", at + 1):
            stop = _name_end(text, at + 2)
            name = text[at + 2:stop]
            if name and stop < size and text[stop] == "}":
                end = stop + 1
            elif name:
                first = stop + 2 if text.startswith((":-", ":+"), stop) else \
                    stop + 1 if text.startswith(("-", "+"), stop) else -1
                if first != -1 and close <= size:
                    if close < first:
                        found = text.find("}", first)
                        close = found if found != -1 else size + 1
                    if close <= size:
                        default, end = text[first:close], close + 1
        else:
            stop = _name_end(text, at + 1)
            name = text[at + 1:stop]
            end = stop if name else -1
        if end == -1:
            at = text.find("$", at + 1)
            continue
        whole = text[at:end]
        out.append(text[pos:at])
        if name in env and env[name] != "":
            out.append(env[name])
        elif default is not None and "-" in whole:
            out.append(default)
        else:
            out.append(whole)
        pos = end
        at = text.find("$", end)
    out.append(text[pos:])
    return "".join(out)


_NAME_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_REST = _NAME_FIRST | frozenset("0123456789")


def _name_end(text: str, start: int) -> int:
    """End of the variable name starting at `start` (== start when there is none)."""
    if start >= len(text) or text[start] not in _NAME_FIRST:
        return start
    end = start + 1
    while end < len(text) and text[end] in _NAME_REST:
        end += 1
    return end


def _key_values(value: str) -> list[tuple[str, str]]:
    """Parse `ENV a=1 b="2"`, `ARG x=1` and the legacy `ENV key value` form."""
    tokens = split_shell(value)
    if tokens and "=" not in tokens[0]:
        return [(tokens[0], " ".join(tokens[1:]))] if len(tokens) > 1 else [(tokens[0], "")]
    pairs = []
    for token in tokens:
        name, _, val = token.partition("=")
        pairs.append((name, val))
    return pairs


def _command(value: str, span: Span) -> Command:
    stripped = value.strip()
    if stripped.startswith("["):
        try:
            argv = json.loads(stripped)
            if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
                return Command(tuple(argv), True, span)
        except json.JSONDecodeError:
            pass  # the builder treats an invalid JSON array as shell form
    return Command(("/bin/sh", "-c", stripped), False, span)


_PIP_RE = re.compile(r"\b(?:pip3?|python3?\s+-m\s+pip|uv\s+pip)\s+install\s+(.*)")
_APT_RE = re.compile(r"\b(?:apt-get|apt|apk|yum|dnf|microdnf)\s+(?:install|add)\s+(.*)")


def _packages(run: str) -> list[str]:
    found: list[str] = []
    for part in re.split(r"&&|;|\|\|", run):
        for regex in (_APT_RE, _PIP_RE):
            match = regex.search(part)
            if match:
                for token in split_shell(match.group(1)):
                    if not token.startswith("-") and not token.startswith("$"):
                        found.append(re.split(r"[=<>~!\[]", token, maxsplit=1)[0].lower())
    return found


@dataclass
class _StageBuilder:
    """A stage while its instructions are being read."""

    index: int
    name: str | None
    image: str
    span: Span
    env: dict[str, str]
    instructions: list[Instruction] = field(default_factory=list)


def parse(source: SourceFile) -> Dockerfile:
    from dockerfile_parse import DockerfileParser

    try:
        parser = DockerfileParser(fileobj=io.BytesIO(source.text.encode("utf-8")))
        structure = parser.structure
    except Exception as exc:  # dockerfile-parse raises plain exceptions on odd input
        raise ParseError(f"cannot parse Dockerfile: {exc}") from exc

    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    current: _StageBuilder | None = None
    seen_instruction = False

    def close() -> None:
        if current is not None:
            stages.append(_build_stage(current))

    for item in structure:
        keyword = str(item["instruction"]).upper()
        if keyword == "COMMENT":
            continue
        start, end = int(item["startline"]) + 1, int(item["endline"]) + 1
        raw_value = str(item["value"])
        first_line = source.lines[start - 1] if start - 1 < len(source.lines) else ""
        column = len(first_line) - len(first_line.lstrip()) + 1
        span = Span(source.path, start, column, end, len(source.lines[end - 1]) + 1
                    if end - 1 < len(source.lines) else 0)
        if keyword not in _KNOWN:
            raise ParseError(f"unknown instruction {printable_token(keyword)}", start, column)
        seen_instruction = True
        if keyword == "FROM":
            close()
            value = substitute(raw_value, global_args)
            parts = value.split()
            parts = [p for p in parts if not p.startswith("--platform")]
            if not parts:
                raise ParseError("FROM without an image", start, column)
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            current = _StageBuilder(len(stages), name, parts[0], span, dict(global_args))
            continue
        if current is None:
            if keyword == "ARG":
                for name, val in _key_values(raw_value):
                    global_args[name] = substitute(val, global_args)
                continue
            raise ParseError(f"{keyword} before the first FROM", start, column)
        env = current.env
        value = raw_value if keyword in ("RUN", "CMD", "ENTRYPOINT") else substitute(raw_value, env)
        if keyword in ("ARG", "ENV"):
            for name, val in _key_values(raw_value):
                if keyword == "ARG" and not val:
                    env.setdefault(name, global_args.get(name, ""))
                else:
                    env[name] = substitute(val, env)
        current.instructions.append(Instruction(keyword, value, raw_value, span))
    close()
    if not seen_instruction or not stages:
        raise ParseError("no FROM instruction: not a Dockerfile")
    return _finish(source.path, stages)


def _build_stage(data: _StageBuilder) -> Stage:
    instructions = tuple(data.instructions)
    env = data.env
    healthcheck = user = None
    cmd = entrypoint = None
    exposed: list[ExposedPort] = []
    packages: list[str] = []
    for ins in instructions:
        if ins.keyword == "HEALTHCHECK":
            healthcheck = ins
        elif ins.keyword == "USER":
            user = ins
        elif ins.keyword == "CMD":
            cmd = _command(ins.value, ins.span)
        elif ins.keyword == "ENTRYPOINT":
            entrypoint = _command(ins.value, ins.span)
        elif ins.keyword == "EXPOSE":
            for token in ins.value.split():
                port_text, _, proto = token.partition("/")
                port = int(port_text) if port_text.isdigit() else None
                exposed.append(ExposedPort(port, proto or "tcp", token, ins.span))
        elif ins.keyword == "RUN":
            packages.extend(_packages(ins.value))
    return Stage(
        index=data.index,
        name=data.name,
        image=parse_image(data.image),
        from_span=data.span,
        instructions=instructions,
        healthcheck=healthcheck,
        user=user,
        cmd=cmd,
        entrypoint=entrypoint,
        exposed=tuple(exposed),
        env=dict(env),
        packages=tuple(packages),
    )


def _finish(path: str, stages: list[Stage]) -> Dockerfile:
    final = stages[-1]
    # A stage built FROM an earlier stage inherits its HEALTHCHECK, USER, CMD and ENTRYPOINT.
    inherited_hc = False
    inherited_user = None
    launch = final.launch_argv
    parent = _parent(stages, final)
    while parent is not None:
        inherited_hc = inherited_hc or parent.healthcheck is not None
        if final.user is None and inherited_user is None and parent.user is not None:
            inherited_user = parent.user
        if not launch:
            launch = parent.launch_argv
        parent = _parent(stages, parent)
    resolved = tuple(substitute(a, final.env) for a in launch)
    server = analyse_argv(resolved) if resolved else None
    return Dockerfile(path, tuple(stages), server, inherited_hc, inherited_user)


def _parent(stages: list[Stage], stage: Stage) -> Stage | None:
    for other in stages[: stage.index]:
        if other.name and other.name.lower() == stage.image.raw.lower():
            return other
    return None
