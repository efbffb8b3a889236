"""Deployment units: the independent deployments a repository holds.

A repository is rarely one deployment: Terraform roots sit side by side (one per
environment or blueprint), modules come with examples, compose files with overrides, one
SAM or Serverless stack per service, Dockerfiles per image, one workflow per pipeline.
`assign_units` runs last in the model build: it names every unit, says which files each
reads, places every node in one, and records the edges that cross units (`unit_links`):
those exist only on evidence (an image a workflow builds and a task definition runs; a job
that deploys a stack), never because two units happen to use the same names.

Terraform nodes are placed by their builder (a module called by two roots yields one node
per calling root); every other node is placed by the file that declares it.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import replace
from typing import Any

from mlaudit.deployment._builder import Builder
from mlaudit.models.deployment import Deployment, Image, Unit, UnitLink
from mlaudit.project import ParsedProject, PathIndex
from mlaudit.roles import Role, RoleResolver
from mlaudit.span import Span


def assign_units(builder: Builder, roles: RoleResolver | None) -> None:
    deployment = builder.deployment
    roles = roles or RoleResolver()
    deployment.roles = roles
    collector = _Collector(deployment, roles)
    project = builder.project
    if builder.terraform is not None:
        _terraform_units(collector, project, builder.terraform)
    _compose_units(collector, project)
    _kubernetes_units(collector, deployment)
    _file_units(collector, project)
    _image_app_files(collector, deployment)
    _place_nodes(deployment)
    _link_units(deployment)
    _derive_image_roles(deployment, roles)
    _derive_stand_in_images(builder, roles)
    _derive_module_roles(deployment, roles)


class _Collector:
    def __init__(self, deployment: Deployment, roles: RoleResolver) -> None:
        self.deployment = deployment
        self.roles = roles
        self.files: dict[str, list[str]] = defaultdict(list)

    def unit(self, unit_id: str, kind: str, name: str, path: str, span: Span,
             files: list[str]) -> None:
        role = self.roles.role(span.path or (files[0] if files else path))
        ordered = tuple(dict.fromkeys(files))
        self.deployment.units[unit_id] = Unit(unit_id, kind, name, path, span, ordered,
                                              role.value)
        for path_ in ordered:
            if unit_id not in self.files[path_]:
                self.files[path_].append(unit_id)
            # Only the files of this unit change (rebuilding the whole map per unit is
            # quadratic on a monorepo).
            self.deployment.file_units[path_] = tuple(self.files[path_])


def _terraform_units(collector: _Collector, project: ParsedProject, tf: Any) -> None:
    from mlaudit.deployment.terraform_net import unit_id

    files_by_root: dict[str, list[str]] = defaultdict(list)
    spans: dict[str, Span] = {}
    for module in tf.modules:
        files_by_root[module.root].extend(module.files)
        if module.is_root:
            first = module.files[0] if module.files else module.path
            spans[module.root] = (module.backend.span if module.backend is not None
                                  else module.terraform_block_span or Span(first, 1, 1))
    # tfvars, state and plan files belong to the root of their directory (or the nearest
    # root above them: `terraform show -json` output is often kept in a subfolder).
    roots = sorted(spans, key=len, reverse=True)
    for path, model in project.models.items():
        if type(model).__name__ not in ("TfvarsFile", "TerraformState"):
            continue
        directory = posixpath.dirname(path)
        owner = next((r for r in roots if r == directory or r == "" or
                      directory.startswith(r + "/")), None)
        if owner is not None:
            files_by_root[owner].append(path)
    for root, span in sorted(spans.items()):
        collector.unit(unit_id(root), "terraform-root", root or ".", root or ".", span,
                       files_by_root[root])


def _compose_units(collector: _Collector, project: ParsedProject) -> None:
    """One unit per compose project: the files `docker compose` merges (default file and
    override, `-f` sets found in scripts and workflows, `include:`), as
    `mlaudit.compose_projects` finds them, plus the configuration files its services
    bind-mount (an nginx.conf)."""
    if not any(type(m).__name__ == "ComposeFile" for m in project.models.values()):
        return
    from mlaudit.compose_projects import compose_projects

    # Sorted once, searched by directory per mount (sorting per project is quadratic).
    nginx = PathIndex((p, p) for p in sorted(
        p for p, m in project.models.items() if type(m).__name__ == "NginxConfig"))
    projects = compose_projects(project)
    # A compose file that itself says it is a development stack (its own services set a
    # framework mode to development or run the server with hot reload): the files merged
    # with it keep their own role (a base file under a dev override stays a deployment).
    for path, model in sorted(project.models.items()):
        if type(model).__name__ == "ComposeFile":
            marker = _development_marker(getattr(model, "services", ()))
            if marker is not None:
                collector.roles.derive(path, Role.LOCAL_DEV, marker)
    for item in projects:
        mounted = _mounted(item.services, item.directory, nginx)
        collector.unit(item.id, "compose-project", item.files[0], item.directory or ".",
                       Span(item.files[0], 1, 1), [*item.all_files, *mounted])


# Environment variables frameworks read to pick their mode, and the values that mean a
# development stack (`APP_ENV: development`, `NODE_ENV=dev`, `FLASK_ENV=development`).
_MODE_VARIABLES = frozenset({"APP_ENV", "ENV", "ENVIRONMENT", "NODE_ENV", "FLASK_ENV",
                             "RAILS_ENV", "DJANGO_ENV", "APP_ENVIRONMENT", "STAGE",
                             "DEPLOY_ENV", "RUNTIME_ENV", "PYTHON_ENV"})
_DEVELOPMENT_VALUES = frozenset({"development", "dev", "local", "develop"})
_RELOAD_FLAGS = ("--reload", "--debug")


def _development_marker(services: Any) -> str | None:
    """Why a compose project is a development stack, or None: a serving service that sets
    a framework mode variable to development, or starts its server with hot reload."""
    for service in services:
        if getattr(service, "purpose", "unknown") in ("emulator", "test", "job"):
            continue
        for env in getattr(service, "environment", ()):
            value = (env.value or "").strip().strip("\"'").lower()
            if env.name.upper() in _MODE_VARIABLES and value in _DEVELOPMENT_VALUES:
                return f"service {service.name} sets {env.name}={env.value}"
        words = [*(service.entrypoint or ()), *(service.command or ())]
        if any(w in _RELOAD_FLAGS for w in words) or words[:2] in (["fastapi", "dev"],):
            return f"service {service.name} runs its server with hot reload"
    return None


def _mounted(services: Any, directory: str, candidates: PathIndex[str]) -> list[str]:
    """Configuration files a project's services bind-mount (an nginx.conf, a conf.d/):
    they are part of that deployment."""
    out: list[str] = []
    for service in services:
        for volume in getattr(service, "volumes", ()):
            source = volume.source
            if not source or volume.kind not in ("bind", "unknown") or \
                    not source.startswith("."):
                continue
            where = posixpath.normpath(posixpath.join(directory, source))
            out.extend(candidates.at_or_under(where))
    return out


def _kubernetes_units(collector: _Collector, deployment: Deployment) -> None:
    """One unit per Kustomize overlay, Helm chart or directory of plain manifests
    (`mlaudit.deployment.kubernetes`); their nodes were placed by the builder. Terraform's
    `kubernetes_*` resources belong to their root's unit, which exists already."""
    for app in deployment.extra_subjects:
        if type(app).__name__ == "KubeApp" and app.kind != "terraform-kubernetes":
            collector.unit(app.unit, app.kind, app.name, app.path, app.span, list(app.files))


