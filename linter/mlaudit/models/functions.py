"""Serverless functions: one model for AWS SAM / CloudFormation and the Serverless Framework.

Defaults are already merged into each `Function` (SAM `Globals.Function`, Serverless
`provider`), so a rule reads one function and sees what will be deployed. Values that are
intrinsics (`!Ref`, `Fn::Sub`) or Serverless variables (`${ssm:...}`) are not guessed: numbers
become None with the field's name in `unresolved`; environment values stay None (intrinsic)
or as written (a `${...}` variable).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlaudit.models.compose import EnvVar, find_env
from mlaudit.models.sagemaker import SageMakerDeploys
from mlaudit.span import Span

__all__ = ["EnvVar", "Event", "Function", "FunctionUrl", "ProvisionedConcurrency",
           "ServerlessApp"]


@dataclass(frozen=True, slots=True)
class ProvisionedConcurrency:
    executions: int | None  # None when unresolved
    span: Span


@dataclass(frozen=True, slots=True)
class FunctionUrl:
    """A function URL. `auth_type` "NONE" means public; None when unresolved."""

    auth_type: str | None
    span: Span

    @property
    def is_public(self) -> bool:
        return self.auth_type is not None and self.auth_type.upper() == "NONE"


@dataclass(frozen=True, slots=True)
class Event:
    """A trigger. `type` as written: SAM "Api"/"HttpApi"/"Schedule"/..., Serverless
    "http"/"httpApi"/"schedule"/... `path`/`method` for HTTP events."""

    name: str
    type: str
    span: Span
    path: str | None = None
    method: str | None = None
    # For HTTP events, who may call: "NONE" (anyone), the authorizer or "API_KEY" when
    # something checks the caller (event, API or Globals level), None when it cannot be
    # told (an intrinsic, an API defined elsewhere).
    auth: str | None = None

    @property
    def is_http(self) -> bool:
        return self.type.lower() in ("api", "httpapi", "http", "alb")


@dataclass(frozen=True)
class Function:
    """One function, with provider/global defaults merged in.

    Paths (`source_dir`, `docker_context`, `dockerfile`) are repo-relative POSIX, None when
    remote (s3://), unresolved or outside the repository.
    """

    logical_name: str
    span: Span
    handler: str | None = None  # "app.handler" / "src/handler.main"
    handler_span: Span | None = None
    runtime: str | None = None
    package_type: str = "Zip"  # Zip | Image
    code_uri: str | None = None  # CodeUri / package.artifact as written
    image_uri: str | None = None
    docker_context: str | None = None
    dockerfile: str | None = None
    source_dir: str | None = None
    memory_size: int | None = None
    memory_span: Span | None = None
    timeout: int | None = None
    timeout_span: Span | None = None
    environment: tuple[EnvVar, ...] = ()
    provisioned_concurrency: ProvisionedConcurrency | None = None
    reserved_concurrency: int | None = None
    auto_publish_alias: str | None = None
    function_url: FunctionUrl | None = None
    events: tuple[Event, ...] = ()
    layers: tuple[str, ...] = ()  # as written; intrinsics rendered as "<Ref X>"
    architectures: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()  # fields set to a value we cannot evaluate
    # EFS mounts (`FileSystemConfigs`): (LocalMountPath, span of its entry).
    file_systems: tuple[tuple[str, Span], ...] = ()

    @property
    def handler_module(self) -> str | None:
        """`app` for "app.handler", `src/handler` for "src/handler.main"."""
        if not self.handler or "." not in self.handler:
            return None
        return self.handler.rsplit(".", 1)[0]

    @property
    def handler_function(self) -> str | None:
        if not self.handler or "." not in self.handler:
            return None
        return self.handler.rsplit(".", 1)[1]

    @property
    def is_python(self) -> bool:
        return self.runtime is not None and self.runtime.startswith("python")

    def env(self, name: str) -> EnvVar | None:
        return find_env(self.environment, name)


@dataclass(frozen=True)
class ServerlessApp:
    path: str
    kind: Literal["sam", "serverless"]
    functions: tuple[Function, ...]
    # SageMaker endpoints and their scaling declared in the same template.
    sagemaker: SageMakerDeploys | None = None

    def function(self, name: str) -> Function | None:
        for function in self.functions:
            if function.logical_name == name:
                return function
        return None
