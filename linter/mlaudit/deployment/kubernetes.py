"""Kubernetes -> deployment units (`KubeApp`) and their nodes.

Units (docs/deployment-model.md):
- kustomize-overlay: a kustomization no other kustomization includes, with every base it
  includes merged the way `kustomize build` does (resources, strategic-merge and JSON 6902
  patches on replicas and images, `images`, `replicas`, `namePrefix`/`nameSuffix`). A base
  used only through overlays is no unit of its own: its objects belong to each overlay
  (one node per overlay, pointing at the base file's lines).
- kubernetes-manifests: the plain manifests of one directory (`kubectl apply -f dir/`)
  that no kustomization reads.
- helm-chart: a chart (`Chart.yaml`) read through its `values.yaml` and the `helm create`
  conventions; its templates are not YAML and are only searched for what they render.
- terraform-kubernetes: `kubernetes_*` resources of a Terraform root.

Nodes: each container of a workload is a Service (platform "kubernetes") with its probes
as HealthChecks (origin "kubernetes", so the cross-file health rules read them), its ports
and the in-repo image it runs; autoscalers are Scaling nodes; Services are Proxies; a
LoadBalancer/NodePort Service or an Ingress is an EntryPoint.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from mlaudit.deployment._builder import Builder, node_id
from mlaudit.models.command import analyse_argv
from mlaudit.models.deployment import EntryPoint, HealthCheck, ListenPort, Proxy, Scaling, Service
from mlaudit.models.image import parse_image
from mlaudit.models.kubernetes import (
    Autoscaler,
    Container,
    ContainerPort,
    HelmChart,
    HelmValues,
    Ingress,
    KubeApp,
    KubeObject,
    KubeService,
    Kustomization,
    Manifest,
    Probe,
    Resources,
    ServicePort,
    Workload,
    merge,
)
from mlaudit.span import Span

INTERNAL_LB = ("internal", "load-balancer-type: internal")


def build_kubernetes(builder: Builder) -> None:
    apps = kubernetes_apps(builder.project)
    for app in apps:
        builder.deployment.extra_subjects.append(app)
        _nodes(builder, app)


def kubernetes_apps(project: Any) -> list[KubeApp]:
    manifests = {p: m for p, m in project.models.items() if isinstance(m, Manifest)}
    kustomizations = {p: m for p, m in project.models.items() if isinstance(m, Kustomization)}
    charts = {p: m for p, m in project.models.items() if isinstance(m, HelmChart)}
    values = {p: m for p, m in project.models.items() if isinstance(m, HelmValues)}
    apps: list[KubeApp] = []
    used: set[str] = set()
    by_dir = {posixpath.dirname(p): k for p, k in kustomizations.items()}
    included = {target for k in kustomizations.values() for r, _ in k.resources
                if (target := _dir_target(r, by_dir)) not in (None, k.path)}
    for path, kustomization in sorted(kustomizations.items()):
        if kustomization.path in included:
            continue
        files: list[str] = []
        objects = _kustomize(kustomization, manifests, by_dir, files, set())
        used.update(files)
        directory = posixpath.dirname(path) or "."
        apps.append(KubeApp(f"kustomize:{directory}", "kustomize-overlay", directory,
                            directory, kustomization.span, tuple(objects),
                            tuple(dict.fromkeys([path, *files])),
                            other_kinds=_kinds(manifests, files)))
    chart_dirs = {posixpath.dirname(p): c for p, c in charts.items()}
    for directory, chart in sorted(chart_dirs.items()):
        static = [m for p, m in sorted(manifests.items()) if _chart_file(p, directory)]
        apps.append(_helm(project, chart, directory, values, static))
    plain: dict[str, list[Manifest]] = {}
    for path, manifest in sorted(manifests.items()):
        if path in used or not manifest.objects or posixpath.dirname(path) in by_dir or \
                any(_chart_file(path, d) for d in chart_dirs):
            continue  # a kustomization's directory applies only what it lists
        plain.setdefault(posixpath.dirname(path) or ".", []).append(manifest)
    for directory, group in sorted(plain.items()):
        objects = [o for m in group for o in m.objects]
        first = group[0]
        apps.append(KubeApp(f"kubernetes:{directory}", "kubernetes-manifests", directory,
                            directory, Span(first.path, 1), tuple(objects),
                            tuple(m.path for m in group),
                            other_kinds=_kinds(manifests, [m.path for m in group])))
    return apps


def _kinds(manifests: dict[str, Manifest], files: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({k for f in files if f in manifests for k in manifests[f].other_kinds}))


def _chart_file(path: str, directory: str) -> bool:
    """A file a chart installs: its templates (static ones parse as manifests) and CRDs."""
    prefix = f"{directory}/" if directory else ""
    return path.startswith((f"{prefix}templates/", f"{prefix}crds/"))


def _dir_target(resource: str, by_dir: dict[str, Kustomization]) -> str | None:
    found = by_dir.get(resource)
    return found.path if found is not None else None


# -- Kustomize ------------------------------------------------------------------------------

def _kustomize(kustomization: Kustomization, manifests: dict[str, Manifest],
               by_dir: dict[str, Kustomization], files: list[str],
               seen: set[str]) -> list[KubeObject]:
    """The objects `kustomize build` emits for a kustomization (modelled kinds only)."""
    if kustomization.path in seen:
        return []  # a cycle: kustomize refuses it; we stop
    seen = seen | {kustomization.path}
    files.append(kustomization.path)
    objects: list[KubeObject] = []
    for resource, _ in kustomization.resources:
        base = by_dir.get(resource)
        if base is not None:
            objects.extend(_kustomize(base, manifests, by_dir, files, seen))
        elif resource in manifests:
            files.append(resource)
            objects.extend(manifests[resource].objects)
    for patch in kustomization.patches:
        patch_objects: Iterable[KubeObject] = patch.inline
        if patch.path is not None and patch.path in manifests:
            files.append(patch.path)
            patch_objects = manifests[patch.path].objects
        for item in patch_objects:
            objects = [merge(o, item) if _same(o, item.kind, item.name) else o for o in objects]
        for op, path, value, span in patch.operations:
            objects = [_json_patch(o, op, path, value, span)
                       if _same(o, patch.target_kind, patch.target_name) else o
                       for o in objects]
    objects = [_images(o, kustomization) for o in objects]
    for name, count, span in kustomization.replicas:
        objects = [replace(o, replicas=count, replicas_span=span)
                   if isinstance(o, Workload) and o.name == name else o for o in objects]
    prefix, suffix = kustomization.name_prefix or "", kustomization.name_suffix or ""
    if prefix or suffix:
        objects = _renamed(objects, prefix, suffix)
    if kustomization.namespace:
        objects = [replace(o, namespace=kustomization.namespace) for o in objects]
    return objects


def _same(obj: KubeObject, kind: str | None, name: str | None) -> bool:
    return (kind is None or obj.kind == kind) and (name is None or obj.name == name) \
        and (kind is not None or name is not None)


def _json_patch(obj: KubeObject, op: str, path: str, value: Any, span: Span) -> KubeObject:
    """The JSON 6902 operations mlaudit follows: replicas and a container's image."""
    if not isinstance(obj, Workload) or op not in ("add", "replace"):
        return obj
    if path == "/spec/replicas" and isinstance(value, int):
        return replace(obj, replicas=value, replicas_span=span)
    parts = path.split("/")
    if len(parts) == 7 and parts[1:5] == ["spec", "template", "spec", "containers"] and \
            parts[6] == "image" and parts[5].isdigit() and isinstance(value, str):
        index = int(parts[5])
        containers = list(obj.containers or ())
        if index < len(containers):
            containers[index] = replace(containers[index], image=parse_image(value),
                                        image_span=span)
            return replace(obj, containers=tuple(containers))
    return obj


