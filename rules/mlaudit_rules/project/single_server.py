"""Model served from a single EC2 instance

## What it flags
A repository whose only way to serve the model is one `aws_instance` (or
`aws_lightsail_instance`) whose `user_data` starts a server: `docker run` publishing a
port, `docker compose up`, `uvicorn` / `gunicorn` and the other app servers, or
`systemctl start <app>`. The finding sits on the instance, with the `user_data` line as
evidence.

The server may also be started from outside the instance: a deploy script (`*.sh`) or a
workflow that copies a compose file over SSH and runs `docker compose up` there, runs
`docker run` through `aws ssm send-command`, or restarts a systemd unit over SSH
(`ssh`, an SSH action's `script:`). When no instance's `user_data` starts a server and
exactly one instance is not a bastion, NAT or VPN host, that instance is the one the
script deploys to. An Elastic IP or Route 53 record pointing at the instance is listed as
evidence: it pins the service's address to that one machine.

Without an instance in Terraform, one host created by a script or workflow (`aws
lightsail create-instances` with one name, `aws ec2 run-instances` without a count above
one) that a script or workflow starts the server on is the same fact, reported at the
command that creates it.

Not flagged: repositories that also declare an Auto Scaling group, ECS service, App
Runner service, EKS node group, SageMaker endpoint, Beanstalk environment or any
function; instances with `count`/`for_each` above one; instances whose `user_data` runs
no server (bastions, batch jobs) or starts only system units (docker, the SSM agent);
every instance, when one has `user_data` or a count that cannot be resolved, or takes
its boot script from a launch template; deploy scripts that start the server locally
(`docker compose up` in a test step) or reach no instance declared in the repository
(only bastions, or two application instances).

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
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from mlaudit.finding import Finding
from mlaudit.models.command import analyse_argv, segments, split_shell
from mlaudit.models.deployment import Deployment, Service
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit.sources import FileKind
from mlaudit.span import Span
from mlaudit_rules.helpers import model_loaded

if TYPE_CHECKING:  # imported when present: a compose or workflow scan has no Terraform
    from mlaudit.models.terraform import Resource, TerraformProject
    from mlaudit.models.workflow import Workflow

RULE = Rule(
    id="MLA708", name="single-server", title="Model served from a single EC2 instance",
    severity=Severity.MEDIUM, category=Category.SCALING, target=Deployment,
    requires=("mlaudit.models.terraform.TerraformModule", "mlaudit.models.workflow.Workflow",
              "mlaudit.models.compose.ComposeFile"),
    kind=Kind.RELIABILITY, confidence=Confidence.MEDIUM, tags=("terraform", "ec2"),
    docs=__doc__ or "",
)

_ELSEWHERE = ("aws_autoscaling_group", "aws_ecs_service", "aws_apprunner_service",
              "aws_lambda_function", "aws_eks_node_group", "aws_sagemaker_endpoint",
              "aws_elastic_beanstalk_environment", "aws_lightsail_container_service")
_INSTANCES = ("aws_instance", "aws_lightsail_instance")
# Hosts that are not where the model runs.
_NOT_APP_HOST = re.compile(r"bastion|jump|nat|_nat|nat_|vpn|runner|build|ci|openvpn|proxy_?host",
                           re.IGNORECASE)
# Reaching a host from outside: ssh (also inside an SSH action's script), SSM commands.
_REMOTE = re.compile(r"(?:^|[\s;&|(`'\"])(?:ssh|sshpass\s+.*\bssh)\s+\S"
                     r"|\baws\s+ssm\s+send-command\b")
_DOCKER_RUN = re.compile(r"\bdocker\s+(?:container\s+)?run\b[^\n;&|]*?\s(?:-p|--publish)[\s=]?\d"
                         r"|\bdocker\s+(?:container\s+)?run\b[^\n;&|]*?\s--net(?:work)?[\s=]host\b")
_SSH_ACTIONS = ("ssh", "scp")
_COMPOSE_UP = re.compile(r"\bdocker(?:-compose|\s+compose)\b[^\n;&|]*\sup\b")
_SYSTEMCTL = re.compile(r"\bsystemctl\s+(?:start|restart|enable\s+--now)\s+([\w@.-]+)")
_SYSTEM_UNITS = re.compile(
    r"^(docker|containerd|ecs|amazon-ssm-agent|amazon-cloudwatch-agent|ssm-agent|sshd?|"
    r"chronyd|crond?|nvidia-\S+|fail2ban|firewalld|ufw|td-agent|fluent-bit|node_exporter|"
    r"datadog-agent|tailscaled|snapd|awslogsd|cloud-\S+)(\.service|\.socket)?$")


def _terraform(deployment: Deployment) -> TerraformProject | None:
    """The Terraform project; a scan that read no Terraform (a compose file, a workflow)
    never imports its model."""
    if deployment.terraform is None or not model_loaded("mlaudit.models.terraform"):
        return None
    from mlaudit.models.terraform import TerraformProject

    return deployment.terraform if isinstance(deployment.terraform, TerraformProject) else None


def _workflows(deployment: Deployment) -> Iterator[Workflow]:
    if model_loaded("mlaudit.models.workflow"):  # else no workflow was parsed
        from mlaudit.models.workflow import Workflow

        yield from deployment.project.of_type(Workflow)


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    tf = _terraform(deployment)
    if deployment.functions() or (tf is not None and any(
            r.type in _ELSEWHERE for r in tf.resources("aws_"))):
        return
    if tf is None or not any(
            r.type in _INSTANCES for r in tf.resources("aws_")):
        yield from _scripted_host(deployment, ctx)
        return
    instances = [r for r in tf.resources("aws_") if r.type in _INSTANCES]
    servers: list[tuple[Resource, str]] = []
    for res in instances:
        script = _script(res)
        if script is None or res.count_unknown or res.blocks("launch_template"):
            return  # this instance may run the server too: cannot tell how many do
        what = _server(deployment, res, script)
        if what:
            servers.append((res, what))
    related: list[tuple[Span, str]]
    if not servers:
        # Started from outside: a deploy script or workflow over SSH or SSM.
        launch = deployment.memo(("MLA708", "remote"), lambda: _remote_launch(deployment))
        hosts = [r for r in instances if not _NOT_APP_HOST.search(_label(r))]
        if launch is None or len(hosts) != 1:
            return
        res, (span, what) = hosts[0], launch
        related = [(span, f"{span.path} {what} on the instance")]
    elif len(servers) == 1:
        res, what = servers[0]
        related = [(res.span_of("user_data"), f"user_data {what}")]
    else:
        return
    related += _addresses(tf, res)
    yield ctx.finding(
        f"{res.type} {res.config_address} is the only server of the model ({what}): no "
        "Auto Scaling group, container service or second instance takes over when it fails",
        res.span, related=related, key=res.config_address)


_CREATE_HOST = re.compile(
    r"\baws\s+(?:lightsail\s+create-instances|ec2\s+run-instances)\b(?:[^\n]*\\\n)*[^\n]*")
_MANY = re.compile(r"--(?:count|min-count|max-count)[\s=]+(?:[2-9]|\d\d)|"
                   r"--instance-names[\s=]+\S+[ \t]+[^-\s\\]")


def _scripted_host(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    """No instance in Terraform: one host created by a script (`aws lightsail
    create-instances`, `aws ec2 run-instances`) that a script or workflow starts the server
    on over SSH or SSM."""
    creates: list[tuple[Span, str]] = []
    for _path, text, line_of in _scripts(deployment):
        for match in _CREATE_HOST.finditer(text):
            if _MANY.search(match.group(0)):
                return  # several hosts: not a single server
            creates.append((line_of(match.group(0).splitlines()[0]), match.group(0)))
    if len(creates) != 1:
        return
    launch = deployment.memo(("MLA708", "remote"), lambda: _remote_launch(deployment))
    if launch is None:
        return
    (span, command), (at, what) = creates[0], launch
    kind = "Lightsail instance" if "lightsail" in command else "EC2 instance"
    yield ctx.finding(
        f"one {kind} created by {span.path} is the only server of the model ({what}): no "
        "Auto Scaling group, container service or second instance takes over when it fails",
        span, related=[(at, f"{at.path} {what} on the instance")], key=f"{span.path}:host")


def _scripts(deployment: Deployment) -> Iterator[tuple[str, str, Callable[[str], Span]]]:
    """(path, text, line finder) of every workflow run step and shell script."""
    for workflow in _workflows(deployment):
        for job in workflow.jobs:
            for step in job.steps:
                if step.run is not None:
                    yield workflow.path, step.run.text, _run_lines(workflow.path, step.run)
    for source in deployment.project.files:
        if source.kind is FileKind.TEXT and source.path.endswith(".sh"):
            try:
                text = source.text
            except OSError:
                continue
            yield source.path, text, _text_lines(source.path, text.splitlines())


def _run_lines(path: str, run: Any) -> Callable[[str], Span]:
    def find(needle: str) -> Span:
        return Span(path, run.line_of(needle))
    return find


def _text_lines(path: str, lines: list[str]) -> Callable[[str], Span]:
    def find(needle: str) -> Span:
        return Span(path, next((n for n, t in enumerate(lines, 1) if needle in t), 1))
    return find


def _label(res: Resource) -> str:
    tags = res.get("tags")
    name = tags.get("Name") if isinstance(tags, dict) else None
    return f"{res.name} {name if isinstance(name, str) else ''}"


def _refs(value: Any) -> Iterator[str]:
    from mlaudit.models.terraform import Unknown  # only Terraform values come here

    if isinstance(value, Unknown):
        if value.ref:
            yield value.ref
        if value.partial is not None:
            yield from _refs(value.partial)
    elif isinstance(value, str):
        yield from re.findall(r"\b(?:aws_\w+)\.\w+", value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _refs(item)


def _points_at(res: Resource, names: set[str]) -> bool:
    return any(ref.startswith(name) for ref in _refs(res.attributes) for name in names)


def _addresses(tf: TerraformProject, res: Resource) -> list[tuple[Span, str]]:
    """Elastic IPs and DNS records that pin the service's address to this instance."""
    target = {f"{res.type}.{res.name}"}
    out: list[tuple[Span, str]] = []
    for eip in tf.resources("aws_eip"):
        if eip.type in ("aws_eip", "aws_eip_association", "aws_lightsail_static_ip_attachment") \
                and eip.module_address == res.module_address and _points_at(eip, target):
            out.append((eip.span, f"{eip.type} {eip.config_address} is attached to it"))
            target.add(f"aws_eip.{eip.name}")
    for record in tf.resources("aws_route53_record"):
        if record.type == "aws_route53_record" and record.module_address == res.module_address \
                and _points_at(record, target):
            out.append((record.span, f"DNS record {record.config_address} points at it"))
    return out