_FILE_UNIT_KINDS = {
    "Dockerfile": ("image", "image"),
    "Workflow": ("workflow", "workflow"),
    "TaskDefinition": ("task-definition", "task-definition"),
    "NginxConfig": ("nginx", "nginx"),
}


def _file_units(collector: _Collector, project: ParsedProject) -> None:
    """Units defined by one file: stacks, task definitions, images, workflows, nginx."""
    for path, model in sorted(project.models.items()):
        name = type(model).__name__
        if name == "ServerlessApp":
            kind = "sam-stack" if getattr(model, "kind", "") == "sam" else "serverless-service"
            prefix = "sam" if kind == "sam-stack" else "serverless"
        elif name in _FILE_UNIT_KINDS:
            prefix, kind = _FILE_UNIT_KINDS[name]
        else:
            continue
        if prefix == "nginx" and path in collector.files:
            continue  # already part of a unit (mounted by a compose project)
        collector.unit(f"{prefix}:{path}", kind, path, posixpath.dirname(path) or ".",
                       Span(path, 1, 1), [path])
    _serving_units(collector, project)


# PaaS files -> unit kind. A Heroku app is its directory: the Procfile and app.json there.
_PAAS_UNIT_KINDS = {"render": "render-blueprint", "fly": "fly-app", "procfile": "heroku-app",
                    "heroku-app": "heroku-app"}


