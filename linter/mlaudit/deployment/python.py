"""Python serving code -> routes and listen ports of the image that runs it.

An image's app is found from its server launch: `uvicorn app.main:app` runs
`<context>/app/main.py`, `python serve.py` runs `<context>/serve.py`. The Python model
gives the routes (with the prefixes it could resolve) and code launches
(`uvicorn.run(app, port=8000)`).
"""

from __future__ import annotations

import posixpath

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
    modules = builder.project.by_path(PythonModule)
    exact = posixpath.normpath(posixpath.join(context, relpath)) if context else relpath
    if exact in modules:
        return modules[exact]
    prefix = f"{context}/" if context else ""
    hits = [p for p in modules if p.startswith(prefix) and p.endswith("/" + relpath)]
    return modules[hits[0]] if len(hits) == 1 else None  # two candidates: cannot tell


def routes_of(module: PythonModule) -> tuple[tuple[Route, ...], bool]:
    """The module's routes, and whether they are all of the app's routes: routers
    included from elsewhere, or a prefix that is not a literal, leave the set open."""
    out: list[Route] = []
    complete = not module.includes
    for item in module.routes:
        if item.path is None or not item.path_complete:
            complete = False
            continue
        for method in item.methods or ("*",):
            out.append(Route(method.upper(), item.path, item.span))
    return tuple(out), complete


def launches_of(module: PythonModule) -> list[tuple[ServerLaunch, Span]]:
    """`uvicorn.run(app, port=...)`-style launches in the module."""
    return [(item.launch, item.span) for item in module.launches]


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
        routes, complete = routes_of(module)
        builder.update(image, routes=routes, routes_complete=complete,
                       app_files=(module.path,), ports=tuple(ports))
