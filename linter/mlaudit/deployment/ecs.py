"""ECS container definitions (task definition files or Terraform) -> Service nodes."""

from __future__ import annotations

from mlaudit.deployment._builder import Builder, node_id
from mlaudit.deployment.docker import probe_command, probe_target
from mlaudit.models.deployment import HealthCheck, ListenPort, PublishedPort, Service
from mlaudit.models.ecs import ContainerDefinition, TaskDefinition


def container_service(builder: Builder, container: ContainerDefinition, owner: str,
                      end_line: int = 0, platform: str = "ecs") -> Service:
    """One container as a Service; `owner` is the task definition's address or path."""
    service_id = node_id("service", platform, owner, container.name)
    ports: list[ListenPort] = []
    if container.server is not None:
        at = container.command_span or container.entry_point_span or container.span
        ports.append(ListenPort(container.server.effective_port, "task-definition", at,
                                container.server.host))
    published: list[PublishedPort] = []
    for mapping in container.port_mappings:
        if not any(p.port == mapping.container_port for p in ports):
            ports.append(ListenPort(mapping.container_port, "task-definition", mapping.span))
        if mapping.host_port is not None:
            published.append(PublishedPort(mapping.host_port, mapping.container_port, None,
                                           mapping.span))
    checks: list[HealthCheck] = []
    if container.health_check is not None:
        port, path = probe_target(" ".join(container.health_check.command))
        checks.append(HealthCheck(node_id("healthcheck", service_id), "ecs",
                                  container.health_check.span, path, port,
                                  container.health_check.command[:1] == ("NONE",),
                                  command=probe_command(container.health_check.command)))
    service = Service(service_id, platform, container.name, container.span, container.image,
                      container.image_span, None, tuple(ports), tuple(published), tuple(checks))
    service = builder.add(service, end_line)
    builder.image_ref(container.image, container.image_span, "ecs-image", service_id)
    if container.image is not None:
        builder.wanted_images.append((service_id, container.image.raw, container.image_span))
    for check in checks:
        builder.add(check)
        builder.link(check.id, service_id, "checks", check.span)
    return service


def build_task_definition_files(builder: Builder) -> None:
    for taskdef in sorted(builder.project.of_type(TaskDefinition), key=lambda t: t.path):
        for container in taskdef.containers:
            container_service(builder, container, taskdef.path, platform="task-definition")
