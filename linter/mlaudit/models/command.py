"""Command lines that start servers: parsed once, shared by every format that runs one.

A Dockerfile CMD, a compose `command`, an ECS `command` and EC2 user_data all end up as an
argv list; `analyse_argv` says which app server it starts and where it listens.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

# Programs that serve HTTP. `python app.py` is recognised separately (we cannot know what
# a script does without running it, so it is a server only when the Dockerfile EXPOSEs).
APP_SERVERS = (
    "uvicorn", "gunicorn", "hypercorn", "daphne", "waitress-serve", "granian",
    "streamlit", "gradio", "bentoml", "mlflow", "torchserve", "tritonserver",
    "text-generation-launcher", "vllm", "fastapi", "flask", "litserve", "panel", "voila",
)
# Default ports when none is given on the command line (each server's documented default).
DEFAULT_PORTS = {
    "uvicorn": 8000, "gunicorn": 8000, "hypercorn": 8000, "daphne": 8000, "granian": 8000,
    "flask": 5000, "streamlit": 8501, "waitress-serve": 8080, "fastapi": 8000,
    "bentoml": 3000, "mlflow": 5000, "torchserve": 8080, "tritonserver": 8000,
    "vllm": 8000, "text-generation-launcher": 80,
}
DEFAULT_HOSTS = {"uvicorn": "127.0.0.1", "gunicorn": "127.0.0.1", "flask": "127.0.0.1",
                 "hypercorn": "127.0.0.1", "fastapi": "0.0.0.0"}

_SHELL_WRAPPERS = {"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env", "env", "exec", "dumb-init",
                   "tini", "/usr/bin/dumb-init", "/sbin/tini", "/tini", "--", "gosu", "su-exec",
                   "nohup", "setsid", "/usr/bin/nohup"}


@dataclass(frozen=True, slots=True)
class ServerLaunch:
    """What a command line tells about the server it starts."""

    server: str  # uvicorn, gunicorn, ..., or "python-script"
    argv: tuple[str, ...]
    host: str | None = None
    port: int | None = None
    port_text: str | None = None  # unresolved port expression, e.g. "$PORT"
    workers: int | None = None
    app: str | None = None
    proxy_headers: bool = False
    forwarded_allow_ips: str | None = None

    @property
    def effective_port(self) -> int | None:
        if self.port is not None:
            return self.port
        if self.port_text is not None:  # set but unresolvable: cannot tell
            return None
        return DEFAULT_PORTS.get(self.server)

    @property
    def is_script(self) -> bool:
        """A program we cannot read (`python app.py`, `node server.js`, `java -jar app.jar`):
        it serves only with other evidence (an EXPOSE, a web app in the script)."""
        return self.server in ("python-script", "program")

    @property
    def binds_all_interfaces(self) -> bool:
        host = self.host if self.host is not None else DEFAULT_HOSTS.get(self.server)
        return host in ("0.0.0.0", "::", "[::]", "")


def split_shell(command: str) -> list[str]:
    """Split a shell command line; fall back to whitespace on unbalanced quotes."""
    try:
        return shlex.split(command, comments=False, posix=True)
    except ValueError:
        return command.split()


def segments(argv: list[str]) -> list[list[str]]:
    """Split an argv on shell control operators (&&, ;, ||, |) and unwrap `sh -c`."""
    out: list[list[str]] = []
    if len(argv) >= 3 and argv[0] in ("sh", "bash", "/bin/sh", "/bin/bash") and argv[1].startswith(
        "-"
    ) and "c" in argv[1]:
        return segments(split_shell(argv[2]))
    current: list[str] = []
    for token in argv:
        if token in ("&&", ";", "||", "|", "&"):
            if current:
                out.append(current)
            current = []
        elif token.endswith(";") and len(token) > 1:
            current.append(token[:-1])
            out.append(current)
            current = []
        else:
            current.append(token)
    if current:
        out.append(current)
    return out


def _strip_wrappers(argv: list[str]) -> list[str]:
    i = 0
    while i < len(argv):
        token = argv[i]
        base = token.rsplit("/", 1)[-1]
        if token in _SHELL_WRAPPERS or base in ("dumb-init", "tini", "gosu", "su-exec", "nohup",
                                                "setsid"):
            i += 1
            if base in ("gosu", "su-exec") and i < len(argv):
                i += 1  # the user argument
            continue
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", token):  # env FOO=bar prefix
            i += 1
            continue
        break
    return argv[i:]


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def analyse_argv(argv: list[str] | tuple[str, ...]) -> ServerLaunch | None:
    """Recognise an app-server launch in an argv (any segment of a shell pipeline)."""
    for segment in segments(list(argv)):
        launch = _analyse_segment(_strip_wrappers(segment))
        if launch is not None:
            return launch
    return None


def _analyse_segment(argv: list[str]) -> ServerLaunch | None:
    if not argv:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    rest = argv[1:]
    if re.match(r"^python(\d(\.\d+)?)?$", prog):
        if len(rest) >= 2 and rest[0] == "-m":
            prog, rest = rest[1], rest[2:]
            if prog.startswith("vllm.entrypoints."):  # vLLM's OpenAI server, run as a module
                prog = "vllm"
            if prog == "flask":
                prog = "flask"
        elif rest and rest[0].endswith(".py"):
            return ServerLaunch("python-script", tuple(argv), app=rest[0])
        else:
            return None
    program = _program(prog, rest, argv)
    if program is not None:
        return program
    if (prog == "fastapi" and rest[:1] == ["run"]) or (prog == "flask" and rest[:1] == ["run"]):
        rest = rest[1:]
    elif prog in ("fastapi", "flask"):
        return None
    if prog not in APP_SERVERS:
        return None
    return _options(prog, argv, rest)


# Runtimes whose programs may serve HTTP: `node app.js`, `java -jar app.jar`, `npm start`.
_RUNTIMES = {"node", "nodejs", "deno", "bun", "java", "ruby", "dotnet", "php"}
_SCRIPT_RUNNERS = {"npm", "yarn", "pnpm"}


def _program(prog: str, rest: list[str], argv: list[str]) -> ServerLaunch | None:
    """A long-running program of another runtime, as a "program" launch (see `is_script`)."""
    args = [a for a in rest if not a.startswith("-")]
    if prog in _RUNTIMES and args:
        if prog == "deno" and args[:1] == ["run"]:
            args = args[1:]
        if prog == "php" and "-S" not in rest:
            return None  # a PHP script is a one-shot; `php -S` is a server
        return ServerLaunch("program", tuple(argv), app=args[0] if args else None)
    if prog in _SCRIPT_RUNNERS and args[:1] in (["start"], ["run"]) and (
            args[:1] == ["start"] or args[1:2] in (["start"], ["serve"], ["prod"])):
        return ServerLaunch("program", tuple(argv))
    return None


def _options(server: str, argv: list[str], rest: list[str]) -> ServerLaunch:
    host: str | None = None
    port: int | None = None
    port_text: str | None = None
    workers: int | None = None
    app: str | None = None
    proxy_headers = False
    forwarded: str | None = None
    i = 0
    while i < len(rest):
        token = rest[i]
        name, _, inline = token.partition("=")
        value = inline if inline else (rest[i + 1] if i + 1 < len(rest) else "")
        consumed = 1 if inline or not token.startswith("-") else 2
        if name in ("--host", "-h", "--server.address", "--address") and server != "gunicorn":
            host = value
        elif name in ("--port", "-p", "--server.port", "--http-port"):
            port, port_text = _int(value), value
        elif name in ("--bind", "-b"):
            h, _, p = value.rpartition(":")
            if h or p:
                host = h.strip("[]") if h else host
                port, port_text = _int(p), p
        elif name in ("--workers", "-w", "--num-workers"):
            workers = _int(value)
        elif name == "--proxy-headers":
            proxy_headers, consumed = True, 1
        elif name == "--forwarded-allow-ips":
            forwarded = value
        elif not token.startswith("-"):
            if app is None:
                app = token
            consumed = 1
        else:
            consumed = 1 if inline or i + 1 >= len(rest) or rest[i + 1].startswith("-") else 2
        i += consumed
    return ServerLaunch(server, tuple(argv), host, port, port_text if port is None else None,
                        workers, app, proxy_headers, forwarded)
