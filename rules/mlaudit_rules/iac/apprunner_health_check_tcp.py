"""App Runner service health check only opens a TCP connection

## What it flags
An `aws_apprunner_service` whose `health_check_configuration` uses `protocol = "TCP"`,
or leaves it out (TCP is App Runner's default, also without the block), while the Python
app in the repository serves an HTTP health route (`/healthz`, `/ready`, …). The finding
sits on the `protocol` line, the block, or the resource.

When the service's image is built in the repository (its ECR repository is the one a
Dockerfile is built and pushed as), the route is the one that image's app serves; else
any health route of the repository's Python apps.

Not flagged: `protocol = "HTTP"` with a path; an image built here whose app serves no
health route; repositories with no Python app that serves a health route (cannot tell
what an HTTP check should probe); values that cannot be resolved statically.

## Why it matters
A TCP check passes as soon as the server binds its port. A model server that binds
before its weights are loaded, or whose workers have hung, still accepts connections, so
App Runner routes traffic to it and counts a failed deployment as healthy.

## How to fix
Use an HTTP health check on the app's readiness route.

## Example
```hcl
resource "aws_apprunner_service" "api" {
  service_name = "sentiment-api"
  source_configuration {
    image_repository {
      image_identifier      = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.4.2"
      image_repository_type = "ECR"
    }
  }
}
```

```hcl
resource "aws_apprunner_service" "api" {
  service_name = "sentiment-api"
  source_configuration {
    image_repository {
      image_identifier      = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.4.2"
      image_repository_type = "ECR"
    }
  }
  health_check_configuration {
    protocol = "HTTP"
    path     = "/healthz"
  }
}
```

## References
- https://docs.aws.amazon.com/apprunner/latest/api/API_HealthCheckConfiguration.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.terraform import Resource, TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.iac._terraform import once

RULE = Rule(
    id="MLA312",
    name="apprunner-health-check-tcp",
    title="App Runner service health check only opens a TCP connection",
    severity=Severity.LOW,
    category=Category.HEALTH,
    target=TerraformModule,
    kind=Kind.RELIABILITY,
    tags=("terraform", "aws", "apprunner"),
    docs=__doc__ or "",
)


@RULE.check
def check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(module, ctx))


def _check(module: TerraformModule, ctx: RuleContext) -> Iterator[Finding]:
    services = list(module.resources_of("aws_apprunner_service"))
    if not services or ctx.deployment is None:
        return
    from mlaudit.models.python_source import PythonModule  # a Terraform-only scan: never

    routes = [(r.path, r.span) for m in ctx.deployment.models(PythonModule)
              for r in m.health_routes() if r.path is not None and r.path_complete and
              set(r.methods) & {"GET", "HEAD", "*"}]
    for service in services:
        own = _own_routes(ctx, service)
        found = own if own is not None else routes
        if not found or service.block_unknown("health_check_configuration"):
            continue  # no HTTP health route to point at: cannot tell
        route_path, route_span = found[0]
        blocks = service.blocks("health_check_configuration")
        protocol = blocks[0].get("protocol", "TCP") if blocks else "TCP"
        if not isinstance(protocol, str) or protocol.upper() != "TCP":
            continue
        at = blocks[0].span_of("protocol") if blocks else service.span
        yield ctx.finding(
            f"App Runner service {service.config_address} health-checks over TCP while the "
            f"app serves {route_path}", at,
            related=[(route_span, f"HTTP health route {route_path}")],
            key=service.config_address)


def _own_routes(ctx: RuleContext, service: Resource) -> list[tuple[str, Span]] | None:
    """The health routes of the app in the service's own image, when the repository builds
    it (the ECR repository it pulls is one a Dockerfile is built as); None: not known."""
    from mlaudit.models.paas import PaasService
    from mlaudit.models.python_source import is_health_path

    deployment = ctx.deployment
    for svc in getattr(deployment, "extra_subjects", ()):
        if not isinstance(svc, PaasService) or svc.platform != "apprunner" or \
                svc.span != service.span or svc.dockerfile is None:
            continue
        image = deployment.image_for_dockerfile(svc.dockerfile)
        if image is None or not image.app_files:
            return None
        return [(r.path, r.span) for r in image.routes
                if is_health_path(r.path) and r.method in ("GET", "HEAD", "*")]
    return None
