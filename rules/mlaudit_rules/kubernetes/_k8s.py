"""What the Kubernetes rules share: whether a container serves, and the nodes it became."""

from __future__ import annotations

from typing import Any

from mlaudit.models.command import ServerLaunch, analyse_argv
from mlaudit.models.deployment import Deployment, Image, Service
from mlaudit.models.kubernetes import SERVING_KINDS, Container, KubeApp, Workload
from mlaudit.span import Span

# Published model-server images (registry/repository): they serve HTTP whatever their args.
MODEL_SERVER_IMAGES = frozenset({
    "vllm/vllm-openai", "ghcr.io/huggingface/text-generation-inference",
    "nvcr.io/nvidia/tritonserver", "tensorflow/serving", "pytorch/torchserve", "ollama/ollama",
    "kserve/sklearnserver", "kserve/xgbserver", "kserve/huggingfaceserver",
    "seldonio/mlserver", "bentoml/model-server",
})
# Their last path component, distinctive enough to recognise rebuilds and mirrors
# (`lmcache/vllm-openai`, `myregistry/ml/tritonserver`).
MODEL_SERVER_FAMILIES = frozenset({"vllm-openai", "text-generation-inference",
                                   "tritonserver", "torchserve", "mlserver"})
# App servers that should sit behind a TLS-terminating proxy or load balancer.
APP_SERVERS = frozenset({"uvicorn", "gunicorn", "hypercorn", "daphne", "granian", "fastapi",
                         "flask", "waitress-serve", "streamlit", "gradio", "bentoml", "mlflow",
                         "torchserve", "tritonserver", "vllm", "text-generation-launcher",
                         "litserve"})


def service_node(deployment: Any, app: KubeApp, workload: Workload,
                 container: Container) -> Service | None:
    """The deployment model's node for a container of a workload of `app`."""
    if not isinstance(deployment, Deployment):
        return None
    for node in deployment.services():
        if node.platform == "kubernetes" and node.group == app.unit and \
                node.span == workload.span and node.name.split("/")[:2] == [
                    workload.kind, workload.name] and (
                    node.name.count("/") == 1 or node.name.endswith("/" + container.name)):
            return node
    return None


def image_of(deployment: Any, app: KubeApp, workload: Workload,
             container: Container) -> Image | None:
    node = service_node(deployment, app, workload, container)
    return deployment.image_of(node) if node is not None else None


def server_of(deployment: Any, app: KubeApp, workload: Workload,
              container: Container) -> ServerLaunch | None:
    """The server the container starts: its own command, else its in-repo image's."""
    if container.argv:
        launch = analyse_argv(container.argv)
        if launch is not None or container.command is not None:
            return launch  # a command of its own replaces the image's entry point
    image = image_of(deployment, app, workload, container)
    return image.server if image is not None else None


def serving(deployment: Any, app: KubeApp, workload: Workload,
            container: Container) -> str | None:
    """Why the container serves a model over HTTP (the evidence the rest of mlaudit uses
    for images), or None: an app server in its command or its in-repo image's CMD, a
    Python script with a declared container port, or a published model-server image."""
    if workload.kind not in SERVING_KINDS or container.init:
        return None
    server = server_of(deployment, app, workload, container)
    if server is not None and server.server != "python-script":
        return f"runs {server.server}"
    if server is not None and container.ports:
        return f"runs {server.app or 'a Python script'} on a container port"
    image_node = image_of(deployment, app, workload, container)
    exposed = [p.port for p in image_node.ports if p.port is not None] if image_node else []
    if exposed and not container.command:  # the image's entry point, which EXPOSEs a port
        return f"runs {image_node.dockerfile if image_node else 'its image'} " \
            f"(EXPOSE {exposed[0]})"
    image = container.image
    if image is not None:
        full = f"{image.registry}/{image.repository}" if image.registry else image.repository
        if full in MODEL_SERVER_IMAGES or image.repository in MODEL_SERVER_IMAGES or \
                image.family in MODEL_SERVER_FAMILIES:
            return f"runs model server image {full}"
    return None


def app_server(deployment: Any, app: KubeApp, workload: Workload,
               container: Container) -> str | None:
    """The app server (uvicorn, gunicorn, Triton ...) a container runs, when known."""
    server = server_of(deployment, app, workload, container)
    if server is not None and server.server in APP_SERVERS:
        return server.server
    reason = serving(deployment, app, workload, container)
    return reason.removeprefix("runs model server image ") if reason and \
        reason.startswith("runs model server image") else None


def where(app: KubeApp) -> tuple[Span, str]:
    """A related location naming the unit (merged across overlays sharing a base)."""
    labels = {"kustomize-overlay": "Kustomize overlay", "helm-chart": "Helm chart",
              "kubernetes-manifests": "manifests in", "terraform-kubernetes": "Terraform root"}
    return app.span, f"{labels.get(app.kind, app.kind)} {app.name}"


def title(workload: Workload) -> str:
    return f"{workload.kind} {workload.name}"


# Annotations that terminate TLS at the cloud load balancer (AWS, GKE, Azure, DigitalOcean).
TLS_ANNOTATIONS = ("ssl-cert", "certificate-arn", "managed-certificates", "pre-shared-cert",
                   "ssl-certificate", "certificate-id", "tls-cert")
# Annotations that keep a load balancer or ingress inside the network.
INTERNAL_ANNOTATIONS = ("internal", "scheme: internal")


def annotated(annotations: Any, words: tuple[str, ...]) -> str | None:
    """The first annotation (`key: value`) whose text holds one of `words`."""
    for key, value in annotations or ():
        text = f"{key}: {value}".lower()
        if value.lower() not in ("false", "") and any(w in text for w in words):
            return f"{key}: {value}"
    return None


def port_target(app: KubeApp, service: Any, port: Any,
                deployment: Any) -> list[tuple[Workload, Container, str]]:
    """(workload, container, app server) an app-server container reached by a Service
    port: the container declaring the (named or numbered) target port, or the only
    container of a selected pod."""
    from mlaudit.models.kubernetes import ServicePort

    assert isinstance(port, ServicePort)
    target = port.target_port if port.target_port is not None else port.port
    out: list[tuple[Workload, Container, str]] = []
    for workload in app.selected_by(service):
        containers = [c for c in workload.containers or () if not c.init]
        hit = [c for c in containers if any(
            (p.name == target if isinstance(target, str) else p.port == target)
            for p in c.ports or ())]
        if not hit and isinstance(target, int):
            hit = [c for c in containers if (s := server_of(deployment, app, workload, c))
                   is not None and s.effective_port == target]
        if not hit and len(containers) == 1 and not containers[0].ports:
            hit = containers
        for container in hit:
            server = app_server(deployment, app, workload, container)
            if server is not None:
                out.append((workload, container, server))
    return out
