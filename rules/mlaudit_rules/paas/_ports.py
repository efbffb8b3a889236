"""Where a PaaS service's app listens, from the repository: its start command (a Procfile
line, Render's startCommand, a Fly process), the image its Dockerfile builds (CMD and
EXPOSE, as the deployment model reads them), and `uvicorn.run(...)`-style launches in the
Python script a command runs. Answers None for "cannot tell" (a port from a variable)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from mlaudit.models.command import ServerLaunch, analyse_argv
from mlaudit.models.paas import PaasService
from mlaudit.models.python_source import PythonModule
from mlaudit.span import Span


@dataclass(frozen=True)
class Listening:
    ports: frozenset[int]
    unknown: bool  # some launch listens on a port written as a variable
    evidence: tuple[tuple[Span, str], ...]
    launch: ServerLaunch | None = None
    launch_span: Span | None = None


def command_launch(svc: PaasService) -> ServerLaunch | None:
    return analyse_argv(list(svc.command)) if svc.command else None


def script_module(deployment: Any, svc: PaasService, launch: ServerLaunch) -> PythonModule | None:
    """The Python module a `python app.py` command runs (relative to the app directory)."""
    if launch.server != "python-script" or not launch.app:
        return None
    path = posixpath.normpath(posixpath.join(svc.directory, launch.app))
    return next((m for m in deployment.models(PythonModule) if m.path == path), None)


def listening(deployment: Any, svc: PaasService) -> Listening | None:
    ports: set[int] = set()
    unknown = False
    evidence: list[tuple[Span, str]] = []
    launch = command_launch(svc)
    if launch is not None and svc.command_span is not None:
        if launch.server == "python-script":
            module = script_module(deployment, svc, launch)
            for code in module.launches if module is not None else ():
                port = code.launch.effective_port
                if port is None or code.port_env is not None:
                    unknown = True
                else:
                    ports.add(port)
                    evidence.append((code.span, f"{code.server}.run listens on {port}"))
            if module is None or not module.launches:
                unknown = True
        else:
            port = launch.effective_port
            if port is None:
                unknown = True
            else:
                ports.add(port)
                evidence.append((svc.command_span, f"{launch.server} listens on {port}"))
        return Listening(frozenset(ports), unknown, tuple(evidence), launch, svc.command_span)
    image = deployment.image_for_dockerfile(svc.dockerfile) if svc.dockerfile else None
    if image is None:
        return None
    for port in image.ports:
        if port.port is None:
            unknown = True
        else:
            ports.add(port.port)
            evidence.append((port.span, f"{image.dockerfile} listens on {port.port}"))
    for module in deployment.models(PythonModule):
        if module.path not in image.app_files:
            continue
        for code in module.launches:
            port = code.launch.effective_port
            if port is None or code.port_env is not None:
                unknown = True
            elif code.main_guard or code.function is None:
                ports.add(port)
                evidence.append((code.span, f"{code.server}.run listens on {port}"))
    if not ports and not unknown:
        return None
    return Listening(frozenset(ports), unknown, tuple(evidence), image.server, None)
