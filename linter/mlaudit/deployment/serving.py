"""Managed serving targets -> the deployment model: SageMaker endpoints and PaaS services.

SageMaker: endpoints from Terraform, CloudFormation/SAM templates, Python deploy scripts and
notebooks (`SageMakerEndpoint`), with the sagemaker-namespace scaling that names each
variant resolved here. Each endpoint becomes an entry point (`sagemaker-endpoint`, reached
through the SageMaker API with IAM auth: not public), each variant a `Service` (platform
`sagemaker`) with SageMaker's `/ping` health check, each model a `sagemaker-model`
resource; scaling targets scale their variant.

PaaS: Render blueprints, Heroku apps (a `Procfile` with the `app.json` beside it), Fly.io
apps and Terraform App Runner services (`PaasService`) become services with their port,
health check and scaling; a web service is reached from the internet through the
platform's router (`platform-url` entry point), and runs the image its Dockerfile builds.

Both kinds of facts are also `extra_subjects` of the deployment, so rules target them
directly (one run per endpoint / service).
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Any

from mlaudit.deployment._builder import Builder, node_id
from mlaudit.models.deployment import (
    EntryPoint,
    HealthCheck,
    ListenPort,
    Resource,
    Scaling,
    Service,
)
from mlaudit.models.paas import PaasFile, PaasService
from mlaudit.models.sagemaker import (
    SAGEMAKER_HEALTH_PATH,
    SAGEMAKER_PORT,
    SageMakerEndpoint,
    SageMakerScaling,
)
from mlaudit.span import Span

# -- SageMaker --------------------------------------------------------------------------------


def _unresolved(item: SageMakerScaling) -> bool:
    return item.endpoint is None and (not item.policy or item.target is None)


def _scoped(endpoints: list[SageMakerEndpoint], scaling: list[SageMakerScaling],
            near: bool = False) -> list[SageMakerEndpoint]:
    """Set `scaled` / `scaling_unknown` on endpoints from the scaling of their scope.

    A target or policy whose endpoint cannot be resolved may name any endpoint of the
    scope: with `near` (scripts and notebooks, which share no namespace but a directory's
    files usually deploy and scale the same endpoint) only those of its directory."""
    targets = [s for s in scaling if not s.policy]
    policies = [s for s in scaling if s.policy]
    blind = [s for s in scaling if _unresolved(s)]
    out: list[SageMakerEndpoint] = []
    for endpoint in endpoints:
        directory = posixpath.dirname(endpoint.path)
        unknown = any(not near or posixpath.dirname(s.span.path) == directory for s in blind)
        scaled: list[str] = []
        spans: list[tuple[str, Span]] = []
        for variant in endpoint.variants:
            for target in targets:
                if target.endpoint not in endpoint.names:
                    continue
                if target.variant not in (variant.name, None) and \
                        not (target.variant or "").startswith("{ref:"):
                    continue
                spans.append((variant.name, target.span))
                if any(_attached(p, target) for p in policies):
                    scaled.append(variant.name)
        out.append(replace(endpoint, scaled=tuple(dict.fromkeys(scaled)),
                           scaling_spans=tuple(spans), scaling_unknown=unknown))
    return out


def _attached(policy: SageMakerScaling, target: SageMakerScaling) -> bool:
    if policy.target is not None and policy.target == target.key:
        return True
    return policy.endpoint is not None and (policy.endpoint, policy.variant) == (
        target.endpoint, target.variant)


def sagemaker_endpoints(builder: Builder, index: Any = None) -> list[SageMakerEndpoint]:
    project = builder.project
    found: list[SageMakerEndpoint] = []
    code_endpoints: list[SageMakerEndpoint] = []
    code_scaling: list[SageMakerScaling] = []
    for _, model in sorted(project.models.items()):
        deploys = getattr(model, "sagemaker", None)
        if deploys is None:
            continue
        if type(model).__name__ == "ServerlessApp":  # one template is one scope
            found += _scoped(list(deploys.endpoints), list(deploys.scaling))
        else:  # scripts and notebooks share a namespace of endpoint names
            code_endpoints += deploys.endpoints
            code_scaling += deploys.scaling
    found += _scoped(code_endpoints, code_scaling, near=True)
    tf = builder.terraform
    if tf is not None:
        from mlaudit.deployment.sagemaker_tf import terraform_sagemaker

        modules = terraform_sagemaker(project, tf)
        all_scaling = [s for _, _, scaling in modules for s in scaling]
        unresolved = any(_unresolved(s) for s in all_scaling)
        for module, endpoints, scaling in modules:
            scoped = _scoped(endpoints, scaling)
            found += [replace(e, scaling_unknown=e.scaling_unknown or unresolved)
                      for e in scoped]
            for endpoint in scoped:
                builder.deployment.node_units.setdefault(
                    endpoint.id, _tf_unit(index, module))
    return found


def _tf_unit(index: Any, module: Any) -> str:
    from mlaudit.deployment.terraform_net import unit_id

    return unit_id(getattr(module, "root", ""))


def build_sagemaker(builder: Builder, index: Any = None) -> None:
    endpoints = sagemaker_endpoints(builder, index)
    deployment = builder.deployment
    deployment.extra_subjects.extend(endpoints)
    scaling_nodes = {s.span: s for s in deployment.of_kind(Scaling)}
    for endpoint in endpoints:
        unit = deployment.node_units.get(endpoint.id)
        entry = builder.add(EntryPoint(endpoint.id, "sagemaker-endpoint", endpoint.name,
                                       endpoint.span, protocol="https", public=False,
                                       tls=True, group=endpoint.key), unit=unit)
        for variant in endpoint.variants:
            service_id = f"service:sagemaker:{endpoint.key}/{variant.name}"
            check = HealthCheck(f"healthcheck:sagemaker:{endpoint.key}/{variant.name}",
                                "sagemaker", variant.span, SAGEMAKER_HEALTH_PATH,
                                SAGEMAKER_PORT)
            model = variant.model
            ref = builder.image_ref(model.image, model.image_span, "sagemaker-image",
                                    service_id) if model is not None else None
            service = Service(service_id, "sagemaker", f"{endpoint.name}/{variant.name}",
                              variant.span, ref, model.image_span if model is not None else None,
                              healthchecks=(check,), group=endpoint.key)
            builder.add(service, unit=unit)
            builder.add(check, unit=unit)
            builder.link(check.id, service_id, "checks", check.span)
            builder.link(entry.id, service_id, "forwards", variant.span)
            if model is not None:
                model_id = f"model:sagemaker:{endpoint.key}/{model.name}"
                builder.add(Resource(model_id, "sagemaker-model", model.name, model.span),
                            unit=unit)
                builder.link(service_id, model_id, "runs", model.span)
            for name, span in endpoint.scaling_spans:
                if name != variant.name:
                    continue
                node = scaling_nodes.get(span)
                if node is None:
                    node = builder.add(Scaling(f"scaling:sagemaker:{span.path}:{span.line}",
                                               "appautoscaling", f"{endpoint.name}/{name}",
                                               span), unit=unit)
                builder.link(node.id, service_id, "scales", span)


# -- PaaS -------------------------------------------------------------------------------------


def paas_services(builder: Builder, index: Any = None) -> list[PaasService]:
    project = builder.project
    out: list[PaasService] = []
    procfiles: dict[str, PaasFile] = {}
    manifests: dict[str, PaasFile] = {}
    for path, model in sorted(project.models.items()):
        if not isinstance(model, PaasFile):
            continue
        if model.platform == "procfile":
            procfiles[posixpath.dirname(path)] = model
        elif model.platform == "heroku-app":
            manifests[posixpath.dirname(path)] = model
        else:
            out.extend(model.services)
    for directory in sorted(set(procfiles) | set(manifests)):
        out.extend(_heroku(procfiles.get(directory), manifests.get(directory)))
    if builder.terraform is not None:
        out.extend(_apprunner(builder))
    return out


def _heroku(procfile: PaasFile | None, manifest: PaasFile | None) -> list[PaasService]:
    """A Procfile's processes with the size and quantity app.json's formation gives them;
    formation entries with no Procfile line (a Dockerfile app) stand alone."""
    formation = {s.name: s for s in manifest.services} if manifest is not None else {}
    out: list[PaasService] = []
    for process in procfile.services if procfile is not None else ():
        spec = formation.pop(process.name, None)
        if spec is not None:
            process = replace(process, plan=spec.plan, plan_span=spec.plan_span,
                              memory_mb=spec.memory_mb, memory_span=spec.memory_span,
                              instances=spec.instances, instances_span=spec.instances_span)
        out.append(process)
    out.extend(formation.values())
    return out


def _apprunner(builder: Builder) -> list[PaasService]:
    """`aws_apprunner_service` resources: port, health check, memory, and the in-repo
    Dockerfile of the ECR repository its image comes from (when one is built as it)."""
    from mlaudit.deployment.terraform_net import resources

    out: list[PaasService] = []
    for res in resources(builder.terraform, "aws_apprunner_service"):
        name = res.get("service_name")
        source = res.blocks("source_configuration")
        repo = source[0].blocks("image_repository") if source else ()
        image = repo[0].get("image_identifier") if repo else None
        config = repo[0].blocks("image_configuration") if repo else ()
        port_value = config[0].get("port", "8080") if config else "8080"
        port = int(port_value) if isinstance(port_value, str) and port_value.isdigit() else \
            port_value if isinstance(port_value, int) else None
        checks = res.blocks("health_check_configuration")
        protocol = checks[0].get("protocol", "TCP") if checks else "TCP"
        path = checks[0].get("path", "/") if checks else None
        instance = res.blocks("instance_configuration")
        memory_raw = instance[0].get("memory", "2048") if instance else "2048"
        memory = _apprunner_mb(memory_raw)
        dockerfile = None
        if isinstance(image, str):
            from mlaudit.deployment._builder import repo_key

            images = sorted(builder.images_named(repo_key(image)))
            node = builder.deployment.nodes.get(images[0]) if len(images) == 1 else None
            dockerfile = getattr(node, "dockerfile", None)
        out.append(PaasService(
            "apprunner", name if isinstance(name, str) else res.address, res.path, res.span,
            "web", posixpath.dirname(dockerfile) if dockerfile else "", dockerfile, (), None,
            None, None, memory,
            instance[0].span_of("memory") if instance and instance[0].has("memory") else None,
            None, None, None, None, None,
            path if isinstance(path, str) and str(protocol).upper() == "HTTP" else None,
            str(protocol).upper() if isinstance(protocol, str) else None,
            checks[0].span_of("protocol") if checks and checks[0].has("protocol") else
            (checks[0].span if checks else None),
            1 if str(protocol).upper() == "HTTP" else 0,
            1 if str(protocol).upper() == "TCP" else 0, port,
            config[0].span_of("port") if config and config[0].has("port") else None,
            port is None))
    return out


def _apprunner_mb(value: Any) -> int | None:
    """App Runner memory: "2048", "2 GB", 2048."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip().lower().replace(" ", "")
    if text.endswith("gb"):
        try:
            return int(float(text[:-2]) * 1024)
        except ValueError:
            return None
    return int(text.removesuffix("mb")) if text.removesuffix("mb").isdigit() else None