def _images(obj: KubeObject, kustomization: Kustomization) -> KubeObject:
    if not isinstance(obj, Workload) or not kustomization.images:
        return obj
    changed = []
    for container in obj.containers or ():
        image = container.image
        rule = next((i for i in kustomization.images if image is not None and
                     i.name in (image.raw.split("@")[0].rsplit(":", 1)[0]
                                if ":" in image.raw.rsplit("/", 1)[-1]
                                else image.raw.split("@")[0],
                                image.repository)), None)
        if rule is None or image is None:
            changed.append(container)
            continue
        name = rule.new_name or (f"{image.registry}/{image.repository}" if image.registry
                                 else image.repository)
        tag = f"@{rule.digest}" if rule.digest else (
            f":{rule.new_tag}" if rule.new_tag else (f":{image.tag}" if image.tag else ""))
        changed.append(replace(container, image=parse_image(name + tag), image_span=rule.span))
    return replace(obj, containers=tuple(changed))


def _renamed(objects: list[KubeObject], prefix: str, suffix: str) -> list[KubeObject]:
    names = {o.name for o in objects}

    def new(name: str | None) -> str | None:
        return f"{prefix}{name}{suffix}" if name in names else name

    out: list[KubeObject] = []
    for obj in objects:
        obj = replace(obj, name=new(obj.name) or obj.name)
        if isinstance(obj, Autoscaler):
            obj = replace(obj, target_name=new(obj.target_name))
        elif isinstance(obj, Ingress) and obj.backends:
            obj = replace(obj, backends=tuple(replace(b, service=new(b.service) or b.service)
                                              for b in obj.backends))
        out.append(obj)
    return out


