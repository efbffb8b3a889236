"""SAM / Serverless functions -> Function nodes with their packages and model artifacts.

A function's package is its source directory (`CodeUri`, Serverless `package`): the
requirement files directly in it are what `sam build` installs, and every model artifact
under it ships in the zip. An image function links to the Dockerfile it builds.
"""

from __future__ import annotations

import posixpath

from mlaudit.deployment._builder import Builder, node_id
from mlaudit.models.deployment import EntryPoint, Function, Resource
from mlaudit.models.functions import Function as FunctionModel
from mlaudit.models.functions import ServerlessApp
from mlaudit.models.packages import Requirements
from mlaudit.models.python_source import PythonModule
from mlaudit.span import Span


def _inside(path: str, directory: str) -> bool:
    return directory in ("", ".") or path.startswith(directory.rstrip("/") + "/")


def build_functions(builder: Builder) -> None:
    requirements = sorted(builder.project.of_type(Requirements), key=lambda r: r.path)
    python = {m.path for m in builder.project.of_type(PythonModule)}
    for app in sorted(builder.project.of_type(ServerlessApp), key=lambda a: a.path):
        for item in app.functions:
            _function(builder, app, item, requirements, python)


def _function(builder: Builder, app: ServerlessApp, item: FunctionModel,
              requirements: list[Requirements], python: set[str]) -> None:
    function_id = node_id("function", app.path, item.logical_name)
    source = item.source_dir
    reqs: list[Requirements] = []
    artifacts: tuple[tuple[str, int], ...] = ()
    handler_file = None
    if source is not None and item.package_type.lower() != "image":
        source = posixpath.normpath(source) if source not in ("", ".") else ""
        # `sam build` installs the requirement files at the top of CodeUri only.
        reqs = [r for r in requirements if posixpath.dirname(r.path) == source
                and r.source == "requirements"]
        artifacts = tuple((a.path, a.size) for a in builder.project.artifacts
                          if _inside(a.path, source))
        module = item.handler_module
        if module:
            candidate = posixpath.join(source, module + ".py") if source else module + ".py"
            handler_file = candidate if candidate in python else None
    packages = tuple(sorted({p.name for r in reqs for p in r.packages if p.group is None}))
    url = item.function_url
    function = Function(
        function_id, app.kind, item.logical_name, item.span, item.handler, item.runtime,
        item.memory_size, item.timeout, source, item.image_uri, handler_file,
        tuple(r.path for r in reqs), packages, artifacts,
        url.is_public if url is not None and url.auth_type is not None else None,
        url.span if url is not None else None)
    spans = [item.span.line] + [s.line for s in (item.handler_span, item.memory_span,
                                                 item.timeout_span) if s is not None]
    spans += [e.span.line for e in item.environment] + [e.span.line for e in item.events]
    builder.add(function, max(spans + ([url.span.line] if url is not None else [])))
    builder.alias("function", item.logical_name, function_id)
    builder.alias(app.kind, app.path, function_id)
    for req in reqs:
        node = builder.add(Resource(node_id("requirements", req.path), "requirements",
                                    req.path, req.packages[0].span if req.packages
                                    else Span(req.path)))
        builder.link(function_id, node.id, "packages")
    if item.dockerfile is not None:
        image_id = node_id("image", item.dockerfile)
        if image_id in builder.deployment.nodes:
            builder.link(function_id, image_id, "runs")
    builder.image_ref(item.image_uri, item.span if item.image_uri else None, "function-image",
                      function_id)
    if url is not None:
        entry = EntryPoint(node_id("entry", "function-url", function_id), "function-url",
                           f"{item.logical_name} URL (auth {url.auth_type or '?'})", url.span,
                           443, 443, "https", (), url.is_public if url.auth_type else None,
                           True)
        builder.add(entry)
        builder.link(entry.id, function_id, "exposes", url.span)
    for event in item.events:
        if event.is_http:
            entry = EntryPoint(node_id("entry", "api", function_id, event.name), "api-event",
                               f"{event.type} {event.method or '*'} {event.path or '/'}",
                               event.span, 443, 443, "https", (), None, True)
            builder.add(entry)
            builder.link(entry.id, function_id, "exposes", event.span)

