"""Instance user_data publishes an app port its security group opens to the world

## What it flags
An `aws_instance` or `aws_launch_template` whose `user_data` (a literal, a heredoc, or
`file()` / `templatefile()` that mlaudit can resolve) runs `docker run -p 8000:8000` (also
`-p 0.0.0.0:…`, `--publish`, `--publish=`) of an application port, or `docker compose up`
with the repository's compose file publishing an app port on all interfaces, while one of
the instance's security groups (`vpc_security_group_ids`, `security_groups`,
`network_interfaces`) admits `0.0.0.0/0` or `::/0` on that host port. The finding sits on
the script line inside a heredoc, else on `user_data`; related: the ingress rule (and the
compose port entry).

Not flagged: `-p 127.0.0.1:8000:8000`; ports that are not application ports, or reverse
proxy images (nginx, traefik, caddy, ...); security groups open on other ports only (443);
security groups that cannot be resolved, `base64encode(...)` scripts mlaudit cannot read,
several compose files `docker compose up` could mean (cannot tell).

## Why it matters
Docker publishes on every interface of the instance and bypasses the host firewall; with
the security group open, the model server answers the whole internet directly, over plain
HTTP and without the proxy or load balancer that was meant to sit in front of it.

## How to fix
Publish on loopback (`-p 127.0.0.1:8000:8000`) behind a local proxy, or keep the port
published but allow it only from the load balancer's security group.

## Example
```hcl
resource "aws_instance" "gpu" {
  vpc_security_group_ids = [aws_security_group.gpu.id] # allows 0.0.0.0/0 on 8000
  user_data              = <<-EOF
    #!/bin/bash
    docker run -d -p 8000:8000 registry.example.com/ml/api:1.4.0
  EOF
}
```

```hcl
resource "aws_instance" "gpu" {
  vpc_security_group_ids = [aws_security_group.gpu.id] # 8000 only from the ALB's group
  user_data              = <<-EOF
    #!/bin/bash
    docker run -d -p 127.0.0.1:8000:8000 registry.example.com/ml/api:1.4.0
  EOF
}
```

## References
- https://docs.docker.com/engine/network/packet-filtering-firewalls/
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.command import segments, split_shell
from mlaudit.models.compose import ComposeFile
from mlaudit.models.deployment import Deployment
from mlaudit.models.terraform import Resource, TerraformModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.iac._ingress import Ingress, once, public_ingress
from mlaudit_rules.project._ingress import (
    Published,
    app_listeners,
    docker_publishes,
    instance_groups,
    is_proxy_image,
    listeners_for_root,
    script_lines,
)

RULE = Rule(
    id="MLA707",
    name="user-data-docker-port-public",
    title="Instance user_data publishes an app port its security group opens to the world",
    severity=Severity.HIGH,
    category=Category.EXPOSURE,
    target=Deployment,
    requires=(TerraformModule,),
    kind=Kind.SECURITY,
    tags=("terraform", "aws", "ec2", "docker", "security-group"),
    docs=__doc__ or "",
)

_ALL = (None, "", "0.0.0.0", "::", "[::]")


def _compose_up(deployment: Deployment, words: list[str]) -> list[Published]:
    files = sorted(deployment.models(ComposeFile), key=lambda c: c.path)
    named = [words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-f", "--file")]
    files = [c for c in files if not named or any(c.path.endswith(n.lstrip("./"))
                                                  for n in named)]
    if len(files) != 1:  # which compose file runs on the instance cannot be told
        return []
    return [(m.host_ip, m.published[0], t, m.span) for s in files[0].services
            if s.network_mode != "host" and not is_proxy_image(s.image) for m in s.ports
            if m.published and m.published[0] == m.published[1] and m.protocol == "tcp"
            for t in m.target_ports[:1]]


def _line(ctx: RuleContext, res: Resource, first: str) -> Span:
    """The script line itself when the heredoc is written in the resource, else user_data."""
    at = res.span_of("user_data")
    lines = ctx.line_lookup(at.path) if ctx.line_lookup else []
    for number in range(at.line + 1, min(len(lines), max(res.body.end_line, at.line)) + 1):
        text = lines[number - 1]
        if text.strip() == first.strip():
            return Span(at.path, number, len(text) - len(text.lstrip()) + 1)
    return at


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    return once(_check(deployment, ctx))


def _check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    configured = {int(p) for p in ctx.options.get("app_ports", (8000,))}
    every_listener = app_listeners(deployment)
    for module in getattr(deployment.terraform, "modules", ()):
        listeners = listeners_for_root(deployment, every_listener, module.root)
        ports = configured | {x.port for x in listeners}
        public = list(public_ingress(module))
        for res in module.resources_of("aws_instance", "aws_launch_template"):
            script = res.get("user_data")
            groups = instance_groups(module, res)
            rules = [r for r in public if r.group in groups]
            if not isinstance(script, str) or not rules:
                continue
            for first, line in script_lines(script):
                for argv in segments(split_shell(line)):
                    words = [w for w in argv if w != "sudo"]
                    if words[:2] == ["docker", "run"]:
                        published = docker_publishes(words[2:])
                    elif (words[:2] == ["docker", "compose"] or words[:1] == ["docker-compose"]) \
                            and "up" in words:
                        published = _compose_up(deployment, words)
                    else:
                        continue
                    yield from _findings(ctx, res, _line(ctx, res, first), published, ports,
                                         rules)


def _findings(ctx: RuleContext, res: Resource, at: Span, published: list[Published],
              ports: set[int], rules: list[Ingress]) -> Iterator[Finding]:
    for ip, host, target, compose in published:
        if ip not in _ALL or host is None or target not in ports:
            continue
        for rule in (r for r in rules if r.covers(host)):
            related = [(rule.span, f"{rule.owner} allows {rule.source} on {rule.ports}")]
            via = "docker run"
            if compose is not None:
                via = "docker compose"
                related.append((compose, f"the compose file publishes {host}->{target} on all "
                                         "interfaces"))
            yield ctx.finding(f"{res.config_address} user_data publishes app port {target} on "
                              f"all interfaces as host port {host} ({via}) and {rule.owner} "
                              f"allows {rule.source} on it", at, related=related,
                              key=f"{res.config_address}:{host}")
