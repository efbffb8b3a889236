"""Kubernetes manifests, Kustomize files, Helm `Chart.yaml` and `values*.yaml`.

Manifests are recognised by content, never by name: a YAML stream whose documents are
mappings with a top-level `apiVersion` and `kind` (SAM, compose, workflows and OpenAPI
documents have neither pair). A Helm template (`{{ .Values.x }}`, `{{- include ... }}`)
is not YAML until rendered and yields no model; a rendered chart committed to the
repository is a plain manifest. `kustomization.yaml`/`Chart.yaml` are recognised by name,
`values*.yaml` by name and by the keys `helm create` writes.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mlaudit.models.image import parse_image
from mlaudit.models.kubernetes import (
    WORKLOAD_KINDS,
    Autoscaler,
    Container,
    ContainerPort,
    EnvEntry,
    HelmChart,
    HelmValues,
    Ingress,
    IngressBackend,
    KubeObject,
    KubeService,
    Kustomization,
    KustomizeImage,
    KustomizePatch,
    Manifest,
    Probe,
    Resources,
    ServicePort,
    Workload,
)
from mlaudit.parsers.yaml_document import as_bool, as_int, as_str, directory_of, resolve_path
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "1"

_KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "kustomization"})
_VALUES_RE = re.compile(r"^values(?:[.-][\w.-]+)?\.ya?ml$", re.I)
# Go template actions Helm charts use: a file holding one is a template, not a manifest.
_TEMPLATE_RE = re.compile(
    r"\{\{-?\s*(?:\.Values|\.Release|\.Chart|\.Capabilities|\$|include\b|template\b|if\b"
    r"|range\b|with\b|end\b|define\b|toYaml\b|tpl\b|default\b|quote\b|printf\b|/\*)")
_HELM_VALUE_KEYS = frozenset({"replicaCount", "image", "autoscaling", "hpa", "livenessProbe",
                              "resources", "securityContext", "nodeSelector", "tolerations",
                              "readinessProbe", "podSecurityContext", "service", "ingress"})
_PROBES = (("readinessProbe", "readiness"), ("livenessProbe", "liveness"),
           ("startupProbe", "startup"))
_GPU_WORDS = ("nvidia.com/gpu", "accelerator", "gpu")
# Annotations that terminate TLS in front of a Service or Ingress (cloud certificates).
TLS_ANNOTATIONS = ("ssl-cert", "certificate-arn", "managed-certificates", "pre-shared-cert",
                   "ssl-certificate", "load-balancer-tls")


def parse(source: SourceFile) -> Any:
    from mlaudit.parsers.yaml_source import LMap, load_documents

    name = source.name
    text = source.text
    is_kustomization = name.lower() in _KUSTOMIZATION_NAMES
    if not is_kustomization and _TEMPLATE_RE.search(text):
        return None  # a Helm (Go) template: YAML only once rendered
    documents = _load(source, load_documents)
    mappings = [d for d in documents if isinstance(d, LMap)]
    if is_kustomization:
        return _kustomization(source.path, mappings[0]) if mappings else None
    if name in ("Chart.yaml", "Chart.yml"):
        data = mappings[0] if mappings else None
        if data is None or not isinstance(data.get("name"), str):
            return None
        return HelmChart(source.path, data["name"], Span(source.path, data.line_of("name")),
                         as_str(data.get("version")))
    objects: list[KubeObject] = []
    others: list[str] = []
    for document in mappings:
        for item in _items(document):
            obj = read_object(source.path, item)
            if obj is not None:
                objects.append(obj)
            elif isinstance(item.get("kind"), str):
                others.append(item["kind"])
    if objects or others:
        return Manifest(source.path, tuple(objects), tuple(others))
    if _VALUES_RE.match(name) and len(mappings) == 1 and \
            len(_HELM_VALUE_KEYS & set(mappings[0])) >= 2:
        return helm_values(source.path, mappings[0])
    return None


def _load(source: SourceFile, load_documents: Any) -> list[Any]:
    from mlaudit.parsers import ParseError

    try:
        return list(load_documents(source.text))
    except ParseError as exc:
        last = max(1, len(source.lines))
        raise ParseError(exc.message, min(exc.line, last), exc.column) from None


def _items(document: Any) -> list[Any]:
    """A document's objects: itself, or the items of a `kind: List`."""
    if document.get("kind") == "List" and isinstance(document.get("items"), list):
        return [i for i in document["items"] if isinstance(i, dict)]
    return [document]


