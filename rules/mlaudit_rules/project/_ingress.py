"""Shared helpers of the cross-file exposure rules: where the application listens, which
security groups front a load balancer, and which security groups an instance uses.

Public ingress itself is read by `mlaudit_rules.iac._ingress` (one reading of security
groups for the Terraform and the cross-file rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlaudit.models.deployment import Deployment, Image, Service
from mlaudit.models.image import ImageRef, parse_image
from mlaudit.models.terraform import Resource, TerraformModule
from mlaudit.span import Span
from mlaudit_rules.helpers import model_loaded
from mlaudit_rules.iac._ingress import group_refs

if TYPE_CHECKING:  # loaded only when Python code was parsed
    from mlaudit.models.python_source import PythonModule

PROXIES = ("nginx", "traefik", "caddy", "haproxy", "envoy", "openresty")
EDGE_PORTS = (80, 443)  # what a proxy or load balancer serves: open to the world by design
_ORIGIN = {"cmd": "Dockerfile CMD", "expose": "Dockerfile EXPOSE", "python": "code",
           "compose-command": "compose", "compose-expose": "compose expose",
           "task-definition": "ECS task definition", "user-data": "user_data"}


_VALUED = {"-e", "--env", "-v", "--volume", "--name", "-w", "--workdir", "--env-file",
           "--network", "--restart", "-u", "--user", "--gpus", "--memory", "-m", "--cpus",
           "--log-driver", "--entrypoint", "-l", "--label", "--mount", "--add-host",
           "--shm-size", "--ulimit", "--platform", "--runtime"}
# host ip, host port, container port, and the compose port entry it comes from
Published = tuple[str | None, int | None, int | None, Span | None]


@dataclass(frozen=True)
class Listener:
    """Evidence that something listens on `port`: a related location and its note."""

    port: int
    span: Span
    note: str
    units: tuple[str, ...] = ()  # the deployment units of the listening process


def _units(deployment: Deployment, node_id: str | None, path: str) -> tuple[str, ...]:
    unit = deployment.node_units.get(node_id or "")
    return (unit,) if unit is not None else tuple(deployment.file_units.get(path, ()))


def listeners_for_root(deployment: Deployment, listeners: list[Listener],
                       root: str) -> list[Listener]:
    """The listeners that matter to the security groups of one Terraform root: those of
    the units the root is tied to by evidence (the images its tasks or instances run).
    With one root in the repository every app is its own; with several, an app no evidence
    ties to this root is another deployment's."""
    roots = deployment.memo("terraform-root-count", lambda: sum(
        1 for u in deployment.units.values() if u.kind == "terraform-root"))
    if roots <= 1:
        return listeners
    unit = f"terraform:{root or '.'}"
    near = deployment.connected_units(unit)

    def by_unit() -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for index, listener in enumerate(listeners):
            for unit_id in listener.units:
                out.setdefault(unit_id, []).append(index)
        return out
    # Indexed once per listener list (asked per root: a walk each time is quadratic).
    index = deployment.memo(("listeners-by-unit", id(listeners)), by_unit)
    return [listeners[i] for i in sorted({i for u in near for i in index.get(u, ())})]


def is_proxy_image(ref: ImageRef | None) -> bool:
    return ref is not None and ref.family.split("-", 1)[0] in PROXIES


def _base(deployment: Deployment, image: Image) -> ImageRef | None:
    at = deployment.image_reference_at("dockerfile-from", image.span)
    return at.ref if at is not None else None


def _is_proxy(deployment: Deployment, node: Service | Image) -> bool:
    if isinstance(node, Service):
        image = deployment.image_of(node)
        return is_proxy_image(node.image) or (image is not None and _is_proxy(deployment, image))
    return is_proxy_image(_base(deployment, node))


def _name(node: Service | Image) -> str:
    if isinstance(node, Image):
        return node.server.server if node.server is not None else node.dockerfile
    return node.name


def _behind_sagemaker(deployment: Deployment, path: str) -> bool:
    """A file of a SageMaker serving container nothing else in the repository runs."""
    container = deployment.sagemaker_container_of(path)
    return container is not None and container.serves and container.behind_endpoint_only


