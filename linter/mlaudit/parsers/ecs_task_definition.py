"""ECS task definition parser: a `*task-def*.json` file, or container definitions from elsewhere.

Accepted file shapes: the RegisterTaskDefinition input (`containerDefinitions`), the
`aws ecs describe-task-definition` output (`{"taskDefinition": {...}}`) and a bare list of
containers. `containers_from_data` and `task_definition_from_data` also accept plain
dicts/lists (a Terraform `jsonencode` evaluated by the Terraform layer): lines then come
from the `fallback` span.
"""

from __future__ import annotations

import json
from typing import Any

from mlaudit.models.command import analyse_argv
from mlaudit.models.compose import EnvVar
from mlaudit.models.ecs import (
    ContainerDefinition,
    EcsHealthCheck,
    EcsPortMapping,
    EcsSecret,
    TaskDefinition,
)
from mlaudit.models.image import parse_image
from mlaudit.parsers import ParseError
from mlaudit.parsers.yaml_document import (
    as_bool,
    as_int,
    as_list,
    as_str,
    item_span,
    key_span,
    node_span,
)
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "1"

__all__ = ["containers_from_data", "decode_json", "load_json", "looks_like_task_definition",
           "parse", "task_definition_from_data"]


def decode_json(text: str) -> Any:
    """Plain JSON values; a syntax error becomes ParseError at the JSON line and column."""
    try:
        return json.loads(text, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except _HugeNumber as exc:
        where = text.find(exc.digits)
        line = text.count("\n", 0, where) + 1 if where >= 0 else 1
        raise ParseError(f"number {exc.digits[:12]}... has {len(exc.digits)} digits, over "
                         f"the limit of {_MAX_DIGITS}", line) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None


# Python refuses to convert integers of over 4,300 digits (a denial-of-service guard); a
# number that long is no value of a task definition.
_MAX_DIGITS = 4000


class _HugeNumber(ValueError):
    def __init__(self, digits: str) -> None:
        super().__init__(digits[:20])
        self.digits = digits


def _int(digits: str) -> int:
    if len(digits.lstrip("-")) > _MAX_DIGITS:
        raise _HugeNumber(digits)
    return int(digits)


def load_json(text: str, plain: Any = None) -> Any:
    """JSON with lines (LMap/LList). Syntax errors become ParseError at the JSON line.

    The stdlib decoder is the judge of validity (its messages are JSON's); the YAML
    composer then supplies positions. Valid JSON that YAML rejects keeps plain values.
    Pass `plain` when the text was already decoded.
    """
    from mlaudit.parsers.yaml_source import load

    if plain is None:
        plain = decode_json(text)
    try:
        return load(text)
    except ParseError:
        return plain


def parse(source: SourceFile) -> TaskDefinition | None:
    data = load_json(source.text)
    if not looks_like_task_definition(data):
        return None
    return task_definition_from_data(data, source.path, node_span(source.path, data))


def looks_like_task_definition(data: Any) -> bool:
    if isinstance(data, dict):
        inner = data.get("taskDefinition")
        if isinstance(inner, dict):
            data = inner
        return isinstance(data.get("containerDefinitions"), list)
    return isinstance(data, list) and bool(data) and all(
        isinstance(c, dict) and "image" in c and "name" in c for c in data)


def task_definition_from_data(data: Any, path: str, fallback: Span) -> TaskDefinition | None:
    """A TaskDefinition from any accepted shape, or None when `data` is not one."""
    if isinstance(data, list):
        containers = containers_from_data(data, path, fallback)
        return TaskDefinition(path, None, node_span(path, data, fallback), containers)
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("taskDefinition"), dict):
        data = data["taskDefinition"]
    definitions = data.get("containerDefinitions")
    if isinstance(definitions, str):
        try:  # Terraform and CloudFormation sometimes carry them as a JSON string
            definitions = json.loads(definitions, parse_int=_int)
        except (ValueError, RecursionError):  # invalid, or a number past the digit limit
            definitions = None
    compat = data.get("requiresCompatibilities")
    return TaskDefinition(
        path=path,
        family=as_str(data.get("family")),
        span=node_span(path, data, fallback),
        containers=containers_from_data(definitions, path,
                                        key_span(path, data, "containerDefinitions", fallback)),
        network_mode=as_str(data.get("networkMode")),
        cpu=as_str(data.get("cpu")),
        memory=as_str(data.get("memory")),
        requires_compatibilities=tuple(str(c) for c in compat if as_str(c))
        if isinstance(compat, list) else (),
        task_role_arn=as_str(data.get("taskRoleArn")),
        execution_role_arn=as_str(data.get("executionRoleArn")),
    )