def _serving_units(collector: _Collector, project: ParsedProject) -> None:
    """PaaS apps, and Python deploy scripts and notebooks that deploy SageMaker endpoints
    (each is deployed on its own when it runs)."""
    heroku: dict[str, list[str]] = defaultdict(list)
    for path, model in sorted(project.models.items()):
        name = type(model).__name__
        if name == "PaasFile":
            kind = _PAAS_UNIT_KINDS.get(getattr(model, "platform", ""), "paas-app")
            if kind == "heroku-app":
                heroku[posixpath.dirname(path)].append(path)
                continue
            collector.unit(f"{kind.split('-')[0]}:{path}", kind, path,
                           posixpath.dirname(path) or ".", Span(path, 1, 1), [path])
        elif name in ("PythonModule", "Notebook") and \
                bool(getattr(getattr(model, "sagemaker", None), "endpoints", None)):
            kind = "notebook" if name == "Notebook" else "sagemaker-script"
            collector.unit(f"{kind}:{path}", kind, path, posixpath.dirname(path) or ".",
                           Span(path, 1, 1), [path])
    for directory, files in sorted(heroku.items()):
        collector.unit(f"heroku:{directory or '.'}", "heroku-app", files[0], directory or ".",
                       Span(files[0], 1, 1), files)


def _image_app_files(collector: _Collector, deployment: Deployment) -> None:
    """The Python files an image's server runs belong to the image's unit."""
    for image in deployment.of_kind(Image):
        unit_id = f"image:{image.dockerfile}"
        unit = deployment.units.get(unit_id)
        if unit is None or not image.app_files:
            continue
        files = (*unit.files, *image.app_files)
        collector.unit(unit_id, unit.kind, unit.name, unit.path, unit.span, list(files))


def _place_nodes(deployment: Deployment) -> None:
    """Nodes not placed by their builder go to the unit of the file declaring them, when
    that file belongs to exactly one unit (a module file shared by roots does not)."""
    for node in deployment.nodes.values():
        if node.id in deployment.node_units or not node.span.path:
            continue
        units = deployment.file_units.get(node.span.path, ())
        if len(units) == 1:
            deployment.node_units[node.id] = units[0]
    # A supporting node of no unit's file (a function's requirements file) joins the one
    # unit of the nodes it is linked with.
    for node in deployment.nodes.values():
        if node.id in deployment.node_units or node.id == "internet":
            continue
        ends = [e.source for e in deployment.edges_to(node.id)]
        ends += [e.target for e in deployment.edges_from(node.id)]
        near = {deployment.node_units[n] for n in ends if n in deployment.node_units}
        if len(near) == 1:
            unit_id = near.pop()
            deployment.node_units[node.id] = unit_id
            unit = deployment.units[unit_id]
            if node.span.path and node.span.path not in unit.files:
                deployment.units[unit_id] = replace(unit, files=(*unit.files, node.span.path))
                files = deployment.file_units.get(node.span.path, ())
                deployment.file_units[node.span.path] = (*files, unit_id)