# -- Helm -----------------------------------------------------------------------------------

def _helm(project: Any, chart: HelmChart, directory: str, values: dict[str, HelmValues],
          static: list[Manifest]) -> KubeApp:
    """A chart as the `helm create` conventions render it from `values.yaml`, with the
    templates that hold no template action (they install as written)."""
    unit = f"helm:{directory or '.'}"
    prefix = f"{directory}/" if directory else ""
    templates = {p: project.read_text(p) or "" for p in
                 (f.path for f in project.files) if p.startswith(f"{prefix}templates/")}
    text = "\n".join(templates.values())
    files = [chart.path, *sorted(templates)]
    main = values.get(f"{prefix}values.yaml") or values.get(f"{prefix}values.yml")
    objects: list[KubeObject] = [o for m in static for o in m.objects]
    if main is None or ".Values.image" not in text:  # no workload rendered from values
        if main is not None:
            files.insert(1, main.path)
        return KubeApp(unit, "helm-chart", chart.name, directory or ".", chart.span,
                       tuple(objects), tuple(files))
    files.insert(1, main.path)
    probes = list(main.probes)
    for key, kind in (("readinessProbe", "readiness"), ("livenessProbe", "liveness")):
        if not any(p.kind == kind for p in probes) and key in text:
            probes.append(_template_probe(templates, key, kind))
    container = Container(
        chart.name, main.span, main.image, main.image_span,
        ports=_template_ports(templates), probes=tuple(probes),
        resources=main.resources if ".Values.resources" in text else (
            Resources(main.resources.span if main.resources else main.span, (("?", "?"),),
                      (("?", "?"),)) if "resources:" in text else None),
        env=main.env or None,
        # a template may write its own security context
        run_as_non_root=True if "runAsNonRoot: true" in text else main.run_as_non_root,
        run_as_user=main.run_as_user, security_span=main.security_span)
    scaling_on = bool(main.autoscaling) and (".Values.autoscaling" in text or
                                             ".Values.hpa" in text)
    workload = Workload(
        "Deployment", chart.name, main.span, 0, None,
        replicas=main.replicas if not scaling_on else None,
        replicas_span=main.replicas_span, labels=(("app.kubernetes.io/name", chart.name),),
        containers=(container,), gpu_hints=main.gpu_hints or None)
    objects.append(workload)
    if (main.service_type is not None or main.service_port is not None) and \
            ".Values.service" in text:
        objects.append(KubeService(
            chart.name, main.service_type_span or main.span, 0, None, None,
            main.service_type, main.service_type_span, workload.labels,
            (ServicePort(main.service_type_span or main.span, main.service_port,
                         main.target_port or main.service_port),)))
    if main.ingress_enabled and main.ingress_span is not None and ".Values.ingress" in text:
        objects.append(Ingress(chart.name, main.ingress_span, 0, None, None,
                               bool(main.ingress_tls), None, ()))
    if scaling_on and main.autoscaling_span is not None:
        objects.append(Autoscaler("HorizontalPodAutoscaler", chart.name, main.autoscaling_span,
                                  0, None, "Deployment", chart.name, main.min_replicas,
                                  main.max_replicas, main.min_span, main.max_span))
    return KubeApp(unit, "helm-chart", chart.name, directory or ".", chart.span,
                   tuple(objects), tuple(files))


