"""Compose service serves traffic without a health check

## What it flags
A compose service that serves (it publishes `ports`/`expose`s one, or its `command` or
its image's `CMD` starts an app server) with no `healthcheck` (or one disabled with
`disable: true` / `test: ["NONE"]`, which also turns off the image's own check, so any
image counts, in the repository or not), whose image has none either. The finding sits on
the service name.

The image's own health check is known for images built from an in-repo Dockerfile
(`build:`, or an `image:` an in-repo Dockerfile is built as; the `target` stage and the
stages it builds on count) and for images known to ship none: Docker official images
(`python`, …: none by policy) whose compose `command` starts an app server, and the
model-server images of vLLM, TGI, Triton, TF Serving, TorchServe and Ollama when they
publish a port. Other registry images: cannot tell, not flagged. Also not flagged: a
service or built image with a health check; one-shot services (no ports and a command
that starts no server, e.g. a migration); a `build` whose Dockerfile is not in the repo;
a service that builds the final stage of a serving Dockerfile with no HEALTHCHECK (MLA201
reports that image once, at its `FROM` line, citing every service that runs it); services
that serve no traffic: local emulators (DynamoDB Local, LocalStack, MinIO, mail catchers
...), test runners (a command running pytest, playwright, cypress, `npm test` ...) and
one-shot jobs (see `mlaudit.compose_projects.classify`).

Files are read as `docker compose` reads them: a service is judged merged with the rest of
its project (`compose.yaml` with `compose.override.yaml`, a `-f a -f b` set a script,
Makefile, workflow or README runs, `extends`, `include`). A base file's `healthcheck`
covers the override's service; a service in several projects is flagged only when none
gives it a working check.

## Why it matters
`depends_on: condition: service_healthy`, `docker compose up --wait` and Swarm rolling
updates all wait on the health check. Without one a model server that is still loading
its weights (or has hung) counts as up, and traffic or dependent services hit it early.

## How to fix
Add a `healthcheck` probing the readiness route (a `start_period` covering model
loading), or a `HEALTHCHECK` in the Dockerfile.

## Example
```yaml
services:
  api:
    build: .
    ports: ["8000:8000"]
```

```yaml
services:
  api:
    build: .
    ports: ["8000:8000"]
    healthcheck:
      test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
```

## References
- https://docs.docker.com/reference/compose-file/services/#healthcheck
- https://github.com/docker-library/faq#healthcheck
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from mlaudit.compose_projects import compose_projects
from mlaudit.finding import Finding
from mlaudit.models.command import analyse_argv
from mlaudit.models.compose import ComposeFile, ComposeService
from mlaudit.models.dockerfile import Dockerfile, Stage
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity

RULE = Rule(
    id="MLA205",
    name="compose-healthcheck-missing",
    title="Compose service serves traffic without a health check",
    severity=Severity.MEDIUM,
    category=Category.HEALTH,
    target=ComposeFile,
    kind=Kind.RELIABILITY,
    confidence=Confidence.MEDIUM,
    tags=("compose", "docker"),
    docs=__doc__ or "",
)

# Published model-server images that define no HEALTHCHECK (registry/repository).
_MODEL_SERVERS = frozenset({
    "vllm/vllm-openai", "ghcr.io/huggingface/text-generation-inference",
    "nvcr.io/nvidia/tritonserver", "tensorflow/serving", "pytorch/torchserve", "ollama/ollama",
})


_CHECKED = "checked"  # a verdict: the service has a working health check


@RULE.check
def check(compose: ComposeFile, ctx: RuleContext) -> Iterator[Finding]:
    deployment = ctx.deployment
    dockerfiles = deployment.project.by_path(Dockerfile) if deployment else {}
    # Each service is judged as `docker compose` runs it: merged with the rest of its project
    # (a base file's health check covers the override's service). A service defined in this
    # file is reported here, once: when it serves without a check in some project it
    # belongs to, and no project gives it a working one.
    verdicts: dict[tuple[int, int], list[str | None]] = {}
    spans: dict[tuple[int, int], ComposeService] = {}
    for project_id, service in _services_here(compose, deployment):
        at = (service.span.line, service.span.column)
        spans.setdefault(at, service)
        verdicts.setdefault(at, []).append(
            _judge(service, project_id, dockerfiles, deployment))
    for at, verdict in verdicts.items():
        reasons = [r for r in verdict if r not in (None, _CHECKED)]
        if not reasons or _CHECKED in verdict:
            continue
        service = spans[at]
        yield ctx.finding(f"compose service {service.name} serves traffic and has no working "
                          f"health check: {reasons[0]}", service.span,
                          key=f"{compose.path}:{service.name}")


def _services_here(compose: ComposeFile, deployment: Any
                   ) -> Iterator[tuple[str | None, ComposeService]]:
    """(project id, merged service) for the services first defined in this file; the file's
    own services when there is no deployment model (a bare check)."""
    if deployment is None:
        yield from ((None, s) for s in compose.services)
        return
    # Every project, not only those listing this file: a file read through `include:` or
    # `extends:` holds definitions of other projects' services.
    def by_path() -> dict[str, list[tuple[str | None, ComposeService]]]:
        # Indexed once per scan: a walk over every project per compose file is quadratic.
        out: dict[str, list[tuple[str | None, ComposeService]]] = {}
        for project in compose_projects(deployment.project):
            for service in project.services:
                out.setdefault(service.span.path, []).append((project.id, service))
        return out
    yield from deployment.memo(("compose", "services-by-path"), by_path).get(compose.path, ())


def _judge(service: ComposeService, project_id: str | None,
           dockerfiles: dict[str, Dockerfile], deployment: Any) -> str | None:
    """Why the service lacks a working health check; _CHECKED when it has one; None when it
    serves nothing or cannot be told."""
    if service.purpose in ("emulator", "test", "job"):
        return None  # a local stand-in, a test runner or a one-shot job serves no traffic
    if service.healthcheck is not None and not service.healthcheck.disabled:
        return _CHECKED
    disabled = service.healthcheck is not None  # overrides the image's HEALTHCHECK too
    published = bool(service.ports or service.expose)
    dockerfile = _built_dockerfile(service, project_id, dockerfiles, deployment)
    if dockerfile is not None:
        target = service.build.target if service.build is not None else None
        stage = dockerfile.stage_named(target) if target else dockerfile.final_stage
        if stage is None:
            return None
        if not disabled and _has_healthcheck(dockerfile, stage):
            return _CHECKED
        if not disabled and stage is dockerfile.final_stage and dockerfile.is_serving:
            return None  # MLA201 reports the image, citing this service: one fact, once
        if service.command is not None or service.entrypoint is not None:
            serves = service.server is not None
        else:  # the image's own CMD runs; a script counts only with an EXPOSE
            launch = analyse_argv(stage.launch_argv) if stage.launch_argv else None
            serves = launch is not None and (
                not launch.is_script or bool(stage.exposed))
        serves = serves or published
        why = f"built from {dockerfile.path}, which has no HEALTHCHECK"
    elif service.build is None and service.image is not None and \
            not service.image.has_variable:
        image = service.image
        name = f"{image.registry}/{image.repository}" if image.registry else image.repository
        if name in _MODEL_SERVERS:
            serves = published
        elif image.registry is None and "/" not in name.removeprefix("library/"):
            serves = service.server is not None  # official image: never a HEALTHCHECK
        elif disabled:
            # Whatever the image defines, `disable: true` / `test: ["NONE"]` turns it off.
            serves = published or service.server is not None
        else:
            return None  # a registry image we know nothing about: cannot tell
        why = f"image {image.raw} defines none"
    else:
        return None
    if not serves:
        return None
    return "the compose healthcheck is disabled" if disabled else why


def _built_dockerfile(service: ComposeService, project_id: str | None,
                      dockerfiles: dict[str, Dockerfile], deployment: Any) -> Dockerfile | None:
    """The in-repo Dockerfile the service runs, or None (none, not in the repo, unknown)."""
    build = service.build
    if build is not None:
        if build.inline:
            return None
        path = build.dockerfile or (posixpath.join(build.context, "Dockerfile")
                                    if build.context is not None else None)
        return dockerfiles.get(posixpath.normpath(path)) if path else None
    if deployment is None or service.image is None:
        return None
    # `image:` naming what an in-repo Dockerfile is built as: the deployment model links it.
    node = deployment.compose_service(project_id, service.name)
    if node is None:
        return None
    image = deployment.image_of(node)
    return dockerfiles.get(image.dockerfile) if image is not None else None


def _has_healthcheck(dockerfile: Dockerfile, stage: Stage | None) -> bool:
    """The stage's own HEALTHCHECK, else the one of the earlier stage it is built FROM."""
    seen: set[int] = set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        if stage.healthcheck is not None:
            return not stage.healthcheck_disabled
        stage = dockerfile.stage_named(stage.image.raw)
    return False
