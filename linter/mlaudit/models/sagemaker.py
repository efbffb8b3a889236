"""SageMaker bring-your-own-container images, as the repository's files show them.

SageMaker runs a serving image as `docker run IMAGE serve`, sends `GET /ping` and
`POST /invocations` to port 8080 and puts its own HTTPS endpoint in front (SigV4 auth,
throttling, TLS, autoscaling). The nginx + gunicorn inside such an image is internal: edge
settings (TLS, rate limits, proxy headers, server tokens) belong to the endpoint. A
training image runs `train` and serves nothing.

Detected from content (`mlaudit.deployment.sagemaker`), never from directory names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlaudit.span import Span

# The SageMaker inference contract.
SAGEMAKER_PORT = 8080
SAGEMAKER_PATHS = ("/ping", "/invocations")
SAGEMAKER_HEALTH_PATH = "/ping"


@dataclass(frozen=True)
class SageMakerContainer:
    """One SageMaker container. `kind`: "serve" (SageMaker hosts it behind an endpoint)
    or "train" (a training job runs it; it serves nothing).

    `directory` is the build context (the Dockerfile's directory), or the program's
    directory when no Dockerfile of the repository builds it. `files` are the repository
    files that go into the image (the Dockerfile, what it COPYs/ADDs), `nginx` the nginx
    configs among them. `programs` names the SageMaker programs found (serve, train).
    `evidence` says why it was recognised, strongest first. `other_runtimes` lists where
    else the repository runs the same image (a compose or ECS service): there its nginx
    may face the internet, so the edge rules still apply.
    """

    directory: str
    dockerfile: str | None
    kind: str
    span: Span
    files: tuple[str, ...] = ()
    nginx: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    evidence: tuple[tuple[Span, str], ...] = ()
    other_runtimes: tuple[tuple[Span, str], ...] = ()

    @property
    def serves(self) -> bool:
        return self.kind == "serve"

    @property
    def behind_endpoint_only(self) -> bool:
        """Reached only through a SageMaker endpoint (nothing else in the repository
        runs it): TLS, auth and rate limits are the endpoint's."""
        return not self.other_runtimes

    @property
    def reason(self) -> str:
        return self.evidence[0][1] if self.evidence else "SageMaker container"


# --- Endpoints: what SageMaker hosts, from Terraform, CloudFormation/SAM, or the SDK -------

# Instance families with NVIDIA GPUs (ml.g4dn, ml.g5, ml.g6, ml.g6e, ml.p3, ml.p4d, ml.p5):
# Inferentia (ml.inf*) and Trainium are accelerators of their own and are not matched.
GPU_INSTANCE_PREFIXES = ("ml.g4dn.", "ml.g5.", "ml.g6.", "ml.g6e.", "ml.p2.", "ml.p3.",
                         "ml.p3dn.", "ml.p4d.", "ml.p4de.", "ml.p5.", "ml.p5e.", "ml.g4ad.")
# Frameworks whose models serve comfortably from CPU and a few GB (tree ensembles, linear
# models, ONNX graphs), and those that import a heavy runtime before the first answer.
LIGHT_FRAMEWORKS = frozenset({"sklearn", "xgboost", "lightgbm", "catboost", "onnx",
                              "linear-learner", "sparkml"})
HEAVY_FRAMEWORKS = frozenset({"huggingface", "pytorch", "tensorflow", "djl", "tgi", "mxnet",
                              "stabilityai"})


def is_gpu_instance(instance_type: str | None) -> bool:
    return bool(instance_type) and str(instance_type).lower().startswith(GPU_INSTANCE_PREFIXES)


@dataclass(frozen=True)
class SageMakerModel:
    """A SageMaker model: the container(s) an endpoint variant runs.

    `frameworks` says what the declaration shows the model to be: from the SDK class
    (`SKLearnModel`, `HuggingFaceModel`), an `image_uris.retrieve("xgboost", ...)` call, a
    built-in or Deep Learning Container image name, or a `.onnx` artifact. `environment`
    holds the containers' plain environment (`compose.EnvVar`, value None = unresolved).
    """

    name: str
    span: Span
    image: str | None = None
    image_span: Span | None = None
    model_data: str | None = None
    model_data_span: Span | None = None
    frameworks: tuple[str, ...] = ()
    framework_span: Span | None = None
    environment: tuple[Any, ...] = ()


@dataclass(frozen=True)
class SageMakerVariant:
    """A production variant. Real-time: `instance_type` and `instance_count` (None: unset
    or unresolved, `count_unknown` telling which). Serverless: `serverless` with its memory
    and provisioned concurrency (None: not configured; `provisioned_unknown`: set to a value
    that cannot be read)."""

    name: str
    span: Span
    model: SageMakerModel | None = None
    model_unknown: bool = False
    instance_type: str | None = None
    instance_type_span: Span | None = None
    instance_count: int | None = None
    count_span: Span | None = None
    count_unknown: bool = False
    serverless: bool = False
    serverless_span: Span | None = None
    memory_mb: int | None = None
    memory_span: Span | None = None
    memory_unknown: bool = False
    provisioned_concurrency: int | None = None
    provisioned_unknown: bool = False


@dataclass(frozen=True)
class SageMakerScaling:
    """An Application Auto Scaling target or policy in the `sagemaker` namespace.

    `endpoint` is how it names the endpoint: a literal endpoint name, or `ref:<address>` for
    a reference to the declaring resource (Terraform `aws_sagemaker_endpoint.x.name`, a
    CloudFormation `!Ref`/`!GetAtt` of the endpoint); None: cannot tell. `target` is the
    target a policy attaches to (`ref:` form), when it names it by reference.
    """

    span: Span
    policy: bool
    endpoint: str | None
    variant: str | None
    target: str | None = None
    key: str | None = None  # a target's own `ref:` identity


@dataclass(frozen=True)
class SageMakerEndpoint:
    """A SageMaker endpoint as one place declares it. `source`: terraform, cloudformation,
    sdk (a Python deploy script) or notebook (a Jupyter notebook's code cell; spans are
    lines of the .ipynb file). `names` are the identities scaling may use for it (its
    literal name, `ref:<address>`). `data_capture`: True enabled, False absent or disabled,
    None cannot tell. `scaled` (set by the deployment builder): the variants with a scalable
    target and an attached policy; `scaling_unknown`: a target or policy that may name it
    could not be resolved (cannot tell)."""

    key: str
    name: str
    path: str
    span: Span
    source: str
    variants: tuple[SageMakerVariant, ...] = ()
    names: tuple[str, ...] = ()
    data_capture: bool | None = None
    data_capture_span: Span | None = None
    asynchronous: bool = False
    # Deleted again by the code that deploys it (`predictor.delete_endpoint()`): a
    # temporary endpoint of a tutorial, test or benchmark, not a serving deployment.
    temporary: bool = False
    scaled: tuple[str, ...] = ()
    scaling_spans: tuple[tuple[str, Span], ...] = ()
    scaling_unknown: bool = False
    kind: str = "sagemaker-endpoint"

    @property
    def id(self) -> str:
        return f"endpoint:sagemaker:{self.key}"


@dataclass(frozen=True)
class SageMakerDeploys:
    """What one Python file or notebook deploys with the SageMaker Python SDK (or boto3's
    `sagemaker` / `application-autoscaling` clients), read with `ast`, never executed."""

    endpoints: tuple[SageMakerEndpoint, ...] = ()
    scaling: tuple[SageMakerScaling, ...] = ()