def _template_ports(templates: dict[str, str]) -> tuple[ContainerPort, ...] | None:
    """Literal `containerPort`s a chart's templates write, with the `name` of the same list
    item (so a probe or Service naming `http` resolves)."""
    out: list[ContainerPort] = []
    for path, text in sorted(templates.items()):
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            match = re.match(r"\s*-?\s*containerPort:\s*(\d+)\s*$", line)
            if match is None:
                continue
            near = lines[max(0, number - 3):number + 2]
            name = next((m.group(1) for n in near
                         if (m := re.match(r"\s*-?\s*name:\s*[\"']?([\w-]+)[\"']?\s*$", n))),
                        None)
            out.append(ContainerPort(int(match.group(1)), Span(path, number), name))
    return tuple(out) or None


def _template_probe(templates: dict[str, str], key: str, kind: str) -> Probe:
    """A probe a chart's template writes itself: its literal `httpGet` path and port when
    the lines below the key hold no template action; else a probe of unknown handler."""
    for path, text in sorted(templates.items()):
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            if f"{key}:" not in line:
                continue
            indent = len(line) - len(line.lstrip())
            body: list[str] = []
            for below in lines[number:]:
                if below.strip() and len(below) - len(below.lstrip()) <= indent:
                    break
                body.append(below.strip())
            fields = dict(b.split(":", 1) for b in body if ":" in b)
            literal = body and not any("{{" in b for b in body) and "httpGet" in fields
            if not literal:
                return Probe(kind, Span(path, number))
            port = fields.get("port", "").strip().strip("\"'")
            return Probe(kind, Span(path, number), "http",
                         fields.get("path", "/").strip().strip("\"'") or "/",
                         int(port) if port.isdigit() else port or None)
    return Probe(kind, Span(next(iter(sorted(templates)), ""), 1))


# -- nodes ----------------------------------------------------------------------------------

def container_ports(container: Container) -> dict[str, int]:
    """Named container ports -> numbers (probes and Services may name them)."""
    return {p.name: p.port for p in container.ports or () if p.name and p.port is not None}


def resolve_port(port: int | str | None, container: Container) -> int | None:
    if isinstance(port, int):
        return port
    return container_ports(container).get(port) if port else None


def _nodes(builder: Builder, app: KubeApp) -> None:
    unit = app.unit
    by_workload: dict[str, list[str]] = {}
    for workload in app.workloads():
        for container in workload.containers or ():
            if container.init:
                continue
            service = _service_node(builder, app, workload, container)
            by_workload.setdefault(workload.key, []).append(service.id)
    for scaler in app.autoscalers():
        scaling = Scaling(node_id("scaling", "kubernetes", unit, scaler.key),
                          "hpa" if scaler.kind == "HorizontalPodAutoscaler" else "keda",
                          scaler.name, scaler.span, scaler.target_name, scaler.min_replicas,
                          scaler.max_replicas)
        builder.add(scaling, scaler.end_line, unit=unit)
        key = f"{scaler.target_kind or 'Deployment'}/{scaler.target_name}"
        for target in by_workload.get(key, ()):
            builder.link(scaling.id, target, "scales", scaler.span)
    proxies: dict[str, str] = {}
    for kube in app.services():
        proxy = Proxy(node_id("proxy", "kubernetes", unit, kube.name), "kubernetes-service",
                      kube.name, kube.span, kube.name, kube.name,
                      next((p.port for p in kube.ports or ()), None))
        builder.add(proxy, kube.end_line, unit=unit)
        proxies[kube.name] = proxy.id
        targets = [t for w in app.selected_by(kube) for t in by_workload.get(w.key, ())]
        for target in targets:
            builder.link(proxy.id, target, "proxies", kube.span)
        if kube.type in ("LoadBalancer", "NodePort"):
            _service_entries(builder, app, kube, proxy.id)
    for ingress in app.ingresses():
        entry = EntryPoint(node_id("entry", "ingress", unit, ingress.name), "ingress",
                           ingress.name, ingress.span, 443 if ingress.tls else 80,
                           443 if ingress.tls else 80, "tcp", (), True, bool(ingress.tls))
        builder.add(entry, ingress.end_line, unit=unit)
        for backend in ingress.backends or ():
            if backend.service in proxies:
                builder.link(entry.id, proxies[backend.service], "forwards", backend.span)


