"""Recognise SageMaker bring-your-own-container images from what their files say.

Evidence, strongest first:
- the Dockerfile builds on a SageMaker image (a Deep Learning Container
  `<account>.dkr.ecr.<region>.amazonaws.com/<framework>-inference|training`, a
  `sagemaker-*-serving` / `sagemaker-scikit-learn` / `sagemaker-xgboost` image), installs a
  SageMaker toolkit (`sagemaker-inference`, `sagemaker-training`, `multi-model-server`) or
  sets `SAGEMAKER_*` variables;
- it copies its programs to `/opt/ml/code`, or to `/opt/program` (the BYOC convention)
  *together with* a `serve` or `train` program, or a contract nginx config;
- an nginx config implementing the inference contract: every server listens on 8080 and
  proxies only `/ping` and `/invocations` (and `/execution-parameters`), with a `serve`
  program beside it that starts nginx and the app server.

Directory names never decide. `serve`/`train` have no extension and are not scanned
files: their text is read through the project (inside the root only).
"""

from __future__ import annotations

import bisect
import fnmatch
import json
import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mlaudit.models.dockerfile import Dockerfile, Instruction, Stage
from mlaudit.project import ParsedProject
from mlaudit.span import Span

# A Dockerfile-only scan (pre-commit) never loads the nginx model, nor the SageMaker
# model unless a container is found (most Dockerfiles are not one).
if TYPE_CHECKING:
    from mlaudit.models.nginx import NginxConfig
    from mlaudit.models.sagemaker import SageMakerContainer

_ECR = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$")
# The Deep Learning Container repositories (a company's own `fraud-inference` repository in
# ECR is not one): framework, then -inference or -training.
_DLC_REPOSITORY = re.compile(
    r"^(?:(?:pytorch|tensorflow|mxnet|huggingface-[\w-]+|autogluon|stabilityai-pytorch|"
    r"sagemaker-[\w-]+)-(?:inference|training)|djl-inference)\b", re.I)
_SAGEMAKER_IMAGE = re.compile(
    r"^sagemaker-[\w.-]*(?:serving|inference|training|scikit-learn|xgboost|sparkml)", re.I)
_TOOLKITS = {"sagemaker-inference": "serve", "multi-model-server": "serve",
             "sagemaker-training": "train", "sagemaker-containers": "train"}
_PROGRAM_DIRS = ("/opt/program", "/opt/ml/code")
_CONTRACT_WORDS = {"ping", "invocations", "execution-parameters"}
_STARTS_NGINX = re.compile(r"\bnginx\b")
_STARTS_APP = re.compile(r"\b(?:gunicorn|uvicorn|waitress|multi-model-server|mms|"
                         r"model[-_]server|torchserve)\b", re.I)
_PROGRAMS = ("serve", "train")


def is_contract_nginx(config: NginxConfig) -> bool:
    """Every HTTP server listens on 8080 only and proxies nothing but the SageMaker
    inference paths (other locations may only answer locally, e.g. `return 404`)."""
    from mlaudit.models.sagemaker import SAGEMAKER_PORT

    servers = [s for s in config.servers if not s.stream]
    if not servers:
        return False
    saw_invocations = False
    for server in servers:
        if not server.listens or any(listen.port != SAGEMAKER_PORT or listen.unix is not None
                                     for listen in server.listens):
            return False
        for location in server.all_locations():
            if location.proxy is None:
                continue
            words = set(re.findall(r"[a-z][a-z-]*", location.path.lower()))
            if not words or not words <= _CONTRACT_WORDS:
                return False
            saw_invocations = saw_invocations or "invocations" in words
    return saw_invocations


@dataclass
class _Copy:
    sources: list[str]
    dest: str
    span: Span


@dataclass
class _Found:
    evidence: list[tuple[Span, str]] = field(default_factory=list)
    program_dir: tuple[Span, str] | None = None
    serve: bool = False
    train: bool = False


def _copies(stage: Stage) -> list[_Copy]:
    out: list[_Copy] = []
    for ins in stage.instructions:
        if ins.keyword not in ("COPY", "ADD"):
            continue
        args = _args(ins)
        if any(a.startswith("--from") for a in args):
            continue  # from another stage or image: not a repository file
        paths = [a for a in args if not a.startswith("--")]
        if len(paths) >= 2:
            out.append(_Copy(paths[:-1], paths[-1], ins.span))
    return out


