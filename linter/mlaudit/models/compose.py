"""The Docker Compose model: services with their image, ports, health check and environment.

Values are interpolated the way Compose does for `${VAR:-default}` / `${VAR-default}`
(the default is used); any other variable reference is kept verbatim, which rules must read
as "cannot tell". `EnvVar` and `parse_duration` are shared by the ECS and function models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mlaudit.models.command import ServerLaunch
from mlaudit.models.dockerfile import ExposedPort
from mlaudit.models.image import ImageRef
from mlaudit.span import Span

__all__ = [
    "BuildSpec", "ComposeFile", "ComposeService", "Dependency", "Deploy", "EnvFile", "EnvVar",
    "ExposedPort", "Extends", "HealthCheck", "Include", "PortMapping", "ResourceSpec", "Volume",
    "parse_duration",
]

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str | None) -> float | None:
    """Seconds in a Compose/Go duration ("1m30s", "500ms"); None when absent or unknown."""
    if text is None:
        return None
    value = text.strip()
    if value.isdigit():
        return float(value)
    parts = _DURATION_RE.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def has_variable(text: str | None) -> bool:
    """True when a value still holds an unresolved `$VAR`/`${...}` reference."""
    return text is not None and "$" in text


@dataclass(frozen=True, slots=True)
class EnvVar:
    """One environment variable. `value` None: no value here (taken from the host/runtime,
    or an intrinsic such as `!Ref` that cannot be resolved statically)."""

    name: str
    value: str | None
    span: Span

    @property
    def is_unresolved(self) -> bool:
        return self.value is None or has_variable(self.value)


def find_env(environment: tuple[EnvVar, ...], name: str) -> EnvVar | None:
    """The variable called `name` (the first, as the runtime takes it), or None."""
    return next((var for var in environment if var.name == name), None)


@dataclass(frozen=True, slots=True)
class PortMapping:
    """A `ports:` entry. Ranges are inclusive (start, end); a single port is (p, p).

    `published` None: Compose picks an ephemeral host port (or the text is unresolved,
    see `published_text`). `host_ip` None: all interfaces.
    """

    target: tuple[int, int] | None
    published: tuple[int, int] | None
    host_ip: str | None
    protocol: str
    span: Span
    raw: str
    published_text: str | None = None  # as written, e.g. "${API_PORT}" when unresolved
    long_syntax: bool = False

    @property
    def binds_all_interfaces(self) -> bool:
        return self.host_ip in (None, "", "0.0.0.0", "::", "[::]")

    @property
    def is_loopback(self) -> bool:
        return self.host_ip is not None and (
            self.host_ip.startswith("127.") or self.host_ip in ("::1", "[::1]", "localhost"))

    @property
    def target_ports(self) -> range:
        return range(self.target[0], self.target[1] + 1) if self.target else range(0)

    @property
    def published_ports(self) -> range:
        return range(self.published[0], self.published[1] + 1) if self.published else range(0)


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """A service `healthcheck:`. `test` is as written: ("CMD", ...), ("CMD-SHELL", "...")
    or ("NONE",); a plain string test becomes ("CMD-SHELL", text)."""

    test: tuple[str, ...]
    disable: bool
    interval: str | None
    timeout: str | None
    retries: int | None
    start_period: str | None
    span: Span

    @property
    def disabled(self) -> bool:
        return self.disable or self.test[:1] == ("NONE",)

    @property
    def interval_seconds(self) -> float | None:
        return parse_duration(self.interval)

    @property
    def start_period_seconds(self) -> float | None:
        return parse_duration(self.start_period)


@dataclass(frozen=True, slots=True)
class BuildSpec:
    """A `build:`. Paths are repo-relative POSIX, resolved from the compose file's directory;
    None when remote (a git URL) or outside the repository."""

    context: str | None
    dockerfile: str | None  # the Dockerfile path, default <context>/Dockerfile
    raw_context: str
    target: str | None
    span: Span
    inline: bool = False  # dockerfile_inline: there is no Dockerfile file


@dataclass(frozen=True, slots=True)
class EnvFile:
    path: str | None  # repo-relative, None when outside the repository or unresolved
    raw: str
    required: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Dependency:
    """A `depends_on` entry; `condition` is None in the list form (service_started)."""

    name: str
    condition: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    cpus: str | None
    memory: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Deploy:
    """`deploy:` plus the legacy service-level `mem_limit`/`cpus`/`gpus` folded in."""

    span: Span
    replicas: int | None = None
    limits: ResourceSpec | None = None
    reservations: ResourceSpec | None = None
    gpu: bool = False  # a device reservation with capability gpu, or `gpus:`
    restart_condition: str | None = None


@dataclass(frozen=True, slots=True)
class Volume:
    source: str | None  # host path or named volume; None for anonymous volumes
    target: str
    read_only: bool
    kind: str  # bind | volume | tmpfs | unknown
    span: Span


@dataclass(frozen=True, slots=True)
class Extends:
    """`extends: {file, service}`. `file` is the repo path of the file it names (resolved from
    this file's directory), None for the same file; `unresolved` when the path leaves the repo."""

    service: str
    file: str | None
    span: Span
    unresolved: bool = False


@dataclass(frozen=True, slots=True)
class Include:
    """One top-level `include:` entry: the files (repo paths, merged in order) it pulls in."""

    files: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class ComposeService:
    """One service. Spans: `span` is the service key; each sub-value carries its own."""

    name: str
    span: Span
    image: ImageRef | None = None
    image_span: Span | None = None
    build: BuildSpec | None = None
    command: tuple[str, ...] | None = None  # string form split like Compose does (no shell)
    command_span: Span | None = None
    entrypoint: tuple[str, ...] | None = None
    entrypoint_span: Span | None = None
    server: ServerLaunch | None = None  # from entrypoint + command, when they start a server
    ports: tuple[PortMapping, ...] = ()
    expose: tuple[ExposedPort, ...] = ()
    healthcheck: HealthCheck | None = None
    environment: tuple[EnvVar, ...] = ()
    env_files: tuple[EnvFile, ...] = ()
    depends_on: tuple[Dependency, ...] = ()
    deploy: Deploy | None = None
    networks: tuple[str, ...] = ()
    network_mode: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    volumes: tuple[Volume, ...] = ()
    restart: str | None = None
    user: str | None = None
    privileged: bool = False
    profiles: tuple[str, ...] = ()  # starts only with `--profile` (or COMPOSE_PROFILES)
    extends: Extends | None = None
    # What the service is for: serve | emulator | test | job | unknown. Set on the services
    # of a merged compose project (mlaudit.compose_projects), which sees the built image too.
    purpose: str = "unknown"

    def env(self, name: str) -> EnvVar | None:
        return find_env(self.environment, name)

    @property
    def is_profiled(self) -> bool:
        """Starts only when a profile is asked for: not part of a plain `docker compose up`."""
        return bool(self.profiles)


@dataclass(frozen=True)
class ComposeFile:
    path: str
    services: tuple[ComposeService, ...]
    include: tuple[Include, ...] = ()

    def service(self, name: str) -> ComposeService | None:
        for service in self.services:
            if service.name == name:
                return service
        return None