def _map(node: Any, *keys: str) -> Any:
    """`node[k1][k2]...` when every step is a mapping, else an empty dict."""
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _span(path: str, node: Any, key: str | None = None) -> Span:
    if key is not None and hasattr(node, "line_of"):
        return Span(path, node.line_of(key), node.column_of(key))
    return Span(path, getattr(node, "line", 1), getattr(node, "column", 1))


def _pairs(node: Any) -> tuple[tuple[str, str], ...] | None:
    if not isinstance(node, dict):
        return None
    return tuple((str(k), as_str(v) or "") for k, v in node.items())


def _port(value: Any) -> int | str | None:
    number = as_int(value)
    return number if number is not None else (value if isinstance(value, str) else None)


def read_object(path: str, data: Any) -> KubeObject | None:
    """A modelled object from one mapping (a document, a list item, an inline patch)."""
    if not isinstance(data, dict) or not isinstance(data.get("apiVersion"), str):
        return None
    kind = data.get("kind")
    metadata = _map(data, "metadata")
    name = as_str(metadata.get("name")) or ""
    namespace = as_str(metadata.get("namespace"))
    span = _span(path, data)
    end = int(getattr(data, "end_line", span.line))
    spec = _map(data, "spec")
    if kind in WORKLOAD_KINDS:
        return _workload(path, str(kind), name, namespace, span, end, spec)
    if kind == "Service" and data["apiVersion"] == "v1":
        return _service(path, name, namespace, span, end, spec, metadata)
    if kind == "Ingress":
        return _ingress(path, name, namespace, span, end, spec, metadata)
    if kind == "HorizontalPodAutoscaler":
        target = _map(spec, "scaleTargetRef")
        return Autoscaler(kind, name, span, end, namespace, as_str(target.get("kind")),
                          as_str(target.get("name")),
                          as_int(spec.get("minReplicas", 1)), as_int(spec.get("maxReplicas")),
                          _span(path, spec, "minReplicas") if "minReplicas" in spec else None,
                          _span(path, spec, "maxReplicas") if "maxReplicas" in spec else None)
    if kind == "ScaledObject" and str(data["apiVersion"]).startswith("keda.sh/"):
        target = _map(spec, "scaleTargetRef")
        return Autoscaler(kind, name, span, end, namespace,
                          as_str(target.get("kind")) or "Deployment", as_str(target.get("name")),
                          as_int(spec.get("minReplicaCount", 0)),
                          as_int(spec.get("maxReplicaCount", 100)),
                          _span(path, spec, "minReplicaCount") if "minReplicaCount" in spec
                          else None,
                          _span(path, spec, "maxReplicaCount") if "maxReplicaCount" in spec
                          else None)
    return None


def _workload(path: str, kind: str, name: str, namespace: str | None, span: Span, end: int,
              spec: Any) -> Workload:
    if kind == "CronJob":
        template = _map(spec, "jobTemplate", "spec", "template")
    elif kind == "Pod":
        template = {"spec": spec}
    else:
        template = _map(spec, "template")
    pod = _map(template, "spec")
    strategy = _map(spec, "updateStrategy" if kind in ("StatefulSet", "DaemonSet")
                    else "strategy")
    rolling = _map(strategy, "rollingUpdate")
    security = _map(pod, "securityContext")
    containers = pod.get("containers")
    init = pod.get("initContainers")
    return Workload(
        kind, name, span, end, namespace,
        replicas=_port(spec.get("replicas")) if "replicas" in spec else None,
        replicas_span=_span(path, spec, "replicas") if "replicas" in spec else None,
        labels=_pairs(_map(template, "metadata").get("labels")),
        containers=_containers(path, containers) if isinstance(containers, list) else None,
        init_containers=_containers(path, init, True) if isinstance(init, list) else None,
        max_unavailable=_port(rolling.get("maxUnavailable")) if "maxUnavailable" in rolling
        else None,
        max_unavailable_span=_span(path, rolling, "maxUnavailable")
        if "maxUnavailable" in rolling else None,
        strategy_type=as_str(strategy.get("type")),
        run_as_non_root=as_bool(security.get("runAsNonRoot")),
        run_as_user=as_int(security.get("runAsUser")),
        security_span=_span(path, pod, "securityContext") if "securityContext" in pod else None,
        gpu_hints=_gpu_hints(path, pod) if pod else None)


