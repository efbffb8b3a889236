"""The Kubernetes model: manifests (multi-document YAML), Kustomize files and Helm values.

Objects carry only what the rules read: workloads (Deployment, StatefulSet, DaemonSet ...)
with their pod's containers, probes, resources, security context and rollout strategy;
Services with their ports; Ingresses with their backends and TLS; autoscalers
(HorizontalPodAutoscaler, KEDA ScaledObject). Every field is optional (None: not
written), because the same classes hold Kustomize strategic-merge patches, which write
only what they change: `merge(base, patch)` applies one to the other the way Kustomize
does (mappings merge, named lists merge by name, everything else is replaced) and every
merged value keeps the span of the file and line it was written at.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar

from mlaudit.models.compose import EnvVar
from mlaudit.models.image import ImageRef
from mlaudit.span import Span

T = TypeVar("T")

# `Rollout` is Argo Rollouts' drop-in Deployment (same pod template, canary/blue-green).
WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                            "Job", "CronJob", "Pod", "Rollout"})
# Workloads that keep serving (a Job runs to completion: probes and replicas mean little).
SERVING_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod",
                           "Rollout"})


@dataclass(frozen=True, slots=True)
class Probe:
    """A container probe. `kind`: readiness, liveness, startup. `handler`: http, tcp,
    grpc, exec. `port` is a number or a named container port."""

    kind: str
    span: Span
    handler: str | None = None
    path: str | None = None
    port: int | str | None = None
    command: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.kind


@dataclass(frozen=True, slots=True)
class ContainerPort:
    port: int | None
    span: Span
    name: str | None = None

    @property
    def key(self) -> str:
        return str(self.port)


@dataclass(frozen=True, slots=True)
class EnvEntry:
    """An `env` item: a literal `value`, or `ref` (secretKeyRef, configMapKeyRef,
    fieldRef, resourceFieldRef) when taken from elsewhere."""

    name: str
    span: Span
    value: str | None = None
    ref: str | None = None

    @property
    def key(self) -> str:
        return self.name

    def as_env_var(self) -> EnvVar:
        return EnvVar(self.name, self.value if self.ref is None else None, self.span)


@dataclass(frozen=True, slots=True)
class Resources:
    """`resources:` of a container; quantities as written (`"500m"`, `2Gi`, `1`)."""

    span: Span
    requests: tuple[tuple[str, str], ...] | None = None
    limits: tuple[tuple[str, str], ...] | None = None

    def has(self, section: str, name: str) -> bool:
        return any(k == name for k, _ in (getattr(self, section) or ()))


@dataclass(frozen=True)
class Container:
    name: str
    span: Span
    image: ImageRef | None = None
    image_span: Span | None = None
    command: tuple[str, ...] | None = None
    args: tuple[str, ...] | None = None
    command_span: Span | None = None
    ports: tuple[ContainerPort, ...] | None = None
    probes: tuple[Probe, ...] | None = None
    resources: Resources | None = None
    env: tuple[EnvEntry, ...] | None = None
    run_as_non_root: bool | None = None
    run_as_user: int | None = None
    security_span: Span | None = None
    init: bool = False

    @property
    def key(self) -> str:
        return self.name

    def probe(self, kind: str) -> Probe | None:
        return next((p for p in self.probes or () if p.kind == kind), None)

    @property
    def argv(self) -> tuple[str, ...]:
        return (*(self.command or ()), *(self.args or ()))


@dataclass(frozen=True)
class Workload:
    """A Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod."""

    kind: str
    name: str
    span: Span  # the object's first line
    end_line: int = 0
    namespace: str | None = None
    replicas: int | str | None = None
    replicas_span: Span | None = None
    labels: tuple[tuple[str, str], ...] | None = None  # the pod template's labels
    containers: tuple[Container, ...] | None = None
    init_containers: tuple[Container, ...] | None = None
    max_unavailable: int | str | None = None
    max_unavailable_span: Span | None = None
    strategy_type: str | None = None
    run_as_non_root: bool | None = None  # pod securityContext
    run_as_user: int | None = None
    security_span: Span | None = None
    gpu_hints: tuple[tuple[str, Span], ...] | None = None  # nodeSelector/tolerations/affinity

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True, slots=True)
class ServicePort:
    span: Span
    port: int | None = None
    target_port: int | str | None = None
    node_port: int | None = None
    name: str | None = None

    @property
    def key(self) -> str:
        return f"{self.port}/{self.name}"


@dataclass(frozen=True)
class KubeService:
    name: str
    span: Span
    end_line: int = 0
    namespace: str | None = None
    annotations: tuple[tuple[str, str], ...] | None = None
    type: str | None = None  # ClusterIP when None
    type_span: Span | None = None
    selector: tuple[tuple[str, str], ...] | None = None
    ports: tuple[ServicePort, ...] | None = None
    kind: str = "Service"

    @property
    def key(self) -> str:
        return f"Service/{self.name}"


@dataclass(frozen=True, slots=True)
class IngressBackend:
    service: str
    span: Span
    port: int | str | None = None
    host: str | None = None
    path: str | None = None

    @property
    def key(self) -> str:
        return f"{self.host}{self.path}->{self.service}"


@dataclass(frozen=True)
class Ingress:
    name: str
    span: Span
    end_line: int = 0
    namespace: str | None = None
    annotations: tuple[tuple[str, str], ...] | None = None
    tls: bool | None = None
    tls_span: Span | None = None
    backends: tuple[IngressBackend, ...] | None = None
    kind: str = "Ingress"

    @property
    def key(self) -> str:
        return f"Ingress/{self.name}"


@dataclass(frozen=True)
class Autoscaler:
    """A HorizontalPodAutoscaler or a KEDA ScaledObject and the workload it scales."""

    kind: str
    name: str
    span: Span
    end_line: int = 0
    namespace: str | None = None
    target_kind: str | None = None
    target_name: str | None = None
    min_replicas: int | None = None
    max_replicas: int | None = None
    min_span: Span | None = None
    max_span: Span | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"


KubeObject = Workload | KubeService | Ingress | Autoscaler


@dataclass(frozen=True)
class Manifest:
    """A YAML file of Kubernetes objects (plain, or rendered Helm output)."""

    path: str
    objects: tuple[KubeObject, ...] = ()
    other_kinds: tuple[str, ...] = ()  # ConfigMap, Namespace ...: present, not modelled


@dataclass(frozen=True, slots=True)
class KustomizeImage:
    name: str
    span: Span
    new_name: str | None = None
    new_tag: str | None = None
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class KustomizePatch:
    """A patch: a file (`path`), or `inline` objects; JSON 6902 `operations` as
    (op, path, value, span) for the paths mlaudit applies."""

    span: Span
    path: str | None = None
    inline: tuple[KubeObject, ...] = ()
    target_kind: str | None = None
    target_name: str | None = None
    operations: tuple[tuple[str, str, Any, Span], ...] = ()


@dataclass(frozen=True)
class Kustomization:
    path: str
    span: Span
    resources: tuple[tuple[str, Span], ...] = ()  # repo-relative files or directories
    patches: tuple[KustomizePatch, ...] = ()
    images: tuple[KustomizeImage, ...] = ()
    replicas: tuple[tuple[str, int, Span], ...] = ()
    name_prefix: str | None = None
    name_suffix: str | None = None
    namespace: str | None = None


@dataclass(frozen=True)
class HelmValues:
    """A chart's `values*.yaml`, read through the `helm create` conventions."""

    path: str
    span: Span  # the `image:` key: where the chart's container is described
    replicas: int | None = None
    replicas_span: Span | None = None
    image: ImageRef | None = None
    image_span: Span | None = None
    probes: tuple[Probe, ...] = ()
    resources: Resources | None = None
    autoscaling: bool | None = None
    autoscaling_span: Span | None = None
    min_replicas: int | None = None
    max_replicas: int | None = None
    min_span: Span | None = None
    max_span: Span | None = None
    service_type: str | None = None
    service_type_span: Span | None = None
    service_port: int | None = None
    target_port: int | str | None = None
    ingress_enabled: bool | None = None
    ingress_span: Span | None = None
    ingress_tls: bool | None = None
    run_as_non_root: bool | None = None
    run_as_user: int | None = None
    security_span: Span | None = None
    env: tuple[EnvEntry, ...] = ()
    gpu_hints: tuple[tuple[str, Span], ...] = ()


