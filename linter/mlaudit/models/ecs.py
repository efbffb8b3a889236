"""The ECS task definition model: containers with ports, health check, env and secrets.

Built from a `*task-def*.json` file (the RegisterTaskDefinition input, a
describe-task-definition output, or a bare container list) or from container definitions
embedded in Terraform (`containers_from_data` in mlaudit.parsers.ecs_task_definition). Values
that cannot be known statically (a Terraform reference, a non-numeric port) are None.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlaudit.models.command import ServerLaunch
from mlaudit.models.compose import EnvVar, find_env
from mlaudit.models.image import ImageRef
from mlaudit.span import Span

__all__ = ["ContainerDefinition", "EcsHealthCheck", "EcsPortMapping", "EcsSecret", "EnvVar",
           "TaskDefinition"]


@dataclass(frozen=True, slots=True)
class EcsPortMapping:
    container_port: int | None
    host_port: int | None  # None when not given (awsvpc: equals the container port)
    protocol: str  # tcp (default) | udp
    span: Span
    name: str | None = None
    app_protocol: str | None = None


@dataclass(frozen=True, slots=True)
class EcsHealthCheck:
    """`healthCheck`; times in seconds. None means not given (ECS defaults: 30/5/3/0)."""

    command: tuple[str, ...]  # ("CMD-SHELL", "curl ...") or ("CMD", ...)
    interval: int | None
    timeout: int | None
    retries: int | None
    start_period: int | None
    span: Span

    @property
    def effective_start_period(self) -> int:
        return self.start_period if self.start_period is not None else 0


@dataclass(frozen=True, slots=True)
class EcsSecret:
    """A `secrets` entry: injected from Secrets Manager / SSM at `value_from` (an ARN)."""

    name: str
    value_from: str | None
    span: Span


@dataclass(frozen=True)
class ContainerDefinition:
    name: str
    span: Span
    image: ImageRef | None = None
    image_span: Span | None = None
    essential: bool = True  # ECS default when omitted
    port_mappings: tuple[EcsPortMapping, ...] = ()
    health_check: EcsHealthCheck | None = None
    environment: tuple[EnvVar, ...] = ()
    secrets: tuple[EcsSecret, ...] = ()
    command: tuple[str, ...] | None = None
    command_span: Span | None = None
    entry_point: tuple[str, ...] | None = None
    entry_point_span: Span | None = None
    server: ServerLaunch | None = None  # from entryPoint + command, when they start a server
    cpu: int | None = None
    memory: int | None = None  # hard limit, MiB
    memory_reservation: int | None = None
    gpu: int | None = None  # resourceRequirements type GPU
    user: str | None = None
    privileged: bool = False
    readonly_root_filesystem: bool | None = None
    log_driver: str | None = None

    def env(self, name: str) -> EnvVar | None:
        return find_env(self.environment, name)


@dataclass(frozen=True)
class TaskDefinition:
    """A task definition. `cpu`/`memory` are kept as written ("1024", "1 vCPU", "2GB")."""

    path: str
    family: str | None
    span: Span
    containers: tuple[ContainerDefinition, ...]
    network_mode: str | None = None
    cpu: str | None = None
    memory: str | None = None
    requires_compatibilities: tuple[str, ...] = ()
    task_role_arn: str | None = None
    execution_role_arn: str | None = None

    @property
    def is_fargate(self) -> bool:
        return "FARGATE" in (c.upper() for c in self.requires_compatibilities)

    def container(self, name: str) -> ContainerDefinition | None:
        for container in self.containers:
            if container.name == name:
                return container
        return None
