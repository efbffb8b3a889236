"""Model served from a single EC2 instance

## What it flags
A repository whose only way to serve the model is one `aws_instance` whose `user_data`
starts a server: `docker run` publishing a port, `docker compose up`, `uvicorn` /
`gunicorn` and the other app servers, or `systemctl start <app>`. The finding sits on the
instance, with the `user_data` line as evidence.

Not flagged: repositories that also declare an Auto Scaling group, ECS service, App
Runner service, EKS node group, SageMaker endpoint, Beanstalk environment or any
function; instances with `count`/`for_each` above one; instances whose `user_data` runs
no server (bastions, batch jobs) or starts only system units (docker, the SSM agent);
every instance, when one has `user_data` or a count that cannot be resolved, or takes
its boot script from a launch template.

## Why it matters
One instance is one failure domain: a hardware retirement, an Availability Zone outage,
a full disk or a kernel panic takes the model offline until someone rebuilds it by hand,
and every deploy restarts the only server.

## How to fix
Run the same launch template in an Auto Scaling group (at least two instances behind a
load balancer), or move the container to ECS or App Runner.

## Example
```hcl
resource "aws_instance" "model" {
  ami           = "ami-0a1b2c3d4e5f67890"
  instance_type = "g5.xlarge"
  user_data     = "docker run -d -p 8000:8000 ghcr.io/acme/model:1.4"
}
```

```hcl
resource "aws_autoscaling_group" "model" {
  min_size = 2
  max_size = 6
  launch_template {
    id = aws_launch_template.model.id
  }
}
```
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.command import analyse_argv, segments, split_shell
from mlaudit.models.deployment import Deployment, Service
from mlaudit.models.terraform import Resource, TerraformModule, TerraformProject
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity

RULE = Rule(
    id="MLA708", name="single-server", title="Model served from a single EC2 instance",
    severity=Severity.MEDIUM, category=Category.SCALING, target=Deployment,
    requires=(TerraformModule,),
    kind=Kind.RELIABILITY, confidence=Confidence.MEDIUM, tags=("terraform", "ec2"),
    docs=__doc__ or "",
)

_ELSEWHERE = ("aws_autoscaling_group", "aws_ecs_service", "aws_apprunner_service",
              "aws_lambda_function", "aws_eks_node_group", "aws_sagemaker_endpoint",
              "aws_elastic_beanstalk_environment")
_COMPOSE_UP = re.compile(r"\bdocker(?:-compose|\s+compose)\b[^\n;&|]*\sup\b")
_SYSTEMCTL = re.compile(r"\bsystemctl\s+(?:start|restart|enable\s+--now)\s+([\w@.-]+)")
_SYSTEM_UNITS = re.compile(
    r"^(docker|containerd|ecs|amazon-ssm-agent|amazon-cloudwatch-agent|ssm-agent|sshd?|"
    r"chronyd|crond?|nvidia-\S+|fail2ban|firewalld|ufw|td-agent|fluent-bit|node_exporter|"
    r"datadog-agent|tailscaled|snapd|awslogsd|cloud-\S+)(\.service|\.socket)?$")


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    tf = deployment.terraform
    if not isinstance(tf, TerraformProject) or deployment.functions() or any(
            r.type in _ELSEWHERE for r in tf.resources("aws_")):
        return
    instances = [r for r in tf.resources("aws_instance") if r.type == "aws_instance"]
    servers: list[tuple[Resource, str]] = []
    for res in instances:
        script = _script(res)
        if script is None or res.count_unknown or res.blocks("launch_template"):
            return  # this instance may run the server too: cannot tell how many do
        what = _server(deployment, res, script)
        if what:
            servers.append((res, what))
    if len(servers) != 1:
        return
    res, what = servers[0]
    yield ctx.finding(
        f"aws_instance {res.config_address} is the only server of the model ({what}): no "
        "Auto Scaling group, container service or second instance takes over when it fails",
        res.span, related=[(res.span_of("user_data"), f"user_data {what}")],
        key=res.config_address)


def _script(res: Resource) -> str | None:
    """The boot script as text; "" when there is none, None when it cannot be known."""
    encoded = res.get("user_data_base64")
    if encoded is not None:
        try:
            return base64.b64decode(encoded, validate=True).decode("utf-8", "replace") \
                if isinstance(encoded, str) else None
        except (binascii.Error, ValueError):
            return None
    script = res.get("user_data", "")
    return script if isinstance(script, str) else None


def _server(deployment: Deployment, res: Resource, script: str) -> str:
    """What the script starts that serves requests, or "" when it starts no server."""
    for node in deployment.resources("instance"):
        if node.name != res.address or node.span != res.span:
            continue
        for edge in deployment.edges_from(node.id, "runs"):
            svc: Any = deployment.node(edge.target)
            if isinstance(svc, Service) and (svc.image is None or svc.published
                                             or deployment.ports_of(svc)):
                kind = {"compose": "compose service "}.get(svc.platform, "")
                return f"runs {kind}{svc.name}" if svc.image is None or svc.platform != "ec2" \
                    else f"runs container {svc.name}"
    for line in script.splitlines():
        for argv in segments(split_shell(line)):
            # Wrappers the command model does not strip (`nohup uvicorn ... &`).
            while argv[:1] and argv[0] in ("nohup", "setsid", "exec", "sudo"):
                argv = argv[1:]
            launch = analyse_argv(argv)
            if launch is not None and not launch.is_script:
                return f"runs {launch.server}"
    if _COMPOSE_UP.search(script):
        return "runs docker compose up"
    for unit in _SYSTEMCTL.findall(script):
        if not _SYSTEM_UNITS.match(unit):
            return f"starts systemd unit {unit}"
    return ""