def _remote_launch(deployment: Deployment) -> tuple[Span, str] | None:
    """The first script or workflow step that starts the server on a host over SSH/SSM."""
    for workflow in _workflows(deployment):
        for job in workflow.jobs:
            for step in job.steps:
                if step.run is not None and _REMOTE.search(step.run.text):
                    what = _remote_server(step.run.text)
                    if what:
                        return Span(workflow.path, step.run.line_of(what[1])), what[0]
                action = step.uses.raw.lower() if step.uses is not None else ""
                script = step.input("script")
                if script is not None and any(w in action for w in _SSH_ACTIONS):
                    what = _remote_server(script.value)
                    if what:
                        return script.span, what[0]
    for source in deployment.project.files:
        if source.kind is not FileKind.TEXT or not source.path.endswith(".sh"):
            continue
        try:
            text = source.text
        except OSError:
            continue
        if not _REMOTE.search(text):
            continue
        what = _remote_server(text)
        if what:
            line = next((n for n, t in enumerate(text.splitlines(), 1) if what[1] in t), 1)
            return Span(source.path, line), what[0]
    return None


def _remote_server(script: str) -> tuple[str, str] | None:
    """(what, the text that shows it) for a server start in a script run over SSH/SSM."""
    for pattern, what in ((_COMPOSE_UP, "runs docker compose up"),
                          (_DOCKER_RUN, "runs docker run")):
        match = pattern.search(script)
        if match:
            return what, match.group(0).strip()[:30]
    match = _SYSTEMCTL.search(script)
    if match and not _SYSTEM_UNITS.match(match.group(1)):
        return f"restarts systemd unit {match.group(1)}", match.group(0)
    return None


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