def build_paas(builder: Builder, index: Any = None) -> None:
    services = paas_services(builder, index)
    deployment = builder.deployment
    deployment.extra_subjects.extend(services)
    for svc in services:
        unit = _apprunner_unit(builder, svc, index) if svc.platform == "apprunner" else None
        image = deployment.image_for_dockerfile(svc.dockerfile) if svc.dockerfile else None
        ports = (ListenPort(svc.port, "platform", svc.port_span or svc.span),) \
            if svc.port is not None else ()
        checks: tuple[HealthCheck, ...] = ()
        if svc.health_protocol == "HTTP" and svc.health_path:
            checks = (HealthCheck(f"healthcheck:{svc.platform}:{svc.key}", svc.platform,
                                  svc.health_span or svc.span, svc.health_path, svc.port),)
        node = Service(svc.id, svc.platform, svc.name, svc.span, ports=ports,
                       healthchecks=checks, image_id=image.id if image is not None else None,
                       group=svc.path)
        builder.add(node, unit=unit)
        if image is not None:
            builder.link(svc.id, image.id, "runs", svc.span)
        for check in checks:
            builder.add(check, unit=unit)
            builder.link(check.id, svc.id, "checks", check.span)
        if svc.kind == "web":
            entry = builder.add(EntryPoint(node_id("entry", svc.platform, svc.key),
                                           "platform-url", f"{svc.platform} {svc.name}",
                                           svc.span, protocol="https", public=True,
                                           tls=True, group=svc.path), unit=unit)
            builder.link(entry.id, svc.id, "forwards", svc.span)
        if svc.min_instances is not None or svc.max_instances is not None:
            scaling = builder.add(Scaling(node_id("scaling", svc.platform, svc.key),
                                          f"{svc.platform}-autoscaling", svc.name,
                                          svc.scaling_span or svc.span, None,
                                          svc.min_instances, svc.max_instances), unit=unit)
            builder.link(scaling.id, svc.id, "scales", scaling.span)


def _apprunner_unit(builder: Builder, svc: PaasService, index: Any) -> str | None:
    tf = builder.terraform
    if tf is None:
        return None
    from mlaudit.deployment.terraform_net import unit_id

    for module in tf.modules:
        if svc.path in module.files:
            return unit_id(getattr(module, "root", ""))
    return None