def _link_units(deployment: Deployment) -> None:
    seen: set[tuple[str, str, str]] = set()
    for edge in deployment.edges:
        source = deployment.node_units.get(edge.source)
        target = deployment.node_units.get(edge.target)
        if source is None or target is None or source == target:
            continue
        key = (source, target, edge.kind)
        if key not in seen:
            seen.add(key)
            deployment.unit_links.append(UnitLink(source, target, edge.kind, edge))


# An image only a development stack runs is usually the production image too: only test
# and example stacks pass their role on to it.
_NON_DEPLOYMENT = (Role.TEST, Role.EXAMPLE)


def _derive_image_roles(deployment: Deployment, roles: RoleResolver) -> None:
    """An image that only test or example stacks run, and that no pipeline builds, is not
    deployed: its Dockerfile and app files take that role (the strongest of its users',
    test first). An image nothing runs keeps its conventional role."""
    users: dict[str, set[str]] = defaultdict(set)
    for link in deployment.unit_links:
        if link.target.startswith("image:") and link.kind in ("runs", "builds"):
            users[link.target].add(link.source)
    for image_id, sources in sorted(users.items()):
        unit = deployment.units.get(image_id)
        if unit is None or any(s.startswith("workflow:") for s in sources):
            continue
        user_roles = {Role.parse(deployment.units[s].role) for s in sources
                      if s in deployment.units}
        if not user_roles or not user_roles <= set(_NON_DEPLOYMENT):
            continue
        role = next(r for r in _NON_DEPLOYMENT if r in user_roles)
        reason = f"only run by {', '.join(sorted(sources))}"
        for path in unit.files:
            roles.derive(path, role, reason)
        deployment.units[image_id] = replace(unit, role=roles.role(unit.span.path).value)


def _derive_stand_in_images(builder: Builder, roles: RoleResolver) -> None:
    """An image every compose service running it uses as a local emulator (a Dockerfile
    FROM amazon/dynamodb-local) or as a test runner is that, not a deployed service."""
    deployment = builder.deployment
    if not any(type(m).__name__ == "ComposeFile" for m in builder.project.models.values()):
        return
    from mlaudit.compose_projects import project_of_service

    purposes = {"emulator": Role.LOCAL_DEV, "test": Role.TEST}
    for image in deployment.of_kind(Image):
        services = deployment.service_for_dockerfile(image.dockerfile)
        found: set[str] = set()
        for service in services:
            merged = project_of_service(builder.project, service.group, service.name) \
                if service.platform == "compose" else None
            found.add(merged[1].purpose if merged is not None else "deployed")
        if not found or not found <= set(purposes):
            continue
        role = Role.TEST if "test" in found else Role.LOCAL_DEV
        what = "test runner" if role is Role.TEST else "local emulator"
        unit = deployment.units.get(f"image:{image.dockerfile}")
        for path in unit.files if unit is not None else (image.dockerfile,):
            roles.derive(path, role, f"only run as a compose {what}")


def _derive_module_roles(deployment: Deployment, roles: RoleResolver) -> None:
    """A Terraform file that only example or test roots read (a module repository's
    module, instantiated by its `examples/`) is judged as part of those examples: what it
    creates depends on the values they pass. Read by any deployment root, it stays a
    deployment."""
    for path, unit_ids in sorted(deployment.file_units.items()):
        units = [deployment.units[u] for u in unit_ids if u in deployment.units]
        if not units or any(u.kind != "terraform-root" for u in units):
            continue
        own = [u for u in units if u.path == posixpath.dirname(path) or
               (u.path == "." and "/" not in path)]
        if own:
            continue  # a root's own file: its role is the root's
        user_roles = {Role.parse(u.role) for u in units}
        if not user_roles <= {Role.EXAMPLE, Role.TEST}:
            continue
        role = Role.TEST if Role.TEST in user_roles else Role.EXAMPLE
        roles.derive(path, role, f"a module only {role.value} roots use "
                                 f"({', '.join(sorted(u.id for u in units))})")