def app_listeners(deployment: Deployment) -> list[Listener]:
    """Every port an application process (not a reverse proxy) of the repository listens
    on: Dockerfile CMD / EXPOSE, compose command, expose and app target ports, ECS
    containerPort, user_data servers, and `uvicorn.run`-style launches in code. Not the
    images and code of SageMaker serving containers: only the endpoint reaches them.
    Computed once per scan (rules ask per module); callers must not change it."""
    found: list[Listener] = deployment.memo("app-listeners", lambda: _app_listeners(deployment))
    return found


def _app_listeners(deployment: Deployment) -> list[Listener]:
    out: list[Listener] = []
    for node, port in deployment.listen_ports():
        if isinstance(node, Image) and _behind_sagemaker(deployment, node.dockerfile):
            continue  # SageMaker hosts it: 8080 is reached only through the endpoint
        if port.port is not None and not _is_proxy(deployment, node):
            host = f"{port.host}:" if port.host else ""
            out.append(Listener(port.port, port.span, f"{_name(node)} listens on "
                                f"{host}{port.port} ({_ORIGIN.get(port.origin, port.origin)})",
                                _units(deployment, node.id, port.span.path)))
    for service in deployment.services():
        if service.platform != "compose" or _is_proxy(deployment, service) or not (
                service.image_id or any(p.origin == "compose-command" for p in service.ports)):
            continue  # a registry image such as postgres: its ports are not the app's
        for published in service.published:
            if published.container_port is not None:
                out.append(Listener(published.container_port, published.span,
                                    f"compose service {service.name} serves on "
                                    f"{published.container_port}",
                                    _units(deployment, service.id, published.span.path)))
    modules: list[PythonModule] = []
    if model_loaded("mlaudit.models.python_source"):  # else no app code was parsed
        from mlaudit.models.python_source import PythonModule

        modules = list(deployment.models(PythonModule))
    for module in modules:
        if _behind_sagemaker(deployment, module.path):
            continue
        for launch in module.launches:
            number = launch.launch.effective_port
            if number is not None:
                out.append(Listener(number, launch.span,
                                    f"{launch.server}.run listens on {number}",
                                    _units(deployment, None, launch.span.path)))
    return out


def load_balancer_groups(modules: tuple[TerraformModule, ...]) -> set[tuple[str, str]]:
    """(root, group address) of security groups attached to a load balancer: opening them
    to the world is the edge. Scoped by root: two roots may both name a group `lb`."""
    out: set[tuple[str, str]] = set()
    for module in modules:
        for lb in module.resources_of("aws_lb", "aws_alb", "aws_elb"):
            out.update((module.root, g) for g in group_refs(module, lb.get("security_groups")))
    return out


def instance_groups(module: TerraformModule, res: Resource) -> list[str]:
    """Security groups of this module an instance or launch template references."""
    values: list[Any] = [res.get("vpc_security_group_ids"), res.get("security_groups")]
    values += [b.get("security_groups") for b in res.blocks("network_interfaces")]
    return [g for v in values if v is not None for g in group_refs(module, v)]


def docker_publishes(args: list[str]) -> list[Published]:
    """`-p` mappings of one `docker run`, unless it runs a reverse proxy image."""
    out: list[Published] = []
    i = 0
    while i < len(args):
        word, value = args[i], args[i + 1] if i + 1 < len(args) else ""
        if word in ("-p", "--publish") or word.startswith(("--publish=", "-p")):
            text = value if word in ("-p", "--publish") else word.split("=", 1)[-1] \
                if "=" in word else word[2:]
            parts = text.split("/", 1)[0].rsplit(":", 2)
            ip = parts[0].strip("[]") if len(parts) == 3 else None
            host = parts[-2] if len(parts) >= 2 else ""
            out.append((ip, int(host) if host.isdigit() else None,
                        int(parts[-1]) if parts[-1].isdigit() else None, None))
            i += 2 if word in ("-p", "--publish") else 1
        elif word in _VALUED:
            i += 2
        elif word.startswith("-"):
            i += 1
        else:
            return [] if is_proxy_image(parse_image(word)) else out
    return []


def script_lines(script: str) -> list[tuple[str, str]]:
    """(first physical line, joined line) for each command, joining `\\` continuations."""
    out: list[tuple[str, str]] = []
    first, pending = "", ""
    for raw in script.splitlines():
        first = first or raw
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        if not (pending + raw).lstrip().startswith("#"):
            out.append((first, pending + raw))
        first, pending = "", ""
    return out
