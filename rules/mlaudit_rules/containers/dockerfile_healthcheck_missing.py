"""Serving image has no HEALTHCHECK

## What it flags
A Dockerfile whose final stage starts an app server (uvicorn, gunicorn, hypercorn,
flask, …), a program with an `EXPOSE` (`python app.py`, `node app.js`, `java -jar
app.jar`, `npm start`), or a `python app.py` whose script runs a web app (`app.run()`,
`uvicorn.run(app)`; EXPOSE or not), and defines no `HEALTHCHECK`, nor inherits
one from an earlier stage it builds on. The finding sits on the final `FROM` line.

Not flagged: batch, training and other images that start no server; SageMaker training
images (ENTRYPOINT/CMD runs `train`, or a `train` program copied into /opt/program with no
`serve`); SageMaker serving images that nothing else in the repository runs (SageMaker
health-checks them with `GET /ping` on 8080 and does not use HEALTHCHECK); images Knative
runs (a Knative `Service` manifest or a knative-provider serverless.yml beside the
Dockerfile: Knative probes the container and ignores HEALTHCHECK); images whose every
deployment in the repository defines a health check elsewhere (a compose `healthcheck`,
an ECS container `healthCheck`, or the health check of a target group routing to it), or
is a compose test runner, local emulator or one-shot job.

## Why it matters
Without a health check the runtime only knows the process is alive, not that it serves.
A model server that hangs while loading weights, deadlocks under load or loses its GPU
keeps receiving traffic, and a rolling deploy happily replaces healthy replicas with
ones that never became ready.

## How to fix
Probe the app's readiness route, with a start period that covers model loading. Slim
images have no `curl`: use Python, which the image already has. Or declare the health
check where the container is deployed (compose `healthcheck`, ECS `healthCheck`).

## Example
```dockerfile
FROM python:3.12-slim
COPY . /app
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
```

```dockerfile
FROM python:3.12-slim
COPY . /app
HEALTHCHECK --start-period=60s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
```

## References
- https://docs.docker.com/reference/dockerfile/#healthcheck
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.image_purpose import is_training_image, knative_deployed
from mlaudit.models.dockerfile import Dockerfile
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.helpers import dockerfile_serves

RULE = Rule(
    id="MLA201",
    name="dockerfile-healthcheck-missing",
    title="Serving image has no HEALTHCHECK",
    severity=Severity.MEDIUM,
    category=Category.HEALTH,
    target=Dockerfile,
    kind=Kind.RELIABILITY,
    tags=("docker",),
    docs=__doc__ or "",
)


@RULE.check
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    final = dockerfile.final_stage
    if final is None or dockerfile.server is None or not dockerfile_serves(dockerfile,
                                                                           ctx.deployment):
        return
    if final.healthcheck is not None and not final.healthcheck_disabled:
        return
    if final.healthcheck is None and dockerfile.inherited_healthcheck:
        return
    deployment = ctx.deployment
    project = deployment.project if deployment is not None else None
    if is_training_image(dockerfile, project):
        return  # SageMaker runs it with `train`: it serves nothing
    if deployment is not None and deployment.healthcheck_elsewhere(dockerfile.path):
        return
    sagemaker = deployment.sagemaker_container_of(dockerfile.path) \
        if deployment is not None else None
    if sagemaker is not None and sagemaker.serves and sagemaker.behind_endpoint_only:
        return  # SageMaker probes GET /ping on 8080 itself and ignores HEALTHCHECK
    if project is not None and knative_deployed(project, dockerfile.path):
        return  # Knative probes the container itself and ignores HEALTHCHECK
    if deployment is not None and _only_non_serving(deployment, dockerfile.path):
        return
    # The deployments that run this image without a check of their own are the evidence.
    related = [] if deployment is None else [
        (service.span, f"{service.platform} service {service.name} runs this image without "
                       "a health check of its own")
        for service in deployment.service_for_dockerfile(dockerfile.path)
        if not any(not h.disabled for h in service.healthchecks)
    ]
    server = dockerfile.server.server
    if final.healthcheck_disabled and final.healthcheck is not None:
        yield ctx.finding(
            f"final stage FROM {final.image.raw} runs {server} but disables its health "
            "check with HEALTHCHECK NONE",
            final.healthcheck.span,
            related=related,
            key=f"stage:{final.name or final.index}:none",
        )
        return
    yield ctx.finding(
        f"final stage FROM {final.image.raw} runs {server} and defines no HEALTHCHECK",
        final.from_span,
        related=related,
        key=f"stage:{final.name or final.index}",
    )


def _only_non_serving(deployment: Any, path: str) -> bool:
    """Every deployment of the image is a compose test runner, emulator or one-shot job."""
    services = deployment.service_for_dockerfile(path)
    if not services:
        return False
    # Imported here: a Dockerfile-only scan (pre-commit) never loads the compose model.
    from mlaudit.compose_projects import project_of_service

    for service in services:
        found = project_of_service(deployment.project, service.group, service.name) \
            if service.platform == "compose" else None
        if found is None or found[1].purpose not in ("test", "emulator", "job"):
            return False
    return True
