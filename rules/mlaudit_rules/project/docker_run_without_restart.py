"""Model server started with `docker run` on a host without a restart policy

## What it flags
A detached `docker run -d` (or `--detach`) of an application container written where it
runs on a host: EC2 `user_data` heredocs and templates (`.sh`, `.tpl`, `.tftpl`),
deploy scripts (`*.sh`), cloud-init YAML, Terraform `remote-exec` provisioners, and
commands a workflow runs on a server over SSH (`ssh host "docker run …"`, the `script:`
of an SSH action). It fires when the command has no `--restart` policy, and the
container is a server: it publishes a port (`-p`) or its image names a model server.
The finding sits on the line where `docker run` starts.

Not flagged: `--restart always` / `unless-stopped` / `on-failure`; `--rm` containers
(one-off jobs; Docker refuses `--rm` with a restart policy); reverse proxies and
databases (their own findings); containers that publish nothing and name no model; any
`docker run` in a Dockerfile, in documentation, or in a CI step that runs on the CI
runner itself (a throwaway test container).

## Why it matters
Without a restart policy Docker leaves a container stopped after it crashes (a CUDA
out-of-memory, an unhandled exception while loading the model) and after the host
reboots (a kernel update, an instance retirement or a spot interruption): the model
server stays down until someone logs in.

## How to fix
Add `--restart unless-stopped` (or `always`), or run the container from a systemd unit
or a compose file with `restart: unless-stopped`; better, let an orchestrator (ECS,
Kubernetes) keep it running.

## Example
```bash
docker run -d -p 8000:8000 ghcr.io/acme/model-api:1.4.2
```

```bash
docker run -d --restart unless-stopped -p 8000:8000 ghcr.io/acme/model-api:1.4.2
```

## References
- https://docs.docker.com/engine/containers/start-containers-automatically/
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.command import segments, split_shell
from mlaudit.models.image import parse_image
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.sources import FileKind, SourceFile
from mlaudit.span import Span

RULE = Rule(
    id="MLA711",
    name="docker-run-without-restart",
    title="Model server started with `docker run` on a host without a restart policy",
    severity=Severity.MEDIUM,
    category=Category.HEALTH,
    target=SourceFile,
    kind=Kind.RELIABILITY,
    tags=("docker", "ec2", "user-data", "single-host"),
    docs=__doc__ or "",
)

_HOST_SUFFIXES = (".sh", ".bash", ".tpl", ".tftpl", ".tf", ".yaml", ".yml", ".cfg", ".j2")
# Options of `docker run` that take a value (the image is the first other word).
_VALUED = {"-e", "--env", "-v", "--volume", "--name", "-w", "--workdir", "--env-file",
           "--network", "--net", "--restart", "-u", "--user", "--gpus", "--memory", "-m",
           "--cpus", "--log-driver", "--log-opt", "--entrypoint", "-l", "--label", "--mount",
           "--add-host", "--shm-size", "--ulimit", "--platform", "--runtime", "-p",
           "--publish", "--hostname", "-h", "--device", "--ipc", "--pid", "--cap-add",
           "--health-cmd", "--health-interval", "--cpuset-cpus", "--memory-swap",
           "--security-opt", "--tmpfs", "--dns", "--expose", "--pull", "--init-path"}
_INFRA = ("nginx", "traefik", "caddy", "haproxy", "envoy", "openresty", "postgres", "mysql",
          "mariadb", "redis", "mongo", "memcached", "rabbitmq", "prometheus", "grafana",
          "node-exporter", "cadvisor", "watchtower", "portainer", "certbot", "localstack",
          "minio", "registry", "amazon/aws-cli", "hello-world", "busybox", "alpine",
          "elasticsearch", "opensearch", "kafka", "zookeeper", "mosquitto", "vault", "consul",
          "jaeger", "otel-collector", "fluentd", "fluent-bit", "datadog-agent", "agent",
          "cloudwatch-agent")
_MODEL_WORDS_RE = re.compile(
    r"(?i)model|predict|infer|serv(?:e|er|ing)|api|ml|llm|triton|torchserve|vllm|tgi"
    r"|text-generation|bentoml|mlflow|sagemaker|classif|embed|detect|sentiment|nlp|vision"
    r"|ocr|speech|whisper|diffus|recommend|forecast|scor(?:e|ing)|app")
_DOCKER_RUN_RE = re.compile(r"\bdocker\s+(?:container\s+)?run\b")


def _logical_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(first line number, text) with `\\` continuations joined."""
    start, pending = 0, ""
    for number, raw in enumerate(lines, 1):
        if not pending:
            start = number
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        yield start, pending + raw
        pending = ""
    if pending:
        yield start, pending