def _service_entries(builder: Builder, app: KubeApp, kube: KubeService, proxy: str) -> None:
    annotations = " ".join(f"{k}: {v}" for k, v in kube.annotations or ()).lower()
    internal = any(word in annotations for word in INTERNAL_LB)
    for port in kube.ports or ():
        exposed = port.port if kube.type == "LoadBalancer" else port.node_port
        kind = "k8s-load-balancer" if kube.type == "LoadBalancer" else "node-port"
        entry = EntryPoint(
            node_id("entry", kind, app.unit, kube.name, str(port.port)), kind,
            f"{kube.name} {exposed or '?'}->{port.target_port or port.port}", port.span,
            exposed, exposed, "tcp", (),
            (not internal) if kube.type == "LoadBalancer" else None, None, kube.name)
        builder.add(entry, unit=app.unit)
        builder.link(entry.id, proxy, "exposes", port.span)


def _service_node(builder: Builder, app: KubeApp, workload: Workload,
                  container: Container) -> Service:
    several = len([c for c in workload.containers or () if not c.init]) > 1
    name = f"{workload.kind}/{workload.name}" + (f"/{container.name}" if several else "")
    service_id = node_id("service", "kubernetes", app.unit, name)
    ports: list[ListenPort] = []
    server = analyse_argv(container.argv) if container.argv else None
    if server is not None and server.server != "python-script":
        ports.append(ListenPort(server.effective_port, "k8s-command",
                                container.command_span or container.span, server.host))
    for port in container.ports or ():
        if not any(p.port == port.port for p in ports):
            ports.append(ListenPort(port.port, "container-port", port.span))
    checks: list[HealthCheck] = []
    for probe in container.probes or ():
        if probe.kind == "startup":
            continue
        checks.append(HealthCheck(node_id("healthcheck", service_id, probe.kind), "kubernetes",
                                  probe.span, probe.path if probe.handler == "http" else None,
                                  resolve_port(probe.port, container), False,
                                  kind=f"{probe.kind}-probe"))
    service = Service(service_id, "kubernetes", name, workload.span, container.image,
                      container.image_span, None, tuple(ports), (), tuple(checks), app.unit)
    builder.add(service, workload.end_line, unit=app.unit)
    if container.image is not None:
        builder.image_ref(container.image, container.image_span, "k8s-image", service_id)
        builder.wanted_images.append((service_id, container.image.raw, container.image_span))
    for check in checks:
        builder.add(check, unit=app.unit)
        builder.link(check.id, service_id, "checks", check.span)
    return service


# -- Terraform (the kubernetes and helm providers) --------------------------------------------

_TF_WORKLOADS = {"kubernetes_deployment": "Deployment", "kubernetes_stateful_set": "StatefulSet",
                 "kubernetes_daemonset": "DaemonSet", "kubernetes_daemon_set": "DaemonSet",
                 "kubernetes_pod": "Pod", "kubernetes_job": "Job", "kubernetes_cron_job": "CronJob"}


