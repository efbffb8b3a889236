"""Terraform compute -> ECS containers and services, scaling, EC2 user_data, Lambda."""

from __future__ import annotations

from typing import Any

from mlaudit.deployment._builder import Builder, node_id
from mlaudit.deployment.ecs import container_service
from mlaudit.deployment.terraform_net import (
    TfIndex,
    addr,
    as_int,
    as_str,
    resources,
    sibling_addr,
)
from mlaudit.deployment.tf_refs import attribute_refs, container_image_refs
from mlaudit.deployment.user_data import analyse_user_data
from mlaudit.models.deployment import Function, Resource, Scaling, Service
from mlaudit.models.terraform import Resource as TfResource
from mlaudit.models.terraform import TerraformProject, Unknown


def _containers(builder: Builder, res: TfResource) -> list[Any]:
    try:
        from mlaudit.parsers.ecs_task_definition import containers_from_data
    except ImportError:  # the ECS parser is not in this build
        return []
    value = res.get("container_definitions")
    data = value.partial if isinstance(value, Unknown) else res.decoded("container_definitions")
    if data is None:
        return []
    return list(containers_from_data(data, res.path, res.span_of("container_definitions")))


def build_compute(builder: Builder, tf: TerraformProject, index: TfIndex) -> None:
    project = builder.project
    by_taskdef: dict[str, list[Service]] = {}
    for res in resources(tf, "aws_ecs_task_definition"):
        refs = container_image_refs(project, res)
        services = []
        for container in _containers(builder, res):
            with builder.in_unit(index.unit(res)):
                service = container_service(builder, container, addr(res, index),
                                            res.body.end_line)
            for ref in refs.get(container.name, ()):
                name = index.ecr_names.get(index.key(res, ref))
                if name:
                    registry = node_id("registry", sibling_addr(res, ref, index))
                    builder.link(service.id, registry, "pulls", container.span)
                    builder.wanted_images.append((service.id, name, container.image_span))
            services.append(service)
        by_taskdef[index.own(res)] = services
    ecs_names: dict[tuple[str, str], str] = {}  # (unit, service name) -> address
    for res in resources(tf, "aws_ecs_service"):
        name = as_str(res.get("name"))
        if name:
            ecs_names[(index.unit(res), name)] = res.config_address
        taskdefs = index.keys(res, attribute_refs(project, res, ("task_definition",)))
        members = [s for t in taskdefs for s in by_taskdef.get(t, [])]
        members = [builder.update(s, group=res.config_address) for s in members]
        for service in members:
            builder.alias("ecs-service", name or res.name, service.id)
        for block in res.blocks("load_balancer"):
            tgs = [index.target_groups.get(index.key(res, a))
                   for a in _block_refs(builder, res, block)]
            wanted = as_str(block.get("container_name"))
            for tg in tgs:
                for service in members:
                    if tg is not None and (wanted is None or wanted == service.name):
                        builder.link(tg, service.id, "routes", block.span)
        for sg in index.keys(res, attribute_refs(project, res, ("network_configuration",
                                                              "security_groups"))):
            index.sg_members.setdefault(sg, []).extend(s.id for s in members)
    _scaling(builder, tf, ecs_names, index)
    _instances(builder, tf, index)
    _lambdas(builder, tf, index)


def _block_refs(builder: Builder, res: TfResource, block: Any) -> list[str]:
    value = block.get("target_group_arn")
    if isinstance(value, Unknown) and value.ref:
        return [".".join(value.ref.split(".")[:2])]
    return attribute_refs(builder.project, res, ("load_balancer", "target_group_arn"))


def _scaling(builder: Builder, tf: TerraformProject, ecs_names: dict[tuple[str, str], str],
             index: TfIndex) -> None:
    project = builder.project
    units = builder.deployment.node_units
    targets: dict[str, Scaling] = {}
    for res in resources(tf, "aws_appautoscaling_target"):
        resource_id = as_str(res.get("resource_id"))
        scaling = Scaling(node_id("scaling", addr(res, index)), "appautoscaling", res.address,
                          res.span, resource_id, as_int(res.get("min_capacity")),
                          as_int(res.get("max_capacity")))
        unit = index.unit(res)
        targets[index.own(res)] = builder.add(scaling, res.body.end_line, unit=unit)
        prefix = f"{res.module_address}." if res.module_address else ""
        services = [prefix + a for a in attribute_refs(project, res, ("resource_id",))
                    if a.startswith("aws_ecs_service.")]
        if resource_id and resource_id.startswith("service/"):
            known = ecs_names.get((unit, resource_id.rsplit("/", 1)[-1]))
            services += [known] if known else []
        for service in builder.deployment.of_kind(Service):
            if service.group in services and units.get(service.id) == unit:
                builder.link(scaling.id, service.id, "scales", res.span_of("resource_id"))
    for res in resources(tf, "aws_appautoscaling_policy"):
        for ref in index.keys(res, attribute_refs(project, res, ("resource_id",))):
            found = targets.get(ref)
            if found is not None:
                found = builder.update(found, policies=(*found.policies, res.span))
                targets[ref] = found
    for res in resources(tf, "aws_autoscaling_group"):
        builder.add(Scaling(node_id("scaling", addr(res, index)), "autoscaling-group",
                            res.address, res.span, None, as_int(res.get("min_size")),
                            as_int(res.get("max_size"))), res.body.end_line,
                    unit=index.unit(res))


def _instances(builder: Builder, tf: TerraformProject, index: TfIndex) -> None:
    for res in resources(tf, "aws_instance", "aws_launch_template"):
        if res.type not in ("aws_instance", "aws_launch_template"):
            continue
        node = builder.add(Resource(node_id("instance", addr(res, index)), "instance",
                                    res.address, res.span), res.body.end_line,
                           unit=index.unit(res))
        for attr in ("vpc_security_group_ids", "security_groups"):
            for sg in index.keys(res, attribute_refs(builder.project, res, (attr,))):
                index.sg_members.setdefault(sg, []).append(node.id)
        script = res.get("user_data")
        if isinstance(script, str):
            with builder.in_unit(index.unit(res)):
                analyse_user_data(builder, node, script, res.span_of("user_data"))


def _lambdas(builder: Builder, tf: TerraformProject, index: TfIndex) -> None:
    urls: dict[str, Any] = {}
    for res in resources(tf, "aws_lambda_function_url"):
        for ref in index.keys(res, attribute_refs(builder.project, res, ("function_name",))):
            urls[ref] = res
    for res in resources(tf, "aws_lambda_function"):
        if res.type != "aws_lambda_function":
            continue
        url = urls.get(index.own(res))
        auth = as_str(url.get("authorization_type")) if url is not None else None
        image = as_str(res.get("image_uri"))
        function = Function(
            node_id("function", addr(res, index)), "terraform",
            as_str(res.get("function_name")) or res.address, res.span,
            as_str(res.get("handler")), as_str(res.get("runtime")),
            as_int(res.get("memory_size")), as_int(res.get("timeout")), None, image,
            url_public=(auth.upper() == "NONE") if auth else None,
            url_span=url.span_of("authorization_type") if url is not None else None)
        builder.add(function, res.body.end_line, unit=index.unit(res))
        builder.alias("function", function.name, function.id)
        builder.image_ref(image, res.span_of("image_uri") if image else None, "function-image",
                          function.id)