def _runs(text: str) -> Iterator[list[str]]:
    """Every `docker run` argv on a line, also inside quoted `ssh … "…"` commands."""
    for match in _DOCKER_RUN_RE.finditer(text):
        tail = text[match.start():]
        # Inside quotes (an ssh command, a YAML string): stop at the closing quote.
        before = text[:match.start()]
        for quote in ('"', "'"):
            if before.count(quote) % 2 == 1 and quote in tail:
                tail = tail[:tail.index(quote)]
        words = segments(split_shell(tail))
        if words:
            yield words[0]


def _image(args: list[str]) -> str | None:
    i = 0
    while i < len(args):
        word = args[i]
        if word in _VALUED:
            i += 2
        elif word.startswith("-"):
            i += 1
        else:
            return word
    return None


def _server(args: list[str], image: str) -> bool:
    publishes = any(a in ("-p", "--publish") or (a.startswith(("--publish=", "-p"))
                    and not a.startswith("--pid")) for a in args) or "--network=host" in args \
        or ("--network" in args and "host" in args) or ("--net" in args and "host" in args)
    ref = parse_image(image)
    repository = ref.repository.removeprefix("library/")
    if any(repository == name or repository.endswith("/" + name)
           or ref.family.startswith(name + "-") for name in _INFRA):
        return False
    return publishes or bool(_MODEL_WORDS_RE.search(image))


@RULE.check
def check(source: SourceFile, ctx: RuleContext) -> Iterator[Finding]:
    if source.kind not in (FileKind.TERRAFORM, FileKind.TEXT, FileKind.YAML, FileKind.WORKFLOW):
        return
    if not source.path.endswith(_HOST_SUFFIXES) or "docker" not in source.text:
        return
    lines = source.lines
    workflow_ssh = _ssh_script_lines(lines) if source.kind is FileKind.WORKFLOW else set()
    for number, text in _logical_lines(lines):
        if text.lstrip().startswith(("#", "//")) or not _DOCKER_RUN_RE.search(text):
            continue
        if source.kind is FileKind.WORKFLOW and "ssh" not in text and number not in workflow_ssh:
            continue  # runs on the CI runner: a throwaway container
        for argv in _runs(text):
            args = [a for a in argv[2:] if a != "run"] if argv[:2] == ["docker", "container"] \
                else argv[2:]
            if not any(a in ("-d", "--detach") or (a.startswith("-") and not a.startswith("--")
                                                    and "d" in a[1:] and len(a) <= 4)
                       for a in args):
                continue
            if any(a == "--rm" or a.startswith("--restart") for a in args):
                continue
            image = _image(args)
            if image is None or not _server(args, image):
                continue
            column = lines[number - 1].find("docker") + 1
            yield ctx.finding(
                f"`docker run -d` starts {image} on the host without `--restart`: after a "
                "crash or a reboot the model server stays down", Span(source.path, number,
                                                                      max(column, 1)),
                key=f"{image}")


_SSH_ACTIONS_RE = re.compile(r"uses:\s*(?:appleboy/ssh-action|garygrossgarten/github-action-ssh"
                             r"|fifsky/ssh-action|cross-the-world/ssh-scp-ssh-pipelines)")


def _ssh_script_lines(lines: list[str]) -> set[int]:
    """Line numbers of the `script:` bodies of SSH actions (commands run on the server)."""
    out: set[int] = set()
    in_ssh_step, script_indent = False, -1
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        indent = len(raw) - len(raw.lstrip())
        if stripped.startswith("- "):
            in_ssh_step, script_indent = bool(_SSH_ACTIONS_RE.search(raw)), -1
        elif _SSH_ACTIONS_RE.search(raw):
            in_ssh_step = True
        if in_ssh_step and re.match(r"(?:script|command)s?:", stripped):
            script_indent = indent
            out.add(number)
            continue
        if script_indent >= 0:
            if stripped and indent <= script_indent:
                script_indent = -1
            else:
                out.add(number)
    return out
