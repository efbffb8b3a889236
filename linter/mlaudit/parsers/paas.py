"""Platform files: Render `render.yaml`, Heroku `Procfile` and `app.json`, Fly.io `fly.toml`.

One module for the four because they answer the same questions (start command, port,
health check, instances, plan) and yield the same model (`mlaudit.models.paas`). The file
name picks the reader. YAML goes through the safe, line-aware loader; TOML through
`tomllib` (positions from a line index of the text, since tomllib gives none); JSON
through the stdlib decoder with YAML positions. An `app.json` that is not a Heroku app
manifest (Expo, a web app manifest) yields no model.
"""

from __future__ import annotations

import posixpath
import re
import sys
from dataclasses import replace
from typing import Any

from mlaudit.models.paas import HEROKU_DYNO_MB, RENDER_PLAN_MB, PaasFile, PaasService
from mlaudit.parsers import ParseError
from mlaudit.parsers.yaml_document import as_int, as_str, key_span, node_span
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "1"

# Keys only a Heroku app manifest has (https://devcenter.heroku.com/articles/app-json-schema).
_HEROKU_KEYS = frozenset({"formation", "buildpacks", "addons", "stack", "success_url",
                          "environments"})
_PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(.*)$")


def parse(source: SourceFile) -> PaasFile | None:
    name = source.name.lower()
    if name in ("render.yaml", "render.yml"):
        return _render(source)
    if name == "procfile" or name.startswith("procfile."):
        return _procfile(source)
    if name == "app.json":
        return _heroku_app(source)
    if name == "fly.toml" or (name.startswith("fly.") and name.endswith(".toml")):
        return _fly(source)
    return None


def _directory(path: str) -> str:
    return posixpath.dirname(path)


def _join(base: str, relative: str | None) -> str | None:
    if relative is None:
        return None
    text = relative.strip()
    if not text or "://" in text or text.startswith("/") or "$" in text:
        return None
    joined = posixpath.normpath(posixpath.join(base, text))
    if joined == ".." or joined.startswith("../"):
        return None
    return "" if joined == "." else joined


# -- Render ----------------------------------------------------------------------------------

def _render(source: SourceFile) -> PaasFile | None:
    from mlaudit.parsers.yaml_document import load_yaml

    data = load_yaml(source)
    if data is None:
        return PaasFile(source.path, "render")
    if not isinstance(data, dict):
        raise ParseError("render.yaml: the blueprint must be a mapping", 1)
    services = data.get("services")
    if services is None:
        return PaasFile(source.path, "render")
    if not isinstance(services, list):
        raise ParseError("render.yaml: `services` must be a list",
                         key_span(source.path, data, "services").line)
    base = _directory(source.path)
    out: list[PaasService] = []
    for index, item in enumerate(services):
        if not isinstance(item, dict):
            continue
        out.append(_render_service(source.path, base, item, index))
    return PaasFile(source.path, "render", tuple(out))


def _render_service(path: str, base: str, item: dict[Any, Any], index: int) -> PaasService:
    def at(key: str) -> Span | None:
        return key_span(path, item, key) if key in item else None

    span = node_span(path, item)
    name = as_str(item.get("name")) or f"services[{index}]"
    kind = as_str(item.get("type")) or "web"
    runtime = as_str(item.get("runtime") or item.get("env"))
    if runtime == "static":
        kind = "static"
    root = _join(base, as_str(item.get("rootDir"))) if "rootDir" in item else base
    directory = root if root is not None else base
    dockerfile = None
    if runtime == "docker":
        context = _join(base, as_str(item.get("dockerContext"))) if "dockerContext" in item \
            else directory
        dockerfile = _join(base, as_str(item.get("dockerfilePath")) or "./Dockerfile") \
            if "dockerfilePath" in item else posixpath.join(context or "", "Dockerfile")
    start = as_str(item.get("startCommand") or item.get("dockerCommand"))
    from mlaudit.models.command import split_shell

    command = tuple(split_shell(start)) if start else ()
    plan_raw = as_str(item.get("plan"))
    plan = plan_raw.lower() if plan_raw else None
    scaling = item.get("scaling")
    min_i = max_i = None
    if isinstance(scaling, dict):
        min_i, max_i = as_int(scaling.get("minInstances")), as_int(scaling.get("maxInstances"))
    instances = as_int(item.get("numInstances")) if "numInstances" in item else None
    health = as_str(item.get("healthCheckPath"))
    port = _env_port(item.get("envVars"))
    return PaasService(
        "render", name, path, span, kind, directory, dockerfile, command,
        at("startCommand") or at("dockerCommand"),
        plan, at("plan"),
        # Render's default plan is starter (512 MB); free web services spin down when idle.
        RENDER_PLAN_MB.get(plan or "starter"), at("plan"),
        instances, at("numInstances"), min_i, max_i, at("scaling"),
        health, "HTTP" if health else None, at("healthCheckPath"), 1 if health else 0, 0,
        port[0], port[1], False,
        (plan or "starter") == "free", at("plan"))


