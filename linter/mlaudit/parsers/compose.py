"""Docker Compose parser: safe YAML with lines (yaml_source), then the ComposeService model.

Compose interpolates `${VAR:-default}` from the shell environment, which a static scan does
not have: we take the default when one is written and keep any other reference verbatim.
Ports and env entries accept both the short (string) and long (mapping) syntaxes.
"""

from __future__ import annotations

from typing import Any

from mlaudit.models.command import analyse_argv, split_shell
from mlaudit.models.compose import (
    BuildSpec,
    ComposeFile,
    ComposeService,
    Dependency,
    Deploy,
    EnvFile,
    EnvVar,
    ExposedPort,
    Extends,
    HealthCheck,
    Include,
    PortMapping,
    ResourceSpec,
    Volume,
)
from mlaudit.models.image import parse_image
from mlaudit.parsers import ParseError
from mlaudit.parsers.yaml_document import (
    as_bool,
    as_int,
    as_list,
    as_str,
    directory_of,
    item_span,
    key_span,
    load_yaml,
    resolve_path,
)
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "1"

__all__ = ["from_document", "interpolate", "looks_like_compose", "parse"]


def parse(source: SourceFile) -> ComposeFile | None:
    data = load_yaml(source)
    if data is None:
        return None
    if not isinstance(data, dict) or not (isinstance(data.get("services"), dict)
                                          or isinstance(data.get("include"), list)):
        return None  # named like compose but is not: nothing to model
    return from_document(source.path, data, source.lines)


def looks_like_compose(data: dict[Any, Any]) -> bool:
    """A top-level `services` mapping whose services are mappings, one with image/build."""
    services = data.get("services")
    if not isinstance(services, dict) or not services:
        return False
    if not all(isinstance(s, dict) for s in services.values()):
        return False
    return any("image" in s or "build" in s for s in services.values())


def interpolate(value: Any) -> Any:
    """Apply `${VAR:-default}`/`${VAR-default}` defaults in strings; `$$` is a literal `$`."""
    if not isinstance(value, str) or "$" not in value:
        return value
    out: list[str] = []
    i = 0
    while i < len(value):
        if value.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        if value.startswith("${", i):
            end = value.find("}", i)
            if end > 0:
                body = value[i + 2 : end]
                for sep in (":-", "-"):
                    name, found, default = body.partition(sep)
                    if found and name.replace("_", "a").isalnum():
                        out.append(default)
                        break
                else:
                    out.append(value[i : end + 1])
                i = end + 1
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def _text(value: Any) -> str | None:
    return as_str(interpolate(value))


def from_document(path: str, data: dict[Any, Any], lines: list[str] | None = None
                  ) -> ComposeFile:
    services = data.get("services")
    out: list[ComposeService] = []
    if isinstance(services, dict):
        for name, body in services.items():
            span = key_span(path, services, name)
            if isinstance(body, dict):
                out.append(_service(path, str(name), span, body, lines or []))
            elif body is None:
                out.append(ComposeService(str(name), span))
            else:
                raise ParseError(f"service {name} is not a mapping", span.line, span.column)
    return ComposeFile(path, tuple(out), _include(path, data.get("include")))


def _include(path: str, value: Any) -> tuple[Include, ...]:
    """`include:` entries: a path, or `{path: str | [str], ...}` (Compose 2.20+); each path
    is relative to this file's directory."""
    if not isinstance(value, list):
        return ()
    out: list[Include] = []
    for index, item in enumerate(value):
        raw = item.get("path") if isinstance(item, dict) else item
        names = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        files = [resolve_path(directory_of(path), t) for t in map(_text, names) if t]
        found = tuple(f for f in files if f is not None)
        if found:
            out.append(Include(found, item_span(path, value, index)))
    return tuple(out)


def _extends(path: str, value: Any, span: Span) -> Extends | None:
    if isinstance(value, str):  # the legacy short form names a service of this file
        return Extends(value, None, span)
    if not isinstance(value, dict) or not _text(value.get("service")):
        return None
    file_text = _text(value.get("file"))
    target = resolve_path(directory_of(path), file_text) if file_text else None
    return Extends(_text(value.get("service")) or "", target, span,
                   unresolved=file_text is not None and target is None)