def _gpu_hints(path: str, pod: Any) -> tuple[tuple[str, Span], ...]:
    """nodeSelector keys, tolerations and affinity terms that ask for a GPU node."""
    out: list[tuple[str, Span]] = []
    selector = _map(pod, "nodeSelector")
    for key, value in selector.items():
        text = f"{key}={value}"
        if any(w in text.lower() for w in _GPU_WORDS):
            out.append((text, _span(path, selector, key)))
    tolerations = pod.get("tolerations")
    for index, item in enumerate(tolerations if isinstance(tolerations, list) else []):
        key = as_str(item.get("key")) if isinstance(item, dict) else None
        if key and any(w in key.lower() for w in _GPU_WORDS):
            out.append((f"toleration {key}", Span(path, tolerations.line_of(index))))
    return tuple(out)


def _containers(path: str, items: Any, init: bool = False) -> tuple[Container, ...]:
    out: list[Container] = []
    for item in items:
        if isinstance(item, dict):
            out.append(read_container(path, item, init))
    return tuple(out)


def _argv(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list):
        return tuple(as_str(v) or "" for v in value)
    if isinstance(value, str):
        return (value,)
    return None


def read_container(path: str, item: Any, init: bool = False) -> Container:
    image = as_str(item.get("image"))
    security = _map(item, "securityContext")
    command_key = "command" if "command" in item else ("args" if "args" in item else None)
    ports: tuple[ContainerPort, ...] | None = None
    if isinstance(item.get("ports"), list):
        ports = tuple(ContainerPort(as_int(p.get("containerPort")),
                                    _span(path, p, "containerPort"), as_str(p.get("name")))
                      for p in item["ports"] if isinstance(p, dict))
    probes = tuple(read_probe(path, item[key], kind, _span(path, item, key))
                   for key, kind in _PROBES if key in item)
    env = item.get("env")
    return Container(
        as_str(item.get("name")) or "", _span(path, item),
        parse_image(image) if image else None,
        _span(path, item, "image") if image else None,
        _argv(item.get("command")), _argv(item.get("args")),
        _span(path, item, command_key) if command_key else None,
        ports, probes or None,
        read_resources(path, item["resources"], _span(path, item, "resources"))
        if "resources" in item else None,
        read_env(path, env) if isinstance(env, list) else None,
        as_bool(security.get("runAsNonRoot")), as_int(security.get("runAsUser")),
        _span(path, item, "securityContext") if "securityContext" in item else None,
        init)


def read_probe(path: str, node: Any, kind: str, span: Span) -> Probe:
    node = node if isinstance(node, dict) else {}
    for key, handler in (("httpGet", "http"), ("tcpSocket", "tcp"), ("grpc", "grpc")):
        body = _map(node, key)
        if key in node:
            return Probe(kind, span, handler, as_str(body.get("path")) if handler == "http"
                         else None, _port(body.get("port")))
    if "exec" in node:
        return Probe(kind, span, "exec", command=_argv(_map(node, "exec").get("command")) or ())
    return Probe(kind, span)


def read_resources(path: str, node: Any, span: Span) -> Resources:
    node = node if isinstance(node, dict) else {}
    return Resources(span, _pairs(node.get("requests")) if "requests" in node else None,
                     _pairs(node.get("limits")) if "limits" in node else None)


def read_env(path: str, items: Any) -> tuple[EnvEntry, ...]:
    out: list[EnvEntry] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        source = _map(item, "valueFrom")
        ref = next(iter(source), None) if source else None
        at = _span(path, item, "value" if "value" in item else None)
        out.append(EnvEntry(item["name"], at, as_str(item.get("value")),
                            str(ref) if ref is not None else None))
    return tuple(out)


