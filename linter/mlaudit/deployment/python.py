"""Python serving code -> routes and listen ports of the image that runs it.

An image's app is found from its server launch: `uvicorn app.main:app` runs
`<context>/app/main.py`, `python serve.py` runs `<context>/serve.py`. The Python model
is read through the attributes it exposes (`routes`, `launches`); when a field is absent
the image simply gets no routes ("cannot tell").
"""

from __future__ import annotations

import posixpath
from typing import Any

from mlaudit.deployment._builder import Builder
from mlaudit.models.command import ServerLaunch
from mlaudit.models.deployment import Image, ListenPort, Route
from mlaudit.models.python_source import PythonModule
from mlaudit.span import Span


def app_module_path(launch: ServerLaunch) -> str | None:
    """`app.main:app` -> `app/main.py`; `serve.py` -> `serve.py`; None when unknown."""
    target = launch.app
    if not target or "$" in target:
        return None
    if launch.server == "python-script":
        return target.lstrip("./")
    module = target.split(":", 1)[0]
    if not module or "/" in module or module.startswith("-"):
        return None
    return module.replace(".", "/") + ".py"


def find_module(builder: Builder, context: str, relpath: str) -> PythonModule | None:
    """The parsed module `relpath` under the build context (or deeper, e.g. src/)."""
    modules = {m.path: m for m in builder.project.of_type(PythonModule)}
    exact = posixpath.normpath(posixpath.join(context, relpath)) if context else relpath
    if exact in modules:
        return modules[exact]
    prefix = f"{context}/" if context else ""
    hits = [p for p in modules if p.startswith(prefix) and p.endswith("/" + relpath)]
    return modules[hits[0]] if len(hits) == 1 else None  # two candidates: cannot tell


def routes_of(module: PythonModule) -> tuple[Route, ...]:
    out: list[Route] = []
    for item in getattr(module, "routes", ()) or ():
        path = getattr(item, "path", None)
        span = getattr(item, "span", None)
        if not isinstance(path, str) or not isinstance(span, Span):
            continue
        methods = getattr(item, "methods", None) or (getattr(item, "method", None) or "*",)
        for method in methods if isinstance(methods, (tuple, list)) else (methods,):
            out.append(Route(str(method).upper(), path, span))
    return tuple(out)


def launches_of(module: PythonModule) -> list[tuple[ServerLaunch, Span]]:
    """`uvicorn.run(app, port=...)`-style launches the Python model recorded."""
    out: list[tuple[ServerLaunch, Span]] = []
    for item in getattr(module, "launches", None) or getattr(module, "server_launches", ()) or ():
        launch: Any = getattr(item, "launch", item)
        span = getattr(item, "span", None)
        if isinstance(launch, ServerLaunch) and isinstance(span, Span):
            out.append((launch, span))
    return out


def attach_python(builder: Builder) -> None:
    for image in builder.deployment.of_kind(Image):
        if image.server is None:
            continue
        relpath = app_module_path(image.server)
        if relpath is None:
            continue
        module = find_module(builder, posixpath.dirname(image.dockerfile), relpath)
        if module is None:
            continue
        ports = list(image.ports)
        for launch, span in launches_of(module):
            port = launch.effective_port
            if image.server.server == "python-script" and not any(p.port == port for p in ports):
                ports.append(ListenPort(port, "python", span, launch.host))
        builder.update(image, routes=routes_of(module), app_files=(module.path,),
                       ports=tuple(ports))