def _args(ins: Instruction) -> list[str]:
    text = ins.value.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
    return text.split()


def _under(path: str, directory: str) -> bool:
    return directory in ("", ".") or path == directory or path.startswith(directory + "/")


def _norm(path: str) -> str:
    out = posixpath.normpath(path)
    return "" if out == "." else out


class _Files:
    """Repository paths (scanned files and parsed models) and reads of unscanned ones."""

    def __init__(self, project: ParsedProject) -> None:
        self.project = project
        self.paths = sorted({f.path for f in project.files} | set(project.models))
        self._set = set(self.paths)
        self._text: dict[str, str | None] = {}

    def under(self, directory: str) -> list[str]:
        """The paths `_under` the directory, in order, by bisection on the sorted list
        (a scan per COPY is quadratic on a monorepo): the path itself, then every path
        starting with `directory/` ('0' is the character after '/')."""
        if directory in ("", "."):
            return list(self.paths)
        lo = bisect.bisect_left(self.paths, directory + "/")
        hi = bisect.bisect_left(self.paths, directory + "0")
        exact = [directory] if directory in self._set else []
        return exact + self.paths[lo:hi]

    def text(self, path: str) -> str | None:
        if path not in self._text:
            self._text[path] = self.project.read_text(path) if path else None
        return self._text[path]

    def copied(self, context: str, source: str) -> tuple[list[str], list[str]]:
        """(scanned files a COPY source brings in, candidate program paths)."""
        norm = _norm(posixpath.join(context, source.rstrip("/") or "."))
        if any(c in source for c in "*?["):
            files = [p for p in self.under(context) if fnmatch.fnmatchcase(p, norm)]
            programs = [f"{posixpath.dirname(norm)}/{name}".lstrip("/") for name in _PROGRAMS
                        if fnmatch.fnmatchcase(name, posixpath.basename(norm))]
            return files, programs
        files = self.under(norm)
        if posixpath.basename(norm) in _PROGRAMS:
            return files, [norm]
        return files, [posixpath.join(norm, name) if norm else name for name in _PROGRAMS]


def _base_image(stage: Stage) -> str | None:
    ref = stage.image
    family = ref.repository.rsplit("/", 1)[-1]
    if _ECR.match(ref.registry or "") and (
            _DLC_REPOSITORY.match(family) or "sagemaker" in (ref.tag or "").lower()):
        return f"builds on the SageMaker Deep Learning Container {ref.raw}"
    if _SAGEMAKER_IMAGE.match(family):
        return f"builds on the SageMaker image {ref.raw}"
    return None


def _starts_servers(text: str | None) -> bool:
    return text is not None and bool(_STARTS_NGINX.search(text)) and bool(
        _STARTS_APP.search(text))


