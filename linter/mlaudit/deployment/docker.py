"""Dockerfiles -> Image nodes: server launch, listen ports, HEALTHCHECK, base images."""

from __future__ import annotations

import re

from mlaudit.deployment._builder import Builder, node_id
from mlaudit.models.deployment import HealthCheck, Image, ListenPort
from mlaudit.models.dockerfile import Dockerfile, Instruction

# A URL inside a HEALTHCHECK command (curl, wget, python urllib): host, port and path.
_URL_RE = re.compile(r"https?://[\w.\-\[\]:]*?(?::(\d+))?(/[^\s'\"\\)]*)?(?=[\s'\")\\]|$)")


def probe_target(command: str) -> tuple[int | None, str | None]:
    """(port, path) an HTTP probe command requests, when it names a URL."""
    match = _URL_RE.search(command)
    if match is None:
        return None, None
    port = int(match.group(1)) if match.group(1) else None
    return port, match.group(2) or "/"


def probe_command(test: tuple[str, ...] | list[str]) -> str:
    """The command a compose/ECS probe runs: `("CMD", "curl", ...)` or
    `("CMD-SHELL", "curl ...")` without the marker; "" for `NONE`."""
    words = tuple(test)
    if words[:1] == ("NONE",):
        return ""
    return " ".join(words[1:] if words[:1] in (("CMD",), ("CMD-SHELL",)) else words)


def build_images(builder: Builder) -> None:
    for dockerfile in sorted(builder.project.of_type(Dockerfile), key=lambda d: d.path):
        final = dockerfile.final_stage
        image_id = node_id("image", dockerfile.path)
        for stage in dockerfile.stages:
            builder.image_ref(stage.image, stage.from_span, "dockerfile-from", image_id)
        if final is None:
            continue
        ports: list[ListenPort] = []
        server = dockerfile.server
        command = final.entrypoint or final.cmd
        launch_span = command.span if command is not None else final.from_span
        if server is not None and not server.is_script:
            port = server.effective_port
            if port is not None or server.port_text is not None:
                ports.append(ListenPort(port, "cmd", launch_span, server.host))
        for exposed in final.exposed:
            if not any(p.port == exposed.port for p in ports):
                ports.append(ListenPort(exposed.port, "expose", exposed.span))
        checks: list[HealthCheck] = []
        if final.healthcheck is not None:
            checks.append(_healthcheck(image_id, final.healthcheck, final.healthcheck_disabled))
        # The image spans the whole final stage (findings on any of its lines mark it).
        last = max((i.span.line for i in final.instructions), default=final.from_span.line)
        image = Image(image_id, dockerfile.path, final.from_span, server, tuple(ports),
                      tuple(checks))
        builder.add(image, last)
        for check in checks:
            builder.add(check)
            builder.link(check.id, image_id, "checks", check.span)


def _healthcheck(owner: str, instruction: Instruction, disabled: bool) -> HealthCheck:
    port, path = probe_target(instruction.value)
    return HealthCheck(node_id("healthcheck", owner), "dockerfile", instruction.span, path,
                       port, disabled)