@dataclass(frozen=True)
class HelmChart:
    """A `Chart.yaml`: the chart's name and version."""

    path: str
    name: str
    span: Span
    version: str | None = None


def merge(base: T, patch: T) -> T:
    """`patch` applied to `base` as a strategic merge: set fields win, named items merge."""
    if not dataclasses.is_dataclass(base) or type(base) is not type(patch):
        return patch
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(base):
        new = getattr(patch, field.name)
        old = getattr(base, field.name)
        if new is None or new == () or field.name in ("span", "end_line", "name", "kind"):
            continue  # not written by the patch
        if isinstance(new, tuple) and isinstance(old, tuple) and new and \
                hasattr(new[0], "key"):
            changes[field.name] = merge_items(old, new)
        elif isinstance(new, tuple) and isinstance(old, tuple) and new and \
                isinstance(new[0], tuple):  # a mapping kept as pairs: merged key by key
            changes[field.name] = tuple({**dict(old), **dict(new)}.items())
        elif dataclasses.is_dataclass(new) and dataclasses.is_dataclass(old):
            changes[field.name] = merge(old, new)
        else:
            changes[field.name] = new
    return dataclasses.replace(base, **changes)  # type: ignore[type-var]


def merge_items(old: tuple[Any, ...], new: tuple[Any, ...]) -> tuple[Any, ...]:
    out = list(old)
    for item in new:
        index = next((i for i, o in enumerate(out) if o.key == item.key), None)
        if index is None:
            out.append(item)
        else:
            out[index] = merge(out[index], item)
    return tuple(out)


