"""What an app's own files say about the model it serves, for the PaaS and SageMaker rules.

"Heavy" is the one list `mlaudit.models.packages.HEAVY_ML_PACKAGES` (torch, transformers,
...), as the Lambda rules (MLA705/MLA706) read it: the requirement files at the top of the
app's directory (requirements*.txt, pyproject.toml), the pip installs and requirement
files of the Dockerfile that builds it, and model files shipped under the directory.
"""

from __future__ import annotations

import math
import posixpath
from typing import Any

from mlaudit.models.dockerfile import Dockerfile
from mlaudit.models.packages import Requirements, is_heavy
from mlaudit.span import Span

# The Lambda rules' floor for a heavy stack: the runtime imports it and holds the weights.
BASE_MB = 1024
MODEL_FACTOR = 2
MODEL_FILE_MIN_BYTES = 50 * 1024 * 1024


def heavy_evidence(deployment: Any, directory: str, dockerfile: str | None = None,
                   min_bytes: int = MODEL_FILE_MIN_BYTES) -> list[tuple[Span, str]]:
    found: list[tuple[Span, str]] = []
    candidates = [dockerfile] if dockerfile else [posixpath.join(directory, "Dockerfile")
                                                  if directory else "Dockerfile"]
    docker = next((d for d in deployment.models(Dockerfile) if d.path in candidates), None)
    installed: set[str] = set()
    if docker is not None and docker.final_stage is not None:
        final = docker.final_stage
        runs = [i for i in final.instructions if i.keyword == "RUN"]
        for name in dict.fromkeys(p for p in final.packages if is_heavy(p)):
            at = next((i.span for i in runs if name in i.value.lower()), final.from_span)
            found.append((at, f"{name} installed by {docker.path}"))
        installed = {posixpath.basename(p) for i in runs for p in i.value.split()
                     if p.endswith((".txt", ".in", ".toml"))}
    for req in sorted(deployment.models(Requirements), key=lambda r: r.path):
        if posixpath.dirname(req.path) != directory:
            continue
        if docker is not None and installed and posixpath.basename(req.path) not in installed:
            continue  # the image installs other files: this one is not what runs
        found += [(r.span, f"{r.name} declared in {req.path}") for r in req.heavy]
    prefix = directory + "/" if directory else ""
    for artifact in deployment.project.artifacts:
        if artifact.path.startswith(prefix) and artifact.size >= min_bytes:
            found.append((Span(artifact.path), f"model file {artifact.path} "
                          f"({artifact.size / 1_000_000:.0f} MB) ships with the app"))
    return found


def model_mb(deployment: Any, directory: str) -> int:
    prefix = directory + "/" if directory else ""
    total: int = sum(a.size for a in deployment.project.artifacts if a.path.startswith(prefix))
    return math.ceil(total / (1024 * 1024))


def memory_need(deployment: Any, directory: str) -> tuple[int, str]:
    """The memory (MB) a heavy app needs, and why: 1 GB plus twice its model files."""
    size = model_mb(deployment, directory)
    need = BASE_MB + MODEL_FACTOR * size
    why = f"{BASE_MB} MB + {MODEL_FACTOR} x {size} MB of model files" if size else \
        f"{BASE_MB} MB for the framework and the weights it loads"
    return need, why
