"""The Dockerfile model: stages, instructions with exact lines, resolved CMD/ENTRYPOINT."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlaudit.models.command import ServerLaunch
from mlaudit.models.image import ImageRef
from mlaudit.span import Span


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, CMD, ...
    value: str  # arguments after the keyword, continuation lines joined, vars substituted
    raw: str  # the original text without substitution
    span: Span


@dataclass(frozen=True, slots=True)
class Command:
    """A CMD or ENTRYPOINT: its argv (exec form, or the shell form split)."""

    argv: tuple[str, ...]
    exec_form: bool
    span: Span


@dataclass(frozen=True, slots=True)
class ExposedPort:
    port: int | None  # None when the value could not be resolved
    protocol: str
    text: str
    span: Span


@dataclass(frozen=True)
class Stage:
    index: int
    name: str | None
    image: ImageRef
    from_span: Span
    instructions: tuple[Instruction, ...]
    healthcheck: Instruction | None
    user: Instruction | None  # the last USER of the stage
    cmd: Command | None
    entrypoint: Command | None
    exposed: tuple[ExposedPort, ...]
    env: dict[str, str] = field(default_factory=dict)
    packages: tuple[str, ...] = ()  # apt/apk/pip packages installed in RUN lines

    @property
    def runs_as_root(self) -> bool:
        if self.user is None:
            return True
        user = self.user.value.split(":", 1)[0].strip()
        return user in ("root", "0", "")

    @property
    def healthcheck_disabled(self) -> bool:
        return self.healthcheck is not None and self.healthcheck.value.strip().upper() == "NONE"

    @property
    def launch_argv(self) -> tuple[str, ...]:
        """ENTRYPOINT + CMD as the container runtime would combine them."""
        entry = self.entrypoint.argv if self.entrypoint else ()
        cmd = self.cmd.argv if self.cmd else ()
        if self.entrypoint and not self.entrypoint.exec_form:
            return entry  # shell-form ENTRYPOINT ignores CMD
        return entry + cmd


@dataclass(frozen=True)
class Dockerfile:
    path: str
    stages: tuple[Stage, ...]
    server: ServerLaunch | None  # what the final stage starts, if it is an app server
    inherited_healthcheck: bool = False  # final stage FROMs an earlier stage that has one
    inherited_user: Instruction | None = None

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    @property
    def is_serving(self) -> bool:
        """Serves HTTP: an app server in CMD/ENTRYPOINT, or a program (`python app.py`,
        `node app.js`) plus EXPOSE."""
        final = self.final_stage
        if final is None or self.server is None:
            return False
        if self.server.is_script:
            return bool(final.exposed)
        return True

    def stage_named(self, name: str) -> Stage | None:
        for stage in self.stages:
            if stage.name and stage.name.lower() == name.lower():
                return stage
        return None