def _from_dockerfile(dockerfile: Dockerfile, files: _Files, configs: dict[str, NginxConfig]
                     ) -> SageMakerContainer | None:
    final = dockerfile.final_stage
    if final is None:
        return None
    context = _norm(posixpath.dirname(dockerfile.path))
    found = _Found()
    base = _base_image(final)
    if base is not None:
        found.evidence.append((final.from_span, base))
        found.serve = found.serve or "inference" in final.image.raw
    for package in final.packages:
        role = _TOOLKITS.get(package)
        if role is not None:
            span = next((i.span for i in final.instructions
                         if i.keyword == "RUN" and package in i.value.lower()), final.from_span)
            found.evidence.append((span, f"installs the SageMaker toolkit {package}"))
            setattr(found, role, True)
    env = sorted(k for k in final.env if k.upper().startswith("SAGEMAKER_"))
    if env:
        span = next((i.span for i in final.instructions
                     if i.keyword == "ENV" and env[0] in i.value), final.from_span)
        found.evidence.append((span, f"sets {env[0]}"))
    copied: list[str] = [dockerfile.path]
    for copy in _copies(final):
        dest = copy.dest.rstrip("/") or "/"
        into_program = next((d for d in _PROGRAM_DIRS if _under(dest, d)), None)
        for source in copy.sources:
            paths, programs = files.copied(context, source)
            copied.extend(paths)
            for program in programs:
                name = posixpath.basename(program)
                if program in paths or files.text(program) is not None:
                    copied.append(program)
                    setattr(found, name, True)
        if into_program == "/opt/ml/code":
            found.evidence.append((copy.span, "copies its code to /opt/ml/code"))
        elif into_program is not None and found.program_dir is None:
            found.program_dir = (copy.span, f"copies its program to {into_program}")
    # ENTRYPOINT/CMD naming the programs (`python /serve.py`, `serve`).
    launched = {posixpath.basename(a).removesuffix(".py") for a in final.launch_argv}
    found.serve = found.serve or "serve" in launched
    found.train = found.train or "train" in launched
    files_in = tuple(dict.fromkeys(copied))
    # By path, not a walk over every config per Dockerfile (quadratic on a monorepo);
    # configs are sorted by path, so sorting keeps their order.
    nginx = tuple(sorted(p for p in files_in if p in configs))
    contract = [configs[p] for p in nginx if is_contract_nginx(configs[p])]
    if found.program_dir is not None and (found.serve or found.train or contract):
        found.evidence.append(found.program_dir)
    if contract and any(_starts_servers(files.text(p)) for p in files_in
                        if posixpath.basename(p).removesuffix(".py") == "serve"):
        found.evidence.append((contract[0].servers[0].span,
                               "its nginx config implements the SageMaker inference contract "
                               "(/ping and /invocations on 8080) for its serve program"))
    if not found.evidence:
        return None
    from mlaudit.models.sagemaker import SageMakerContainer

    kind = "serve" if found.serve or contract else "train"
    names = tuple(p for p in _PROGRAMS if getattr(found, p))
    evidence = tuple(dict.fromkeys(found.evidence))  # one note per instruction and reason
    return SageMakerContainer(context, dockerfile.path, kind, final.from_span, files_in, nginx,
                              names, evidence)


def _from_nginx(config: NginxConfig, files: _Files) -> SageMakerContainer | None:
    """A contract nginx config with a `serve` program beside it that starts nginx and
    the app server (no Dockerfile of the repository builds it)."""
    if not is_contract_nginx(config):
        return None
    directory = _norm(posixpath.dirname(config.path))
    serve = next((p for p in (posixpath.join(directory, n) for n in ("serve", "serve.py"))
                  if _starts_servers(files.text(p))), None)
    if serve is None:
        return None
    programs = ["serve"]
    members = [config.path, serve]
    train = posixpath.join(directory, "train")
    if files.text(train) is not None:
        programs.append("train")
        members.append(train)
    members += [p for p in files.paths if posixpath.dirname(p) == directory]
    span = config.servers[0].span
    from mlaudit.models.sagemaker import SageMakerContainer

    return SageMakerContainer(
        directory, None, "serve", span, tuple(dict.fromkeys(members)), (config.path,),
        tuple(programs), ((span, "its nginx config implements the SageMaker inference "
                          f"contract (/ping and /invocations on 8080) and {serve} starts "
                          "nginx and the app server"),))


def sagemaker_containers(project: ParsedProject, deployment: Any = None
                         ) -> list[SageMakerContainer]:
    """Every SageMaker container of the repository. With the deployment model, each says
    where else the repository runs its image (compose, ECS, EC2)."""
    files = _Files(project)
    configs = sorted((m for m in project.models.values()
                      if type(m).__name__ == "NginxConfig"), key=lambda c: c.path)
    by_path = {c.path: c for c in configs}
    out: list[SageMakerContainer] = []
    for dockerfile in sorted(project.of_type(Dockerfile), key=lambda d: d.path):
        container = _from_dockerfile(dockerfile, files, by_path)
        if container is not None:
            out.append(container)
    claimed = {path for c in out for path in c.nginx}
    for config in configs:
        if config.path not in claimed:
            container = _from_nginx(config, files)
            if container is not None:
                out.append(container)
    if deployment is not None:
        out = [_runtimes(c, deployment) for c in out]
    return out


def _runtimes(container: SageMakerContainer, deployment: Any) -> SageMakerContainer:
    if container.dockerfile is None:
        return container
    services = deployment.service_for_dockerfile(container.dockerfile)
    if not services:
        return container
    return replace(container, other_runtimes=tuple(
        (s.span, f"{s.platform} service {s.name} runs this image") for s in services))