def _env_port(env: Any) -> tuple[int | None, Span | None]:
    """A literal `PORT` in Render's envVars list (Render sends traffic to it)."""
    if not isinstance(env, list):
        return None, None
    for item in env:
        if isinstance(item, dict) and item.get("key") == "PORT":
            return as_int(item.get("value")), None
    return None, None


# -- Heroku ----------------------------------------------------------------------------------

def _procfile(source: SourceFile) -> PaasFile:
    from mlaudit.models.command import split_shell

    base = _directory(source.path)
    out: list[PaasService] = []
    for number, raw in enumerate(source.text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PROCFILE_LINE.match(line)
        if match is None:
            raise ParseError(f"Procfile line is not `<process type>: <command>`: {line[:60]!r}",
                             number)
        span = Span(source.path, number, 1)
        kind = match.group(1)
        column = raw.index(match.group(2)) + 1 if match.group(2) else 1
        out.append(PaasService("heroku", kind, source.path, span, kind, base, None,
                               tuple(split_shell(match.group(2))),
                               Span(source.path, number, column)))
    return PaasFile(source.path, "procfile", tuple(out))


def _heroku_app(source: SourceFile) -> PaasFile | None:
    from mlaudit.parsers.ecs_task_definition import decode_json, load_json

    try:
        plain = decode_json(source.text)
    except ParseError:
        if "formation" in source.text or "buildpacks" in source.text:
            raise
        return None  # some other tool's app.json: its own tool reports its syntax
    if not isinstance(plain, dict) or not _HEROKU_KEYS & set(plain) or "expo" in plain:
        return None
    data = load_json(source.text, plain)
    base = _directory(source.path)
    formation = data.get("formation")
    out: list[PaasService] = []
    if isinstance(formation, dict):
        for name, spec in formation.items():
            if not isinstance(spec, dict):
                continue
            size_raw = as_str(spec.get("size"))
            size = size_raw.lower() if size_raw else None
            size_at = key_span(source.path, spec, "size") if "size" in spec else None
            out.append(PaasService(
                "heroku", str(name), source.path, key_span(source.path, formation, name),
                str(name), base, None, (), None, size, size_at,
                HEROKU_DYNO_MB.get(size) if size else None, size_at,
                as_int(spec.get("quantity")),
                key_span(source.path, spec, "quantity") if "quantity" in spec else None))
    return PaasFile(source.path, "heroku-app", tuple(out))


# -- Fly.io ----------------------------------------------------------------------------------

_TABLE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


class _TomlLines:
    """Lines of each table instance and key, from the text: `(table, index)` -> key -> line.
    `index` counts array-of-tables entries (`[[services]]`) in order; plain tables use 0."""

    def __init__(self, text: str) -> None:
        self.tables: dict[tuple[str, int], int] = {("", 0): 1}
        self.keys: dict[tuple[str, int], dict[str, int]] = {("", 0): {}}
        counts: dict[str, int] = {}
        current = ("", 0)
        for number, line in enumerate(text.splitlines(), 1):
            table = _TABLE.match(line)
            if table is not None:
                name = re.sub(r"\s|[\"']", "", table.group(2))
                if table.group(1) == "[[":
                    counts[name] = counts.get(name, -1) + 1
                    current = (name, counts[name])
                else:
                    # a sub-table of the last array entry (`[services.concurrency]`)
                    parent = name.rsplit(".", 1)[0] if "." in name else ""
                    current = (name, counts.get(parent, 0))
                self.tables.setdefault(current, number)
                self.keys.setdefault(current, {})
                continue
            key = _KEY.match(line)
            if key is not None:
                self.keys.setdefault(current, {}).setdefault(key.group(1), number)

    def line(self, table: str, index: int, key: str | None = None) -> int | None:
        if key is None:
            return self.tables.get((table, index))
        return self.keys.get((table, index), {}).get(key)


def _fly(source: SourceFile) -> PaasFile:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(source.text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ParseError(f"invalid TOML: {message}", line, column) from None
    lines = _TomlLines(source.text)
    path = source.path

    def span(table: str, index: int = 0, key: str | None = None) -> Span | None:
        found = lines.line(table, index, key)
        return Span(path, found, 1) if found is not None else None

    base = _directory(path)
    app = str(data.get("app") or posixpath.basename(base) or "app")
    build_table = data.get("build")
    build: dict[str, Any] = build_table if isinstance(build_table, dict) else {}
    dockerfile = _join(base, str(build.get("dockerfile"))) if build.get("dockerfile") else \
        (posixpath.join(base, "Dockerfile") if base else "Dockerfile")
    memory, memory_span = _fly_memory(data, span)
    processes = data.get("processes") if isinstance(data.get("processes"), dict) else {}
    command: tuple[str, ...] = ()
    command_span = None
    if processes:
        from mlaudit.models.command import split_shell

        first = next(iter(processes))
        if isinstance(processes[first], str):
            command = tuple(split_shell(processes[first]))
            command_span = span("processes", 0, str(first))
    out: list[PaasService] = []
    http = data.get("http_service")
    if isinstance(http, dict):
        checks = http.get("checks")
        n_http = len(checks) if isinstance(checks, list) else (1 if isinstance(checks, dict)
                                                              else 0)
        first_check = checks[0] if isinstance(checks, list) and checks and \
            isinstance(checks[0], dict) else {}
        out.append(_fly_service(
            app, path, span("http_service") or Span(path), base, dockerfile, command,
            command_span, memory, memory_span, http, "http_service", 0, span,
            n_http, 0, as_str(first_check.get("path"))))
    services = data.get("services")
    for index, item in enumerate(services if isinstance(services, list) else []):
        if not isinstance(item, dict):
            continue
        http_checks = item.get("http_checks")
        tcp_checks = item.get("tcp_checks")
        n_http = len(http_checks) if isinstance(http_checks, list) else 0
        n_tcp = len(tcp_checks) if isinstance(tcp_checks, list) else 0
        first = http_checks[0] if isinstance(http_checks, list) and n_http and \
            isinstance(http_checks[0], dict) else {}
        out.append(_fly_service(
            f"{app}/services[{index}]", path, span("services", index) or Span(path), base,
            dockerfile, command, command_span, memory, memory_span, item, "services", index,
            span, n_http, n_tcp, as_str(first.get("path"))))
    # Top-level [checks] are machine checks; they count as health checks of the app.
    top_checks = data.get("checks")
    if isinstance(top_checks, dict) and top_checks and out:
        http_top = sum(1 for c in top_checks.values()
                       if isinstance(c, dict) and str(c.get("type", "")).lower() == "http")
        tcp_top = sum(1 for c in top_checks.values()
                      if isinstance(c, dict) and str(c.get("type", "")).lower() == "tcp")
        out = [replace(s, health_checks=s.health_checks + http_top,
                       tcp_checks=s.tcp_checks + tcp_top) for s in out]
    return PaasFile(path, "fly", tuple(out))


def _fly_service(name: str, path: str, at: Span, base: str, dockerfile: str | None,
                 command: tuple[str, ...], command_span: Span | None, memory: int | None,
                 memory_span: Span | None, item: dict[str, Any], table: str, index: int,
                 span: Any, n_http: int, n_tcp: int, check_path: str | None) -> PaasService:
    port_value = item.get("internal_port")
    port = port_value if isinstance(port_value, int) and not isinstance(port_value, bool) \
        else None
    auto_stop = item.get("auto_stop_machines")
    stops = None
    if auto_stop is not None:
        stops = auto_stop is True or (isinstance(auto_stop, str) and
                                      auto_stop.lower() in ("stop", "suspend", "true"))
    min_running = item.get("min_machines_running")
    min_int = min_running if isinstance(min_running, int) and \
        not isinstance(min_running, bool) else None
    return PaasService(
        "fly", name, path, at, "web", base, dockerfile, command, command_span,
        None, None, memory, memory_span, None, None, None, None, None,
        check_path, "HTTP" if n_http else ("TCP" if n_tcp else None),
        span(f"{table}.checks", index) if table == "http_service" else
        span(f"{table}.http_checks", index), n_http, n_tcp,
        port, span(table, index, "internal_port"), "internal_port" in item and port is None,
        stops, span(table, index, "auto_stop_machines"),
        min_int if min_int is not None else (0 if "min_machines_running" not in item
                                             else None),
        span(table, index, "min_machines_running"))


def _fly_memory(data: dict[str, Any], span: Any) -> tuple[int | None, Span | None]:
    """`[[vm]] memory = "2gb"` / `memory_mb = 2048`, or `[vm]`; Fly's default is 256 MB."""
    vm = data.get("vm")
    entries = vm if isinstance(vm, list) else [vm] if isinstance(vm, dict) else []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        for key in ("memory", "memory_mb"):
            if key in entry:
                return _megabytes(entry[key]), span("vm", index, key)
        size = entry.get("size")
        if isinstance(size, str):
            return _FLY_SIZES.get(size.lower()), span("vm", index, "size")
    return None, None


_FLY_SIZES = {"shared-cpu-1x": 256, "shared-cpu-2x": 512, "shared-cpu-4x": 1024,
              "shared-cpu-8x": 2048, "performance-1x": 2048, "performance-2x": 4096,
              "performance-4x": 8192, "performance-8x": 16384, "performance-16x": 32768}


def _megabytes(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(gb|g|mb|m)?\s*", value.lower())
    if match is None:
        return None
    amount = float(match.group(1))
    return int(amount * 1024) if (match.group(2) or "mb").startswith("g") else int(amount)
