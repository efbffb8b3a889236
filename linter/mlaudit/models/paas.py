"""Platform-as-a-service deployments: Render blueprints, Heroku apps, Fly.io apps, App Runner.

Each platform file is parsed into a `PaasFile` holding `PaasService`s; the deployment
builder merges what belongs together (a Heroku `Procfile` and the `app.json` beside it)
and adds App Runner services from Terraform, so rules see one `PaasService` per deployed
service with the facts every platform shares: the start command, the port the platform
sends traffic to, the health check, the instance count and scaling, the plan and its
memory, whether it sleeps when idle. None everywhere means "not written / cannot tell".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlaudit.span import Span

# Memory (MB) of each platform's instance sizes, as the platforms document them.
RENDER_PLAN_MB = {"free": 512, "starter": 512, "standard": 2048, "pro": 4096,
                  "pro plus": 8192, "pro max": 16384, "pro ultra": 32768,
                  "starter plus": 1024, "standard plus": 3072}
HEROKU_DYNO_MB = {"free": 512, "eco": 512, "basic": 512, "hobby": 512, "standard-1x": 512,
                  "standard-2x": 1024, "performance-m": 2560, "performance-l": 14336,
                  "performance-l-ram": 30720, "performance-xl": 63488,
                  "performance-2xl": 129024}


@dataclass(frozen=True)
class PaasService:
    """One service of a platform. `platform`: render, heroku, fly, apprunner. `kind`: web
    (receives HTTP from the platform's router) or the platform's word for the others
    (worker, pserv, cron, release). `directory` is the app's code directory (its
    requirements and Dockerfile), repository-relative ("" = root)."""

    platform: str
    name: str
    path: str
    span: Span
    kind: str = "web"
    directory: str = ""
    dockerfile: str | None = None
    command: tuple[str, ...] = ()
    command_span: Span | None = None
    plan: str | None = None
    plan_span: Span | None = None
    memory_mb: int | None = None
    memory_span: Span | None = None
    instances: int | None = None
    instances_span: Span | None = None
    min_instances: int | None = None
    max_instances: int | None = None
    scaling_span: Span | None = None
    health_path: str | None = None
    health_protocol: str | None = None
    health_span: Span | None = None
    health_checks: int = 0  # HTTP checks declared (Fly checks, Render healthCheckPath)
    tcp_checks: int = 0
    port: int | None = None  # where the platform sends traffic (Fly internal_port, ...)
    port_span: Span | None = None
    port_unknown: bool = False
    sleeps: bool | None = None  # scales to zero / spins down when idle
    sleep_span: Span | None = None
    min_running: int | None = None
    min_running_span: Span | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def id(self) -> str:
        return f"service:{self.platform}:{self.path}#{self.name}"

    @property
    def key(self) -> str:
        return f"{self.path}#{self.name}"


@dataclass(frozen=True)
class PaasFile:
    """A parsed platform file. `platform`: render (render.yaml), procfile (Heroku
    `Procfile`), heroku-app (`app.json`), fly (fly.toml)."""

    path: str
    platform: str
    services: tuple[PaasService, ...] = ()