@dataclass(frozen=True)
class KubeApp:
    """One Kubernetes deployment unit, resolved: the plain manifests of a directory, a
    Kustomize overlay with its bases merged, a Helm chart read through its values, or the
    `kubernetes_*` resources of a Terraform root. `objects` are what the cluster would
    receive (names prefixed, patches, images and replicas applied); `files` what it reads.
    """

    unit: str
    kind: str  # kubernetes-manifests, kustomize-overlay, helm-chart, terraform-kubernetes
    name: str
    path: str
    span: Span
    objects: tuple[KubeObject, ...] = ()
    files: tuple[str, ...] = ()
    # what is rendered by templates the model does not read (Helm): "cannot tell" facts
    notes: tuple[str, ...] = ()
    other_kinds: tuple[str, ...] = ()  # kinds present but not modelled (LimitRange ...)

    def workloads(self) -> list[Workload]:
        return [o for o in self.objects if isinstance(o, Workload)]

    def services(self) -> list[KubeService]:
        return [o for o in self.objects if isinstance(o, KubeService)]

    def ingresses(self) -> list[Ingress]:
        return [o for o in self.objects if isinstance(o, Ingress)]

    def autoscalers(self) -> list[Autoscaler]:
        return [o for o in self.objects if isinstance(o, Autoscaler)]

    def selected_by(self, service: KubeService) -> list[Workload]:
        """Workloads whose pod labels match a Service's selector (all keys equal)."""
        selector = dict(service.selector or ())
        if not selector:
            return []
        return [w for w in self.workloads()
                if selector.items() <= dict(w.labels or ()).items()]

    def scaled(self, workload: Workload) -> list[Autoscaler]:
        return [a for a in self.autoscalers() if a.target_name == workload.name
                and (a.target_kind or "Deployment") == workload.kind]