def _argv(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return tuple(split_shell(interpolate(value)))
    if isinstance(value, list):
        return tuple(_text(v) or "" for v in value)
    return None


def _service(path: str, name: str, span: Span, body: dict[Any, Any], lines: list[str]
             ) -> ComposeService:
    image_text = _text(body.get("image"))
    command, entrypoint = _argv(body.get("command")), _argv(body.get("entrypoint"))
    launch = (entrypoint or ()) + (command or ())

    def span_of(key: str) -> Span | None:
        return key_span(path, body, key) if key in body else None

    return ComposeService(
        name=name,
        span=span,
        image=parse_image(image_text) if image_text else None,
        image_span=span_of("image"),
        build=_build(path, body.get("build"), key_span(path, body, "build")),
        command=command,
        command_span=span_of("command"),
        entrypoint=entrypoint,
        entrypoint_span=span_of("entrypoint"),
        server=analyse_argv(launch) if launch else None,
        ports=_ports(path, body.get("ports"), lines),
        expose=_expose(path, body.get("expose")),
        healthcheck=_healthcheck(path, body.get("healthcheck"), key_span(path, body,
                                                                          "healthcheck")),
        environment=_environment(path, body.get("environment")),
        env_files=_env_files(path, body.get("env_file")),
        depends_on=_depends_on(path, body.get("depends_on")),
        deploy=_deploy(path, body),
        networks=_names(body.get("networks")),
        network_mode=_text(body.get("network_mode")),
        labels=dict(_pairs(body.get("labels"))),
        volumes=_volumes(path, body.get("volumes")),
        restart=_text(body.get("restart")),
        user=_text(body.get("user")),
        privileged=as_bool(body.get("privileged")) is True,
        profiles=tuple(t for t in map(_text, as_list(body.get("profiles"))) if t),
        extends=_extends(path, body.get("extends"), key_span(path, body, "extends")),
    )


def _build(path: str, value: Any, span: Span) -> BuildSpec | None:
    base = directory_of(path)
    if isinstance(value, str):
        value = {"context": value}
    if not isinstance(value, dict):
        return None
    raw_context = _text(value.get("context")) or "."
    context = resolve_path(base, raw_context)
    inline = "dockerfile_inline" in value
    dockerfile_text = _text(value.get("dockerfile")) or "Dockerfile"
    dockerfile = None
    if context is not None and not inline:
        dockerfile = resolve_path(context, dockerfile_text)
    return BuildSpec(context, dockerfile, raw_context, _text(value.get("target")), span, inline)


def _expose(path: str, value: Any) -> tuple[ExposedPort, ...]:
    if not isinstance(value, list):
        return ()
    out = []
    for index, item in enumerate(value):
        text = _text(item) or ""
        port_text, _, proto = text.partition("/")
        out.append(ExposedPort(as_int(port_text), proto or "tcp", text,
                               item_span(path, value, index)))
    return tuple(out)


def _healthcheck(path: str, value: Any, span: Span) -> HealthCheck | None:
    if not isinstance(value, dict):
        return None
    test = value.get("test")
    if isinstance(test, str):
        argv: tuple[str, ...] = ("CMD-SHELL", interpolate(test))
    elif isinstance(test, list):
        argv = tuple(_text(t) or "" for t in test)
    else:
        argv = ()
    return HealthCheck(argv, as_bool(value.get("disable")) is True, _text(value.get("interval")),
                       _text(value.get("timeout")), as_int(interpolate(value.get("retries"))),
                       _text(value.get("start_period")), span)


def _environment(path: str, value: Any) -> tuple[EnvVar, ...]:
    out: list[EnvVar] = []
    if isinstance(value, dict):
        for name, raw in value.items():
            out.append(EnvVar(str(name), _text(raw), key_span(path, value, name)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            text = as_str(item)
            if text is None:
                continue
            name, sep, val = text.partition("=")
            out.append(EnvVar(name.strip(), interpolate(val) if sep else None,
                              item_span(path, value, index)))
    return tuple(out)


def _env_files(path: str, value: Any) -> tuple[EnvFile, ...]:
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    out = []
    for index, item in enumerate(items):
        span = item_span(path, value, index) if isinstance(value, list) else Span(path)
        required = True
        if isinstance(item, dict):
            required = as_bool(item.get("required")) is not False
            item = item.get("path")
        text = _text(item)
        if text is not None:
            out.append(EnvFile(resolve_path(directory_of(path), text), text, required, span))
    return tuple(out)


def _depends_on(path: str, value: Any) -> tuple[Dependency, ...]:
    if isinstance(value, list):
        return tuple(Dependency(str(v), None, item_span(path, value, i))
                     for i, v in enumerate(value) if as_str(v))
    if isinstance(value, dict):
        return tuple(Dependency(str(k), _text(v.get("condition")) if isinstance(v, dict)
                                else None, key_span(path, value, k)) for k, v in value.items())
    return ()


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, dict):
        return tuple(str(k) for k in value)
    if isinstance(value, list):
        return tuple(str(v) for v in value if as_str(v))
    return ()


def _pairs(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [(str(k), _text(v) or "") for k, v in value.items()]
    if isinstance(value, list):
        return [(k, v) for k, _, v in (str(i).partition("=") for i in value)]
    return []


def _ports(path: str, value: Any, lines: list[str]) -> tuple[PortMapping, ...]:
    if not isinstance(value, list):
        return ()
    out: list[PortMapping] = []
    for index, item in enumerate(value):
        span = item_span(path, value, index)
        if isinstance(item, dict):
            mapping = _long_port(item, span)
        else:
            text = as_str(item)
            if isinstance(item, int):
                # YAML 1.1 reads an unquoted 22:22 as a base-60 integer; Compose (YAML 1.2)
                # sees the string, so take the text as written.
                text = _raw_scalar(lines, span) or text
            mapping = _short_port(interpolate(text), span) if text else None
        if mapping is not None:
            out.append(mapping)
    return tuple(out)


def _raw_scalar(lines: list[str], span: Span) -> str | None:
    if not 0 < span.line <= len(lines):
        return None
    rest = lines[span.line - 1][span.column - 1 :]
    token = rest.split("#", 1)[0].strip().rstrip(",]} ")
    return token.strip("'\"") or None


def _range(text: str) -> tuple[int, int] | None:
    start, _, end = text.partition("-")
    first, last = as_int(start), as_int(end) if end else as_int(start)
    if first is None or last is None:
        return None
    return first, last


def _short_port(text: str, span: Span) -> PortMapping:
    """`[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]`; an IPv6 host IP is in brackets."""
    body, _, protocol = text.partition("/")
    host_ip: str | None = None
    if body.startswith("["):
        close = body.find("]")
        host_ip, body = body[1:close], body[close + 1 :].lstrip(":")
    parts = body.rsplit(":", 2)
    if len(parts) == 3:
        host_ip, published, target = parts
    elif len(parts) == 2:
        published, target = parts
    else:
        published, target = "", parts[0]
    return PortMapping(_range(target), _range(published) if published else None,
                       host_ip or None, protocol or "tcp", span, text,
                       published or None)


def _long_port(item: dict[Any, Any], span: Span) -> PortMapping | None:
    target = _text(item.get("target"))
    if target is None:
        return None
    published = _text(item.get("published"))
    host_ip = _text(item.get("host_ip"))
    return PortMapping(_range(target), _range(published) if published else None,
                       host_ip or None, _text(item.get("protocol")) or "tcp", span,
                       ":".join(p for p in (host_ip, published, target) if p),
                       published, long_syntax=True)


def _resources(path: str, value: Any, span: Span) -> ResourceSpec | None:
    if not isinstance(value, dict):
        return None
    return ResourceSpec(_text(value.get("cpus")), _text(value.get("memory")), span)


def _deploy(path: str, body: dict[Any, Any]) -> Deploy | None:
    value = body.get("deploy")
    legacy = [k for k in ("mem_limit", "cpus", "gpus", "mem_reservation") if k in body]
    if not isinstance(value, dict) and not legacy:
        return None
    value = value if isinstance(value, dict) else {}
    span = key_span(path, body, "deploy" if "deploy" in body else legacy[0])
    found = value.get("resources")
    resources: dict[Any, Any] = found if isinstance(found, dict) else {}
    limits = _resources(path, resources.get("limits"), key_span(path, resources, "limits"))
    reservations = _resources(path, resources.get("reservations"),
                              key_span(path, resources, "reservations"))
    if limits is None and ("mem_limit" in body or "cpus" in body):
        limits = ResourceSpec(_text(body.get("cpus")), _text(body.get("mem_limit")), span)
    reserved = resources.get("reservations")
    devices = reserved.get("devices") if isinstance(reserved, dict) else None
    gpu = "gpus" in body or any(
        isinstance(d, dict) and "gpu" in as_list(d.get("capabilities")) for d in as_list(devices))
    restart = value.get("restart_policy")
    return Deploy(span, as_int(interpolate(value.get("replicas"))), limits, reservations, gpu,
                  _text(restart.get("condition")) if isinstance(restart, dict) else None)


def _volumes(path: str, value: Any) -> tuple[Volume, ...]:
    if not isinstance(value, list):
        return ()
    out = []
    for index, item in enumerate(value):
        span = item_span(path, value, index)
        if isinstance(item, dict):
            target = _text(item.get("target"))
            if target:
                out.append(Volume(_text(item.get("source")), target,
                                  as_bool(item.get("read_only")) is True,
                                  _text(item.get("type")) or "volume", span))
            continue
        text = _text(item)
        if not text:
            continue
        parts = text.split(":")
        if len(parts) == 1:
            out.append(Volume(None, parts[0], False, "volume", span))
            continue
        source, target = parts[0], parts[1]
        kind = "bind" if source.startswith((".", "/", "~", "$")) else "volume"
        out.append(Volume(source, target, len(parts) > 2 and "ro" in parts[2].split(","), kind,
                          span))
    return tuple(out)
