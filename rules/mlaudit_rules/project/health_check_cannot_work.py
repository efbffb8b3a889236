"""Health check can never pass

## What it flags
A health check that fails against the app it checks, found by reading them together:
- its HTTP path (a Dockerfile `HEALTHCHECK` URL, compose/ECS check URL, target group
  `health_check` path, App Runner `health_check_configuration` HTTP path when the service
  pulls an image the repository builds, Kubernetes `readinessProbe`/`livenessProbe`
  `httpGet` path) is
  served by no route of the Python app (router prefixes, routers in other modules included
  through `include_router(prefix=...)` / blueprints, and sub-apps mounted with a literal
  `app.mount("/prefix", sub)`, and a literal `root_path` also accepted as a prefix);
- a Kubernetes probe's port (a number, or a named container port) differs from the port
  the container's server listens on (its own `command`, else its in-repo image's `CMD`);
- a load balancer target group's health check probes a port (its `port`, else the
  traffic port: the `container_port` the ECS service's `load_balancer` block registers;
  an explicit port is mapped through the task's `portMappings` `hostPort` outside
  `awsvpc`) other than the one the container's server binds (its own `command`, else its
  in-repo image's `CMD` through `ENV`/`ARG`, `--bind`, `--port`, else a literal
  `uvicorn.run(port=...)` in the app it starts); quiet when the task's environment sets a
  variable the command reads;
- a Dockerfile `HEALTHCHECK` runs `curl`/`wget` in an image whose final base lacks it
  (`python:*-slim`, Debian, Ubuntu, distroless, scratch, Chainguard; Alpine has `wget`
  only) and that no stage it builds on installs;
- a Dockerfile `HEALTHCHECK` URL port differs from the port the server's `CMD` listens on
  (resolved through `ENV`/`ARG`, `--bind`, `--port`);
- a compose `healthcheck` or ECS container `healthCheck` of a service whose image is built
  from an in-repo Dockerfile runs `curl`/`wget` that the image lacks; a compose one
  requests a localhost port other than the one the service's command (else the image's
  `CMD`) listens on.

The finding sits on the health check; related locations point at the app module, the
`FROM` line or the `CMD` line. Not flagged: served paths (an App Runner service whose
image is not built here stays quiet); full images (`python:3.12` has `curl`); slim images
that `apt-get install curl`; matching ports; anything unknown (an app
whose routes are incomplete or not found, a non-literal prefix, a port from `$PORT`, a
server mlaudit does not model, a matcher that accepts 404).

## Why it matters
A check that can never pass marks every replica unhealthy: Docker restarts it in a loop,
ECS replaces tasks forever, the load balancer answers 503, and the deployment fails in a
way that looks like the model is broken.

## How to fix
Point the check at a route the app serves, on the port it listens on, with a tool the
image has (`python -c "import urllib.request; ..."` works in every Python image).

## Example
```dockerfile
FROM python:3.12-slim
HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
```

```dockerfile
FROM python:3.12-slim
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
```
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from mlaudit.finding import Finding
from mlaudit.models.command import segments, split_shell
from mlaudit.models.deployment import Deployment, HealthCheck, Image, Proxy, Service
from mlaudit.models.dockerfile import Dockerfile, Stage
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.helpers import model_loaded

if TYPE_CHECKING:
    from mlaudit.models.ecs import ContainerDefinition
    from mlaudit.models.python_source import PythonModule

RULE = Rule(
    id="MLA702",
    name="health-check-cannot-work",
    title="Health check can never pass",
    severity=Severity.HIGH,
    category=Category.HEALTH,
    target=Deployment,
    requires=(Dockerfile, "mlaudit.models.terraform.TerraformModule",
              "mlaudit.models.kubernetes.KubeApp"),
    kind=Kind.RELIABILITY,
    tags=("cross-file", "docker", "load-balancer", "kubernetes"),
    docs=__doc__ or "",
)

_URL = re.compile(r"https?://[^/\s:'\"]+(?::(\d+))?(/[^\s'\"\\)?]*)?")
_PY_SERVERS = {"uvicorn", "gunicorn", "hypercorn", "daphne", "granian", "fastapi", "flask"}
_FRAMEWORK_PATHS = {"/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"}
_LOCAL = re.compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])[:/]")
_SLIM = re.compile(r"(^|-)slim($|-)")


def _tools(stage: Stage) -> set[str] | None:
    """Which of curl/wget a base image ships; None: cannot tell."""
    image = stage.image
    repo, tag = image.repository.removeprefix("library/"), image.tag or "latest"
    if image.is_scratch or (image.registry == "gcr.io" and repo.startswith("distroless/")):
        return set()
    if image.registry == "cgr.dev" and repo.startswith("chainguard/") and "dev" not in tag:
        return set()
    if image.registry is None and repo in ("python", "alpine", "debian", "ubuntu"):
        if "alpine" in tag or repo == "alpine":
            return {"wget"}
        if repo in ("debian", "ubuntu") or _SLIM.search(tag):
            return set()
        return {"curl", "wget"} if repo == "python" else None
    return None


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    dockerfiles = {d.path: d for d in deployment.models(Dockerfile)}
    modules: dict[str, PythonModule] = {}
    if model_loaded("mlaudit.models.python_source"):  # else no app code: a Dockerfile-only
        from mlaudit.models.python_source import PythonModule  # scan never imports it

        modules = {m.path: m for m in deployment.models(PythonModule)}
    for check in deployment.of_kind(HealthCheck):
        if check.disabled:
            continue
        images = _images(deployment, check)
        path = check.path
        if check.origin == "target-group":
            path = _tg_path(deployment, check)
            yield from _tg_port(deployment, ctx, check, dockerfiles, modules)
        elif check.origin == "dockerfile" and len(images) == 1:
            dockerfile = dockerfiles.get(images[0].dockerfile)
            if dockerfile is not None:
                yield from _dockerfile_checks(ctx, check, images[0], dockerfile)
        if check.origin in ("compose", "ecs"):
            yield from _service_probe(deployment, ctx, check, dockerfiles)
        label = f"{check.origin} health check"
        if check.origin == "apprunner":
            label = "App Runner health check"
        if check.origin == "kubernetes":
            label = "Kubernetes " + check.kind.replace("-", " ")
            yield from _probe_port(deployment, ctx, check, label)
        if path is not None and images:
            missing = [_unserved(i, path, modules, deployment.project.read_text,
                                 lambda d: deployment.project.under(PythonModule, d))
                       for i in images]
            if all(m is not None for m in missing):
                app = missing[0] or check.span
                yield ctx.finding(f"{label} requests {path}, which the "
                                  "app does not serve", check.span,
                                  related=[(app, "the app's routes")], key=f"{check.id}:path")


def _probe_port(deployment: Deployment, ctx: RuleContext, check: HealthCheck,
                label: str) -> Iterator[Finding]:
    """A Kubernetes probe on a port the container's server does not listen on (the port of
    its own command's server, else of its in-repo image's CMD)."""
    if check.port is None:
        return
    for edge in deployment.edges_from(check.id, "checks"):
        service = deployment.node(edge.target)
        if not isinstance(service, Service):
            continue
        own = [p for p in service.ports if p.origin == "k8s-command"]
        image = deployment.image_of(service)
        server = image.server if image is not None and not own else None
        if own:
            port, at = own[0].port, own[0].span
        elif server is not None and server.server in _PY_SERVERS | {"tritonserver",
                                                                    "torchserve", "vllm"}:
            port = server.effective_port
            at = next((p.span for p in image.ports if p.origin == "cmd"), image.span) \
                if image is not None else check.span
        else:
            continue
        if port is not None and port != check.port:
            yield ctx.finding(f"{label} probes port {check.port} but the server listens on "
                              f"{port}", check.span, related=[(at, f"listens on {port}")],
                              key=f"{check.id}:port")


def _dockerfile_checks(ctx: RuleContext, check: HealthCheck, image: Image,
                       dockerfile: Dockerfile) -> Iterator[Finding]:
    final = dockerfile.final_stage
    if final is None or final.healthcheck is None:
        return
    command = final.healthcheck.value
    yield from _probe_tools(ctx, check, command.split("CMD", 1)[-1], dockerfile, "HEALTHCHECK")
    server = image.server
    match = _URL.search(command)
    if match and server is not None and server.server in _PY_SERVERS and server.port:
        port = int(match.group(1)) if match.group(1) else (
            443 if match.group(0).startswith("https") else 80)
        if port != server.port:
            launch = final.cmd or final.entrypoint
            at: Span = launch.span if launch is not None else final.from_span
            yield ctx.finding(f"HEALTHCHECK probes port {port} but {server.server} listens on "
                              f"{server.port}", check.span,
                              related=[(at, f"{server.server} --port {server.port}")],
                              key=f"{check.id}:port")


def _probe_tools(ctx: RuleContext, check: HealthCheck, command: str, dockerfile: Dockerfile,
                 label: str) -> Iterator[Finding]:
    """curl/wget run by a probe inside an image whose base lacks them and never installs them."""
    final = dockerfile.final_stage
    if final is None:
        return
    words = {s[0].rsplit("/", 1)[-1] for s in segments(split_shell(re.sub(
        r"[\[\],\"]", " ", command))) if s}
    chain = _chain(dockerfile, final)
    base = chain[-1]
    tools = _tools(base)
    # Installed by a package manager, copied in, or used by a RUN (which proves it exists).
    text = " ".join([i.value for s in chain for i in s.instructions
                     if i.keyword in ("RUN", "COPY")] + [p for s in chain for p in s.packages])
    for tool in sorted(words & {"curl", "wget"}):
        if tools is not None and tool not in tools and not re.search(rf"\b{tool}\b", text):
            yield ctx.finding(f"{label} runs {tool}, which {base.image.raw} does not ship "
                              "and the Dockerfile never installs", check.span,
                              related=[(base.from_span, f"base image {base.image.raw}")],
                              key=f"{check.id}:{tool}")


def _service_probe(deployment: Deployment, ctx: RuleContext, check: HealthCheck,
                   dockerfiles: dict[str, Dockerfile]) -> Iterator[Finding]:
    """A compose or ECS health check runs inside the service's in-repo image: the tool it
    runs must exist there, and (compose) a localhost URL must name the port the server
    listens on."""
    command = check.command
    if not command:
        return
    label = f"{check.origin if check.origin == 'compose' else 'ECS'} health check"
    for edge in deployment.edges_from(check.id, "checks"):
        service = deployment.node(edge.target)
        if not isinstance(service, Service):
            continue
        image = deployment.image_of(service)
        dockerfile = dockerfiles.get(image.dockerfile) if image is not None else None
        if dockerfile is not None and service.image_id is not None:  # built here, not pulled
            yield from _probe_tools(ctx, check, command, dockerfile, label)
        match = _URL.search(command)
        if check.origin != "compose" or match is None or not _LOCAL.match(match.group(0)) \
                or check.port is None:
            continue  # an ECS container's ports mix its command's and its port mappings
        own = [p for p in service.ports if p.origin == "compose-command"]
        server = image.server if image is not None and not own else None
        if own and own[0].port is not None:
            port, at, name = own[0].port, own[0].span, "the service's command"
        elif server is not None and server.server in _PY_SERVERS and server.port is not None \
                and image is not None:
            port, name = server.port, server.server
            at = next((p.span for p in image.ports if p.origin == "cmd"), image.span)
        else:
            continue
        if port != check.port:
            yield ctx.finding(f"compose health check probes port {check.port} but {name} "
                              f"listens on {port}", check.span,
                              related=[(at, f"listens on {port}")], key=f"{check.id}:port")


def _tg_port(deployment: Deployment, ctx: RuleContext, check: HealthCheck,
              dockerfiles: dict[str, Dockerfile],
              modules: dict[str, PythonModule]) -> Iterator[Finding]:
    """A target group whose health check probes (its `port`, or the traffic port: the
    `container_port` the ECS service's `load_balancer` block registers) a port other than
    the one the container's server binds."""
    owner = next((deployment.node(e.target) for e in deployment.edges_from(check.id, "checks")),
                 None)
    tf = deployment.terraform
    tg = tf.declaration(owner.upstream, _root(deployment, owner.id)) if isinstance(
        owner, Proxy) and tf else None
    blocks = tg.blocks("health_check")[:1] if tg is not None else ()
    if tf is None or tg is None or not blocks or not isinstance(owner, Proxy):
        return
    raw = blocks[0].get("port", "traffic-port")
    explicit = str(raw) if isinstance(raw, (str, int)) and str(raw).isdigit() else None
    if explicit is None and raw != "traffic-port":
        return  # a variable or an expression: cannot tell
    at = blocks[0].span_of("port") if blocks[0].has("port") else check.span
    for edge in deployment.edges_from(owner.id, "routes"):
        service = deployment.node(edge.target)
        if not isinstance(service, Service) or service.platform != "ecs" or not service.group:
            continue
        container = _container(deployment, tf, service)
        ecs = tf.declaration(service.group, _root(deployment, service.id))
        if container is None or ecs is None:
            continue
        lbs = [b for b in ecs.blocks("load_balancer")
               if b.get("container_name") in (None, service.name)]
        registered = _int(lbs[0].get("container_port")) if len(lbs) == 1 else None
        if explicit is None:
            probed = registered  # the traffic port: where the target was registered
        elif tg.get("target_type") == "ip":  # awsvpc: the target is the container's IP
            probed = int(explicit)
        else:  # bridge/host: a host port, mapped to a container port
            probed = next((m.container_port for m in container.port_mappings
                           if m.host_port == int(explicit)), None)
        listens = _server_port(deployment, service, container, dockerfiles, modules)
        if probed is None or listens is None or registered is None or probed == listens[0]:
            continue
        what = f"port {explicit}" if explicit else f"the traffic port {probed}"
        yield ctx.finding(f"target group health check probes {what} but the container's "
                          f"server listens on {listens[0]}", at,
                          related=[(listens[1], f"listens on {listens[0]}"),
                                   (lbs[0].span, f"registers container port {registered}")],
                          key=f"{check.id}:{service.id}:port")


def _root(deployment: Deployment, node_id: str) -> str | None:
    """The Terraform root module a node was built in (None: not from Terraform, or not
    known: any root's declaration is taken)."""
    unit = deployment.node_units.get(node_id, "")
    if not unit.startswith("terraform:"):
        return None
    root = unit[len("terraform:"):]
    return "" if root == "." else root  # the repository's own root module is "."


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _container(deployment: Deployment, tf: object, service: Service
               ) -> ContainerDefinition | None:
    """The ECS container definition a Service node was built from (same span)."""
    try:
        from mlaudit.parsers.ecs_task_definition import containers_from_data
    except ImportError:  # the ECS parser is not in this build
        return None
    from mlaudit.models.terraform import Unknown

    def by_path() -> dict[str, list[Any]]:
        # Task definitions by file, once per scan (a walk over every module per service
        # is quadratic on a monorepo).
        out: dict[str, list[Any]] = {}
        for module in getattr(tf, "modules", ()):
            for res in module.resources_of("aws_ecs_task_definition"):
                out.setdefault(res.path, []).append(res)
        return out

    for res in deployment.memo(("MLA-health", "task-definitions-by-path", id(tf)),
                               by_path).get(service.span.path, ()):
        value = res.get("container_definitions")
        data = value.partial if isinstance(value, Unknown) else \
            res.decoded("container_definitions")
        for container in containers_from_data(data, res.path,
                                              res.span_of("container_definitions")):
            if container.span == service.span:
                return container
    return None


_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _server_port(deployment: Deployment, service: Service, container: ContainerDefinition,
                 dockerfiles: dict[str, Dockerfile],
                 modules: dict[str, PythonModule]) -> tuple[int, Span] | None:
    """The port the container's server binds: its own command's, else its in-repo image's
    CMD (through ENV/ARG), else a literal `uvicorn.run(port=...)` in the app it starts.
    None when unknown or when the task's environment may override it."""
    if container.server is not None or container.command or container.entry_point:
        server = container.server
        if server is None or server.server not in _PY_SERVERS or server.effective_port is None:
            return None
        return server.effective_port, container.command_span or container.span
    image = deployment.image_of(service)
    dockerfile = dockerfiles.get(image.dockerfile) if image is not None else None
    final = dockerfile.final_stage if dockerfile is not None else None
    if image is None or image.server is None or final is None:
        return None
    env = {e.name for e in container.environment} | {s.name for s in container.secrets}
    launch = final.cmd or final.entrypoint
    at = launch.span if launch is not None else final.from_span
    server = image.server
    if server.server in _PY_SERVERS:
        assert dockerfile is not None
        used = set(_VAR.findall(" ".join(a for st in _chain(dockerfile, final)
                                         for a in st.launch_argv)))
        if used & env or server.effective_port is None:
            return None  # the task sets a variable the command reads: cannot tell
        return server.effective_port, at
    if server.server != "python-script":
        return None
    launches = [c for p in image.app_files if p in modules for c in modules[p].launches]
    if len(launches) != 1 or launches[0].port is None or launches[0].port_text is not None:
        return None
    code = launches[0]
    if code.port_env is not None:
        if code.port_env in env:
            return None
        value = final.env.get(code.port_env)
        if value is not None:
            return (int(value), at) if value.isdigit() else None
    return (code.port, code.span) if code.port is not None else None


def _chain(dockerfile: Dockerfile, stage: Stage) -> list[Stage]:
    """The stage and the earlier stages it is built FROM, the external base last."""
    out = [stage]
    while (parent := dockerfile.stage_named(out[-1].image.raw)) is not None and \
            parent.index < out[-1].index:
        out.append(parent)
    return out


def _images(deployment: Deployment, check: HealthCheck) -> list[Image]:
    out: dict[str, Image] = {}
    for edge in deployment.edges_from(check.id, "checks"):
        owner = deployment.node(edge.target)
        owners = deployment.targets_of(owner) if isinstance(owner, Proxy) else [owner]
        for item in owners:
            image = deployment.image_of(item) if isinstance(item, Service) else item
            if isinstance(image, Image):
                out[image.id] = image
    return list(out.values())


def _tg_path(deployment: Deployment, check: HealthCheck) -> str | None:
    """The path of a target group's HTTP check as written (None: not HTTP, or unknown)."""
    owner = next((deployment.node(e.target) for e in deployment.edges_from(check.id, "checks")),
                 None)
    tf = deployment.terraform
    res = tf.declaration(owner.upstream, _root(deployment, owner.id)) if isinstance(
        owner, Proxy) and tf else None
    block = res.blocks("health_check")[:1] if res is not None else ()
    if not block:
        return None
    protocol = block[0].get("protocol", res.get("protocol") if res else None)
    matcher = block[0].get("matcher", "200")
    path = block[0].get("path", "/")
    if protocol not in ("HTTP", "HTTPS") or not isinstance(matcher, str) or \
            "4" in matcher or not isinstance(path, str):
        return None  # TCP checks, or a matcher that may accept a 404
    return path


_MOUNT = re.compile(r"\.mount\(\s*(?:path\s*=\s*)?(?:[\"']([^\"']*)[\"'])?")


_ROOT_PATH = re.compile(r"\broot_path\s*=\s*(?:[\"']([^\"']*)[\"']|\S)")


def _mounts(text: str) -> list[str] | None:
    """Literal prefixes of `.mount(...)` calls; None when one is not a literal."""
    out = []
    for match in _MOUNT.finditer(text):
        if match.group(1) is None:
            return None
        out.append(match.group(1).rstrip("/"))
    return out


def _unserved(image: Image, path: str, modules: dict[str, PythonModule],
              read_text: Callable[[str], str | None],
              below: Callable[[str], list[PythonModule]]) -> Span | None:
    """The app module's span when no route serves `path`; None when served or unknown."""
    server = image.server
    apps = [modules[p] for p in image.app_files if p in modules]
    if server is None or server.server not in _PY_SERVERS | {"python-script"} or len(apps) != 1:
        return None
    app = apps[0]
    if not app.routes and not app.includes:
        return None
    context = posixpath.dirname(image.dockerfile)
    # Sub-applications mounted on the app (`app.mount("/v1", api)`) serve under their prefix.
    mounts = _mounts(text) if (text := read_text(app.path)) is not None else None
    if mounts is None:
        return None  # a mount whose prefix is not a literal: cannot tell
    # Indexed by directory: a walk over every module per image is quadratic on a monorepo.
    others = [m for m in below(context) if m is not app and any(
            a.is_router or (mounts and not a.is_router) for a in m.apps)]
    prefixes = {i.prefix or "" for i in app.includes} | set(mounts)
    if "?" in prefixes or any(a.prefix and "{" in a.prefix for a in app.apps):
        return None
    # Routers reach the app only through its includes (whose prefixes apply); when the app
    # includes nothing here, or routers include one another, a router may be served as is.
    if not app.includes or any(m.includes for m in others):
        prefixes.add("")
    candidates = [r.path for r in app.routes if r.path is not None] + [
        p + r.path for m in others for r in m.routes if r.path is not None for p in prefixes]
    # `FastAPI(root_path="/api")` behind a proxy: the app also answers under that prefix.
    roots = _ROOT_PATH.findall(text or "")
    if any(not literal for literal in roots):
        return None
    candidates += [root.rstrip("/") + c for root in roots for c in candidates]
    # A router's routes are incomplete in its own module only because the include that
    # prefixes it is elsewhere (the prefixes above); anything else unknown: cannot tell.
    if any(r.path is None or not r.path_complete for r in app.routes) or any(
            r.path is None for m in others for r in m.routes) or any(
            a.prefix and ("{" in a.prefix or "?" in a.prefix) for m in others for a in m.apps):
        return None
    wanted = path.rstrip("/") or "/"
    if any(a.framework == "fastapi" for a in app.apps) and wanted in _FRAMEWORK_PATHS:
        return None
    for candidate in candidates:
        literal = re.escape(candidate.rstrip("/") or "/")  # {param} / <param> match a segment
        pattern = re.sub(r"\\\{[^/]*?\\\}|<[^/]*?>", "[^/]+", literal)
        if re.fullmatch(pattern, wanted):
            return None
    return Span(app.path)
