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