def build_terraform_kubernetes(builder: Builder, tf: Any) -> None:
    """`kubernetes_*` resources of each Terraform root as one KubeApp placed in that root's
    unit; a `helm_release` of a chart in the repository deploys that chart."""
    from mlaudit.deployment.terraform_net import unit_id

    by_root: dict[str, list[KubeObject]] = {}
    spans: dict[str, Span] = {}
    for resource in tf.resources("kubernetes_"):
        obj = _tf_object(resource)
        if obj is not None:
            root = tf.root_of(resource)
            by_root.setdefault(root, []).append(obj)
            spans.setdefault(root, resource.span)
    for root, objects in sorted(by_root.items()):
        app = KubeApp(unit_id(root), "terraform-kubernetes", root or ".", root or ".",
                      spans[root], tuple(objects))
        builder.deployment.extra_subjects.append(app)
        _nodes(builder, app)
    charts = [a for a in builder.deployment.extra_subjects
              if isinstance(a, KubeApp) and a.kind == "helm-chart"]
    for release in tf.resources("helm_release"):
        chart = release.get("chart")
        if not isinstance(chart, str) or not charts:
            continue
        where = posixpath.normpath(posixpath.join(posixpath.dirname(release.path), chart))
        for app in charts:
            if app.path != where:
                continue
            with builder.in_unit(unit_id(tf.root_of(release))):
                from mlaudit.models.deployment import Resource

                node = builder.add(Resource(node_id("helm-release", release.address),
                                            "helm-release", release.address, release.span))
            for service in builder.deployment.services():
                if service.group == app.unit:
                    builder.link(node.id, service.id, "deploys", release.span_of("chart"))


def _body(body: Any, *names: str) -> Any:
    """The first nested block along `names`, or None."""
    for name in names:
        found = body.blocks(name) if body is not None else ()
        body = found[0] if found else None
    return body


def _tf_map(body: Any, name: str) -> tuple[tuple[str, str], ...] | None:
    value = body.get(name) if body is not None else None
    if isinstance(value, dict):
        return tuple((str(k), str(v)) for k, v in value.items() if isinstance(v, (str, int)))
    return None


def _tf_object(resource: Any) -> KubeObject | None:
    from mlaudit.parsers.yaml_document import as_bool, as_int

    kind_name = resource.type.removesuffix("_v1").removesuffix("_v2").removesuffix("_v2beta2")
    metadata = _body(resource.body, "metadata")
    name = metadata.get("name") if metadata is not None else None
    name = name if isinstance(name, str) else resource.name
    spec = _body(resource.body, "spec")
    span, end = resource.span, resource.body.end_line
    if kind_name in _TF_WORKLOADS:
        kind = _TF_WORKLOADS[kind_name]
        template = _body(spec, "template") if kind not in ("Pod",) else None
        pod = _body(template, "spec") if template is not None else spec
        if kind == "CronJob":
            pod = _body(spec, "job_template", "spec", "template", "spec")
        rolling = _body(spec, "strategy", "rolling_update")
        security = _body(pod, "security_context")
        containers = tuple(_tf_container(c) for c in (pod.blocks("container") if pod else ()))
        hints = tuple((f"{k}={v}", pod.span_of("node_selector"))
                      for k, v in (_tf_map(pod, "node_selector") or ())
                      if "gpu" in f"{k}{v}".lower() or "accelerator" in k.lower())
        hints += tuple((f"toleration {t.get('key')}", t.span) for t in
                       (pod.blocks("toleration") if pod else ())
                       if "gpu" in str(t.get("key", "")).lower())
        replicas = spec.get("replicas") if spec is not None else None
        unavailable = rolling.get("max_unavailable") if rolling is not None else None
        return Workload(
            kind, name, span, end, None,
            replicas=as_int(replicas) if as_int(replicas) is not None else (
                None if replicas is None else str(replicas)),
            replicas_span=spec.span_of("replicas") if spec is not None and spec.has("replicas")
            else None,
            labels=_tf_map(_body(template, "metadata"), "labels"), containers=containers,
            max_unavailable=as_int(unavailable) if as_int(unavailable) is not None else (
                unavailable if isinstance(unavailable, str) else None),
            max_unavailable_span=rolling.span_of("max_unavailable")
            if rolling is not None and unavailable is not None else None,
            run_as_non_root=as_bool(security.get("run_as_non_root")) if security else None,
            run_as_user=as_int(security.get("run_as_user")) if security else None,
            security_span=security.span if security is not None else None,
            gpu_hints=hints or None)
    if kind_name == "kubernetes_service" and spec is not None:
        ports = tuple(ServicePort(p.span, as_int(p.get("port")),
                                  as_int(p.get("target_port")) or p.get("target_port"),
                                  as_int(p.get("node_port")), p.get("name"))
                      for p in spec.blocks("port"))
        kind_value = spec.get("type")
        return KubeService(name, span, end, None, _tf_map(metadata, "annotations"),
                           kind_value if isinstance(kind_value, str) else None,
                           spec.span_of("type") if spec.has("type") else None,
                           _tf_map(spec, "selector"), ports)
    if kind_name == "kubernetes_horizontal_pod_autoscaler" and spec is not None:
        target = _body(spec, "scale_target_ref")
        low = as_int(spec.get("min_replicas", 1))
        return Autoscaler("HorizontalPodAutoscaler", name, span, end, None,
                          target.get("kind") if target is not None else None,
                          target.get("name") if target is not None else None,
                          low, as_int(spec.get("max_replicas")),
                          spec.span_of("min_replicas") if spec.has("min_replicas") else None,
                          spec.span_of("max_replicas") if spec.has("max_replicas") else None)
    if kind_name == "kubernetes_ingress" and spec is not None:
        from mlaudit.models.kubernetes import IngressBackend

        backends = []
        for rule in spec.blocks("rule"):
            for item in (_body(rule, "http").blocks("path") if _body(rule, "http") else ()):
                service = _body(item, "backend", "service")
                port = _body(service, "port")
                if service is not None and isinstance(service.get("name"), str):
                    backends.append(IngressBackend(
                        service.get("name"), item.span,
                        as_int(port.get("number")) or port.get("name") if port else None))
        return Ingress(name, span, end, None, _tf_map(metadata, "annotations"),
                       bool(spec.blocks("tls")), spec.span_of("tls") if spec.has("tls")
                       else None, tuple(backends))
    return None