def _service(path: str, name: str, namespace: str | None, span: Span, end: int, spec: Any,
             metadata: Any) -> KubeService:
    ports: tuple[ServicePort, ...] | None = None
    if isinstance(spec.get("ports"), list):
        ports = tuple(ServicePort(_span(path, p), as_int(p.get("port")),
                                  _port(p.get("targetPort")), as_int(p.get("nodePort")),
                                  as_str(p.get("name")))
                      for p in spec["ports"] if isinstance(p, dict))
    return KubeService(name, span, end, namespace, _pairs(metadata.get("annotations")),
                       as_str(spec.get("type")),
                       _span(path, spec, "type") if "type" in spec else None,
                       _pairs(spec.get("selector")), ports)


def _ingress(path: str, name: str, namespace: str | None, span: Span, end: int, spec: Any,
             metadata: Any) -> Ingress:
    backends: list[IngressBackend] = []

    def backend(node: Any, host: str | None, route: str | None) -> None:
        if not isinstance(node, dict):
            return
        service = _map(node, "service")
        target = as_str(service.get("name")) or as_str(node.get("serviceName"))
        port_node = _map(service, "port")
        port = _port(port_node.get("number")) or _port(port_node.get("name")) or \
            _port(node.get("servicePort"))
        if target:
            backends.append(IngressBackend(target, _span(path, node), port, host, route))

    backend(spec.get("defaultBackend") or spec.get("backend"), None, None)
    rules = spec.get("rules")
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        paths = _map(rule, "http").get("paths")
        for item in paths if isinstance(paths, list) else []:
            if isinstance(item, dict):
                backend(item.get("backend"), as_str(rule.get("host")), as_str(item.get("path")))
    tls = spec.get("tls")
    return Ingress(name, span, end, namespace, _pairs(metadata.get("annotations")),
                   bool(tls) if "tls" in spec else None,
                   _span(path, spec, "tls") if "tls" in spec else None, tuple(backends))


# -- Kustomize ------------------------------------------------------------------------------

def _kustomization(path: str, data: Any) -> Kustomization:
    base = directory_of(path)
    resources: list[tuple[str, Span]] = []
    for key in ("resources", "bases", "components"):
        items = data.get(key)
        for index, item in enumerate(items if isinstance(items, list) else []):
            target = resolve_path(base, item) if isinstance(item, str) else None
            if target is not None:
                resources.append((target, Span(path, items.line_of(index))))
    patches: list[KustomizePatch] = []
    for key in ("patches", "patchesStrategicMerge", "patchesJson6902"):
        items = data.get(key)
        for index, item in enumerate(items if isinstance(items, list) else []):
            patch = _patch(path, base, item, Span(path, items.line_of(index)))
            if patch is not None:
                patches.append(patch)
    images: list[KustomizeImage] = []
    for item in data.get("images") or ():
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            images.append(KustomizeImage(item["name"], _span(path, item),
                                         as_str(item.get("newName")), as_str(item.get("newTag")),
                                         as_str(item.get("digest"))))
    replicas = [(item["name"], count, _span(path, item, "count"))
                for item in data.get("replicas") or ()
                if isinstance(item, dict) and isinstance(item.get("name"), str)
                and (count := as_int(item.get("count"))) is not None]
    return Kustomization(path, Span(path, 1), tuple(resources), tuple(patches), tuple(images),
                         tuple(replicas), as_str(data.get("namePrefix")),
                         as_str(data.get("nameSuffix")), as_str(data.get("namespace")))


def _patch(path: str, base: str, item: Any, span: Span) -> KustomizePatch | None:
    from mlaudit.parsers import ParseError
    from mlaudit.parsers.yaml_source import load_documents

    if isinstance(item, str):  # patchesStrategicMerge: a file, or an inline document
        if "\n" not in item.strip():
            target = resolve_path(base, item)
            return KustomizePatch(span, path=target) if target else None
        item = {"patch": item}
    if not isinstance(item, dict):
        return None
    target = _map(item, "target")
    kind, name = as_str(target.get("kind")), as_str(target.get("name"))
    if isinstance(item.get("path"), str):
        file = resolve_path(base, item["path"])
        return KustomizePatch(span, file, (), kind, name) if file else None
    text = item.get("patch")
    if not isinstance(text, str):
        return None
    # A block scalar's content starts on the line after its indicator.
    offset = item.value_line("patch") if hasattr(item, "value_line") else span.line
    try:
        documents = load_documents(text)
    except ParseError as exc:  # kustomize refuses the overlay: so do we, at the patch's line
        line = offset + min(exc.line, max(1, len(text.splitlines())))
        raise ParseError(f"inline patch: {exc.message}", line, 1) from None
    objects: list[KubeObject] = []
    operations: list[tuple[str, str, Any, Span]] = []
    for document in documents:
        if isinstance(document, list):
            for op in document:
                if isinstance(op, dict) and isinstance(op.get("path"), str):
                    operations.append((str(op.get("op")), op["path"], op.get("value"),
                                       Span(path, offset + int(getattr(op, "line", 1)))))
        elif isinstance(document, dict):
            obj = read_object("", document)
            if obj is not None:
                objects.append(_shift(obj, path, offset))
    return KustomizePatch(span, None, tuple(objects), kind, name, tuple(operations))