def containers_from_data(data: Any, path: str, fallback: Span) -> tuple[ContainerDefinition, ...]:
    """Container definitions from a list of mappings; anything else yields ()."""
    if isinstance(data, dict) and isinstance(data.get("containerDefinitions"), list):
        data = data["containerDefinitions"]
    if not isinstance(data, list):
        return ()
    out = []
    for index, item in enumerate(data):
        if isinstance(item, dict):
            span = item_span(path, data, index, fallback)
            out.append(_container(path, item, span, fallback))
    return tuple(out)


def _argv(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list):
        return tuple(as_str(v) or "" for v in value)
    return None


def _container(path: str, item: dict[Any, Any], span: Span, fallback: Span
               ) -> ContainerDefinition:
    def at(node: Any, key: str) -> Span:
        return key_span(path, node, key, span if node is item else fallback)

    image = as_str(item.get("image"))
    command, entry = _argv(item.get("command")), _argv(item.get("entryPoint"))
    launch = (entry or ()) + (command or ())
    gpu = None
    for req in as_list(item.get("resourceRequirements")):
        if isinstance(req, dict) and str(req.get("type", "")).upper() == "GPU":
            gpu = as_int(req.get("value"))
    log = item.get("logConfiguration")
    return ContainerDefinition(
        name=as_str(item.get("name")) or "",
        span=span,
        image=parse_image(image) if image else None,
        image_span=at(item, "image") if "image" in item else None,
        essential=as_bool(item.get("essential")) is not False,
        port_mappings=_ports(path, item.get("portMappings"), span),
        health_check=_health(path, item, span),
        environment=tuple(EnvVar(str(e["name"]), as_str(e.get("value")), s)
                          for e, s in _named(path, item.get("environment"), span)),
        secrets=tuple(EcsSecret(str(e["name"]), as_str(e.get("valueFrom")), s)
                      for e, s in _named(path, item.get("secrets"), span)),
        command=command,
        command_span=at(item, "command") if "command" in item else None,
        entry_point=entry,
        entry_point_span=at(item, "entryPoint") if "entryPoint" in item else None,
        server=analyse_argv(launch) if launch else None,
        cpu=as_int(item.get("cpu")),
        memory=as_int(item.get("memory")),
        memory_reservation=as_int(item.get("memoryReservation")),
        gpu=gpu,
        user=as_str(item.get("user")),
        privileged=as_bool(item.get("privileged")) is True,
        readonly_root_filesystem=as_bool(item.get("readonlyRootFilesystem")),
        log_driver=as_str(log.get("logDriver")) if isinstance(log, dict) else None,
    )


def _named(path: str, value: Any, fallback: Span) -> list[tuple[dict[Any, Any], Span]]:
    if not isinstance(value, list):
        return []
    return [(e, item_span(path, value, i, fallback)) for i, e in enumerate(value)
            if isinstance(e, dict) and as_str(e.get("name"))]


def _ports(path: str, value: Any, fallback: Span) -> tuple[EcsPortMapping, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        EcsPortMapping(as_int(p.get("containerPort")), as_int(p.get("hostPort")),
                       (as_str(p.get("protocol")) or "tcp").lower(),
                       item_span(path, value, i, fallback), as_str(p.get("name")),
                       as_str(p.get("appProtocol")))
        for i, p in enumerate(value) if isinstance(p, dict))


def _health(path: str, item: dict[Any, Any], fallback: Span) -> EcsHealthCheck | None:
    value = item.get("healthCheck")
    if not isinstance(value, dict):
        return None
    command = value.get("command")
    argv = tuple(as_str(c) or "" for c in command) if isinstance(command, list) else ()
    return EcsHealthCheck(argv, as_int(value.get("interval")), as_int(value.get("timeout")),
                          as_int(value.get("retries")), as_int(value.get("startPeriod")),
                          key_span(path, item, "healthCheck", fallback))