def _tf_container(body: Any) -> Container:
    from mlaudit.models.kubernetes import ContainerPort, EnvEntry
    from mlaudit.parsers.yaml_document import as_bool, as_int

    image = body.get("image")
    probes = []
    for block, kind in (("readiness_probe", "readiness"), ("liveness_probe", "liveness"),
                        ("startup_probe", "startup")):
        probe = _body(body, block)
        if probe is None:
            continue
        http, tcp = _body(probe, "http_get"), _body(probe, "tcp_socket")
        handler = "http" if http is not None else "tcp" if tcp is not None else "exec"
        port = (http or tcp).get("port") if (http or tcp) is not None else None
        probes.append(Probe(kind, probe.span, handler,
                            http.get("path") if http is not None else None,
                            as_int(port) if as_int(port) is not None else port))
    resources = _body(body, "resources")
    env = tuple(EnvEntry(str(e.get("name")), e.span_of("value") if e.has("value") else e.span,
                         e.get("value") if isinstance(e.get("value"), str) else None,
                         "value_from" if e.has("value_from") else None)
                for e in body.blocks("env") if isinstance(e.get("name"), str))
    security = _body(body, "security_context")
    command, args = body.get("command"), body.get("args")
    return Container(
        str(body.get("name", "")), body.span,
        parse_image(image) if isinstance(image, str) else None,
        body.span_of("image") if isinstance(image, str) else None,
        tuple(str(c) for c in command) if isinstance(command, list) else None,
        tuple(str(a) for a in args) if isinstance(args, list) else None,
        body.span_of("command" if body.has("command") else "args")
        if body.has("command") or body.has("args") else None,
        tuple(ContainerPort(as_int(p.get("container_port")), p.span, p.get("name"))
              for p in body.blocks("port")) or None,
        tuple(probes) or None,
        Resources(resources.span, _tf_map(resources, "requests"), _tf_map(resources, "limits"))
        if resources is not None else None,
        env or None,
        as_bool(security.get("run_as_non_root")) if security is not None else None,
        as_int(security.get("run_as_user")) if security is not None else None,
        security.span if security is not None else None)