def _shift(obj: Any, path: str, offset: int) -> Any:
    """Spans of an object read from an inline patch, moved to the kustomization's lines."""
    import dataclasses

    if isinstance(obj, Span):
        return Span(path, obj.line + offset, obj.column)
    if isinstance(obj, tuple):
        return tuple(_shift(i, path, offset) for i in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: _shift(getattr(obj, f.name), path, offset)
                   for f in dataclasses.fields(obj)
                   if isinstance(getattr(obj, f.name), (Span, tuple)) or
                   dataclasses.is_dataclass(getattr(obj, f.name))}
        if "end_line" in {f.name for f in dataclasses.fields(obj)}:
            changes["end_line"] = obj.end_line + offset  # type: ignore[attr-defined]
        return dataclasses.replace(obj, **changes)
    return obj


# -- Helm values ----------------------------------------------------------------------------

def helm_values(path: str, data: Any) -> HelmValues:
    image = _map(data, "image")
    repository = as_str(image.get("repository"))
    tag = as_str(image.get("tag"))
    ref = None
    if repository:  # an empty tag is the chart's appVersion: pinned by the chart
        ref = parse_image(f"{repository}:{tag}" if tag else repository)
    # `autoscaling` is what `helm create` writes; `hpa` a common alternative
    scaling_key = "autoscaling" if "autoscaling" in data or "hpa" not in data else "hpa"
    scaling = _map(data, scaling_key)
    service = _map(data, "service")
    ingress = _map(data, "ingress")
    security = {**_map(data, "podSecurityContext"), **_map(data, "securityContext")}
    security_key = next((k for k in ("securityContext", "podSecurityContext")
                         if _map(data, k)), None) or next(
        (k for k in ("podSecurityContext", "securityContext") if k in data), None)
    probes = tuple(read_probe(path, data[key], kind, _span(path, data, key))
                   for key, kind in _PROBES if isinstance(data.get(key), dict))
    env = data.get("env")
    return HelmValues(
        path, _span(path, data, "image") if "image" in data else Span(path, 1),
        as_int(data.get("replicaCount")),
        _span(path, data, "replicaCount") if "replicaCount" in data else None,
        ref, _span(path, image, "tag" if tag else "repository") if repository and tag else None,
        probes,
        read_resources(path, data["resources"], _span(path, data, "resources"))
        if isinstance(data.get("resources"), dict) else None,
        as_bool(scaling.get("enabled")),
        _span(path, scaling, "enabled") if "enabled" in scaling else None,
        as_int(scaling.get("minReplicas")), as_int(scaling.get("maxReplicas")),
        _span(path, scaling, "minReplicas") if "minReplicas" in scaling else None,
        _span(path, scaling, "maxReplicas") if "maxReplicas" in scaling else None,
        as_str(service.get("type")), _span(path, service, "type") if "type" in service else None,
        as_int(service.get("port")), _port(service.get("targetPort")),
        as_bool(ingress.get("enabled")),
        _span(path, ingress, "enabled") if "enabled" in ingress else None,
        bool(ingress.get("tls")) if "tls" in ingress else None,
        as_bool(security.get("runAsNonRoot")), as_int(security.get("runAsUser")),
        _span(path, data, security_key) if security_key else None,
        read_env(path, env) if isinstance(env, list) else (),
        _gpu_hints(path, data))


def chart_directory(path: str) -> str:
    return posixpath.dirname(path)
