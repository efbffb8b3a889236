"""ECS container serves traffic without a health check

## What it flags
An essential ECS container with `portMappings` and no `healthCheck`: in task definition
JSON files (on the container object) and in Terraform `aws_ecs_task_definition`
`container_definitions` written with `jsonencode`, a heredoc, `file()` or `templatefile()`
(on the `container_definitions` line, naming the container).

Not flagged: containers with a `healthCheck`; non-essential sidecars; containers without
port mappings; container definitions that cannot be resolved statically. A JSON file that
Terraform loads with `file()`/`templatefile()` is reported once, in the JSON file.

## Why it matters
Without a container health check ECS only knows the process runs. Behind a load balancer
the target group check covers some of it, but a service without one (or with a slow one)
keeps a hung model server in service, and a deployment circuit breaker never sees the
new tasks fail.

## How to fix
Add a `healthCheck` that probes the readiness route with a `startPeriod` covering model
loading. Slim images have no `curl`: use Python.

## Example
```json
{"containerDefinitions": [{"name": "api", "image": "acme/api:1.4.2", "essential": true,
  "portMappings": [{"containerPort": 8000}]}]}
```

```json
{"containerDefinitions": [{"name": "api", "image": "acme/api:1.4.2", "essential": true,
  "portMappings": [{"containerPort": 8000}],
  "healthCheck": {"command": ["CMD-SHELL", "python -c \\"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')\\""],
                  "startPeriod": 120}}]}
```

## References
- https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment
from mlaudit.models.ecs import TaskDefinition
from mlaudit.models.terraform import TerraformModule
from mlaudit.models.terraform_syntax import Call, Literal, Template, TerraformFile
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity

RULE = Rule(
    id="MLA206",
    name="ecs-healthcheck-missing",
    title="ECS container serves traffic without a health check",
    severity=Severity.MEDIUM,
    category=Category.HEALTH,
    target=Deployment,
    requires=(TaskDefinition, TerraformModule),
    kind=Kind.RELIABILITY,
    tags=("ecs", "aws"),
    docs=__doc__ or "",
)


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    files = {t.path: t for t in deployment.models(TaskDefinition)}
    for taskdef in files.values():
        for c in taskdef.containers:
            if c.essential and c.port_mappings and c.health_check is None:
                yield ctx.finding(f"essential container {c.name} of task definition "
                                  f"{taskdef.family or taskdef.path} maps ports and has no "
                                  "healthCheck", c.span, key=f"{taskdef.path}:{c.name}")
    seen: set[tuple[str, str]] = set()
    terraform = deployment.terraform
    for res in terraform.resources("aws_ecs_task_definition") if terraform else ():
        if res.type != "aws_ecs_task_definition" or _loaded_file(deployment, res) in files:
            continue
        data = res.decoded("container_definitions")
        for item in data if isinstance(data, list) else ():
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str) or (res.config_address, name) in seen:
                continue  # count/for_each copies report once
            essential, ports = item.get("essential", True), item.get("portMappings")
            if essential not in (True, "true") or not isinstance(ports, list) or not ports \
                    or "healthCheck" in item:
                continue
            seen.add((res.config_address, name))
            yield ctx.finding(f"essential container {name} of {res.config_address} maps ports "
                              "and has no healthCheck", res.span_of("container_definitions"),
                              key=f"{res.config_address}:{name}")


def _loaded_file(deployment: Deployment, res: Any) -> str | None:
    """The repo file `container_definitions = file(...)`/`templatefile(...)` reads, if any."""
    model = deployment.project.models.get(res.path)
    if not isinstance(model, TerraformFile):
        return None
    block = next((b for b in model.blocks_of("resource")
                  if b.labels[:2] == (res.type, res.name)), None)
    attribute = block.attribute("container_definitions") if block else None
    pending: list[Any] = [attribute.expr] if attribute else []
    while pending:
        expr = pending.pop()
        if not isinstance(expr, Call):
            continue
        if expr.name in ("file", "templatefile") and expr.args:
            arg = expr.args[0]
            parts = arg.parts if isinstance(arg, Template) else (
                (arg.value,) if isinstance(arg, Literal) else ())
            # "${path.module}/x.json" and "x.json" both name a file beside the module.
            tail = "".join(p for p in parts if isinstance(p, str)).lstrip("/")
            if tail:
                return posixpath.normpath(posixpath.join(posixpath.dirname(res.path), tail))
        pending.extend(expr.args)
    return None
