"""EC2 user_data scripts -> the containers and servers an instance starts.

Each script line is split like a shell would (`split_shell`, `segments`), never run.
`docker run ... IMAGE` becomes a Service (platform "ec2") with its `-p` ports; `docker
compose up` links the instance to the compose services of the repository's compose file
(only when exactly one compose file could be meant); an app server started directly
(`uvicorn ... --port 8000`) becomes a Service listening on its port.
"""

from __future__ import annotations

from mlaudit.compose_projects import compose_projects
from mlaudit.deployment._builder import Builder, node_id
from mlaudit.models.command import analyse_argv, segments, split_shell
from mlaudit.models.compose import ComposeFile
from mlaudit.models.deployment import ListenPort, PublishedPort, Resource, Service
from mlaudit.models.image import parse_image
from mlaudit.span import Span

# docker run options that take a value (so the image is the first other word).
_RUN_VALUE_OPTIONS = {"-p", "--publish", "-e", "--env", "-v", "--volume", "--name", "-w",
                      "--workdir", "--env-file", "--network", "--restart", "-u", "--user",
                      "--gpus", "--memory", "-m", "--cpus", "--log-driver", "--entrypoint",
                      "-l", "--label", "--mount", "--add-host", "--shm-size", "--ulimit"}


def analyse_user_data(builder: Builder, instance: Resource, script: str, span: Span) -> None:
    for line in _logical_lines(script)[:500]:
        for argv in segments(split_shell(line)):
            words = [w for w in argv if w != "sudo"]
            if words[:2] == ["docker", "run"]:
                _docker_run(builder, instance, words[2:], span)
            elif _is_compose_up(words):
                _compose_up(builder, instance, words, span)
            else:
                launch = analyse_argv(words)
                if launch is not None and not launch.is_script:
                    service = builder.add(Service(
                        node_id("service", "ec2", instance.id, launch.server), "ec2",
                        launch.server, span,
                        ports=(ListenPort(launch.effective_port, "user-data", span,
                                          launch.host),), group=instance.name))
                    builder.link(instance.id, service.id, "runs", span)


def _logical_lines(script: str) -> list[str]:
    out: list[str] = []
    pending = ""
    for raw in script.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return [line for line in out if line.strip() and not line.lstrip().startswith("#")]


def _is_compose_up(words: list[str]) -> bool:
    return (words[:2] == ["docker", "compose"] or words[:1] == ["docker-compose"]) \
        and "up" in words


def _docker_run(builder: Builder, instance: Resource, args: list[str], span: Span) -> None:
    published: list[PublishedPort] = []
    image: str | None = None
    i = 0
    while i < len(args):
        word = args[i]
        if word in ("-p", "--publish") and i + 1 < len(args):
            published.append(_publish(args[i + 1], span))
            i += 2
        elif word.startswith("--publish=") or (word.startswith("-p") and len(word) > 2):
            published.append(_publish(word.split("=", 1)[1] if "=" in word else word[2:], span))
            i += 1
        elif word in _RUN_VALUE_OPTIONS:
            i += 2
        elif word.startswith("-"):
            i += 1
        else:
            image = word
            break
    if image is None:
        return
    ref = parse_image(image)
    service = Service(node_id("service", "ec2", instance.id, ref.repository), "ec2",
                      ref.family, span, ref, span, None,
                      tuple(ListenPort(p.container_port, "user-data", span) for p in published),
                      tuple(published), (), instance.name)
    builder.add(service)
    builder.image_ref(ref, span, "user-data-image", service.id)
    builder.wanted_images.append((service.id, image, span))
    builder.link(instance.id, service.id, "runs", span)


def _publish(text: str, span: Span) -> PublishedPort:
    parts = text.split("/", 1)[0].rsplit(":", 2)
    container = int(parts[-1]) if parts[-1].isdigit() else None
    host = int(parts[-2]) if len(parts) >= 2 and parts[-2].isdigit() else None
    host_ip = parts[0] if len(parts) == 3 else None
    return PublishedPort(host, container, host_ip, span)


def _compose_up(builder: Builder, instance: Resource, words: list[str], span: Span) -> None:
    files = sorted(builder.project.of_type(ComposeFile), key=lambda c: c.path)
    named = [words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-f", "--file")]
    if named:
        files = [c for c in files if any(c.path.endswith(n.lstrip("./")) for n in named)]
    if len(files) != 1:  # several candidates: which one runs here cannot be told
        return
    groups = {p.id for p in compose_projects(builder.project) if p.files[0] == files[0].path}
    for service in builder.deployment.of_kind(Service):
        if service.platform == "compose" and service.group in groups:
            builder.link(instance.id, service.id, "runs", span)
