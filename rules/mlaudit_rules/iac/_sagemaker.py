"""Shared helpers of the SageMaker endpoint rules (MLA350-MLA354)."""

from __future__ import annotations

import re

from mlaudit.models.sagemaker import HEAVY_FRAMEWORKS, SageMakerEndpoint, SageMakerModel
from mlaudit.span import Span

_SOURCES = {"terraform": "Terraform", "cloudformation": "template", "sdk": "deploy script",
            "notebook": "notebook"}
# Words that mark an endpoint as not the production one (its name or its file's path).
_NON_PRODUCTION = re.compile(r"(?:^|[^a-z])(?:dev|development|test|testing|staging|stage|"
                             r"sandbox|demo|experiment|scratch|tmp|poc|bench|benchmark|benchmarking|loadtest|"
                             r"load-test|perf)(?:[^a-z]|$)", re.I)


def describe(endpoint: SageMakerEndpoint) -> str:
    return f"SageMaker endpoint {endpoint.name}"


def heavy_frameworks(model: SageMakerModel | None) -> list[tuple[Span, str]]:
    if model is None:
        return []
    heavy = [f for f in model.frameworks if f in HEAVY_FRAMEWORKS]
    return [(model.framework_span or model.span, f"{f} model ({model.name})") for f in heavy]


def non_production(endpoint: SageMakerEndpoint) -> bool:
    return bool(_NON_PRODUCTION.search(endpoint.name) or _NON_PRODUCTION.search(
        endpoint.path.rsplit("/", 1)[0] if "/" in endpoint.path else ""))
