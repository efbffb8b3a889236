"""What an image built from an in-repo Dockerfile is for, beyond "it starts a server".

- A SageMaker TRAINING image serves nothing: SageMaker runs it as `docker run IMAGE train`
  (docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-dockerfile.html),
  while a serving image is run with `serve`. Evidence: its ENTRYPOINT/CMD runs a program
  named `train` (`train`, `train.py`, `train.sh`) and no `serve`; or it copies a `train`
  program into the SageMaker program directory (/opt/program, /opt/ml/code) and no `serve`.
- An image Knative runs: Knative's queue-proxy probes the container itself (a TCP probe by
  default, or the Service's readinessProbe) and ignores a Docker HEALTHCHECK. Evidence: a
  Knative `Service` manifest (`serving.knative.dev`) in the Dockerfile's directory or one of
  its two parents, or a Serverless Framework file with the knative provider there naming
  the Dockerfile. (`ko://` image references build Go images with no Dockerfile at all.)
"""

from __future__ import annotations

import posixpath
import re
import shlex

from mlaudit.models.dockerfile import Dockerfile
from mlaudit.project import ParsedProject

__all__ = ["is_training_image", "knative_deployed"]

_TRAIN = frozenset({"train", "train.py", "train.sh"})
_SERVE = frozenset({"serve", "serve.py", "serve.sh"})
_PROGRAM_DIRS = ("/opt/program", "/opt/ml/code")


def _names(argv: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    for arg in argv:
        for word in re.split(r"\s+|&&|;", arg):
            if word:
                out.add(posixpath.basename(word.rstrip("/")))
    return out


def is_training_image(dockerfile: Dockerfile, project: ParsedProject | None = None) -> bool:
    final = dockerfile.final_stage
    if final is None:
        return False
    launched = _names(final.launch_argv)
    if launched & _TRAIN:
        return not launched & _SERVE
    copied: set[str] = set()
    context = posixpath.dirname(dockerfile.path)
    for stage in dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword not in ("COPY", "ADD"):
                continue
            try:
                words = [w for w in shlex.split(instruction.value) if not w.startswith("--")]
            except ValueError:
                continue
            if len(words) < 2 or not words[-1].startswith(_PROGRAM_DIRS):
                continue
            destination = words[-1].rstrip("/")
            for source in words[:-1]:
                name = posixpath.basename(source.rstrip("/"))
                copied.add(name)
                if destination.endswith("/" + name) or project is None:
                    continue
                # A directory copied whole (`COPY model /opt/program`): look inside it.
                for program in ("train", "serve"):
                    inner = posixpath.normpath(posixpath.join(context, source, program))
                    if not inner.startswith("..") and project.read_text(inner) is not None:
                        copied.add(program)
    return bool(copied & _TRAIN) and not copied & _SERVE


def knative_deployed(project: ParsedProject, dockerfile_path: str) -> bool:
    directory = posixpath.dirname(dockerfile_path)
    near = {directory}
    for _ in range(2):
        directory = posixpath.dirname(directory)
        near.add(directory)
    name = posixpath.basename(dockerfile_path)
    for source in project.files:
        path = source.path
        if not path.endswith((".yml", ".yaml")) or posixpath.dirname(path) not in near:
            continue
        text = project.read_text(path) or ""
        if "serving.knative.dev" in text and re.search(r"(?m)^\s*kind:\s*Service\b", text):
            return True
        if posixpath.basename(path).startswith("serverless.") and \
                re.search(r"(?m)^\s*name:\s*knative\b", text) and name in text:
            return True
    return False
