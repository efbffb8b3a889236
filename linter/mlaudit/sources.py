"""Source files and their kinds. Classification is by path first and content second."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any


class FileKind(enum.Enum):
    DOCKERFILE = "dockerfile"
    PYTHON = "python"
    TERRAFORM = "terraform"  # *.tf
    TERRAFORM_JSON = "terraform-json"  # *.tf.json
    TFVARS = "tfvars"  # *.tfvars, *.auto.tfvars (and their .json forms)
    TERRAFORM_STATE = "terraform-state"
    TERRAFORM_PLAN = "terraform-plan"
    COMPOSE = "compose"
    WORKFLOW = "workflow"
    NGINX = "nginx"
    ECS_TASK_DEFINITION = "ecs-task-definition"
    SAM = "sam"
    SERVERLESS = "serverless"
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    DOTENV = "dotenv"
    NOTEBOOK = "notebook"  # *.ipynb: code cells read as Python
    PAAS = "paas"  # render.yaml, Procfile, app.json, fly.toml
    AWS_CREDENTIALS = "aws-credentials"
    PRIVATE_KEY = "private-key"
    YAML = "yaml"  # any other YAML: scanned for secrets only
    JSON = "json"  # any other JSON: sniffed for plan/state/task definitions
    TEXT = "text"  # any other text file: scanned for secrets only


MODEL_ARTIFACT_SUFFIXES = (
    ".pt", ".pth", ".bin", ".safetensors", ".onnx", ".h5", ".pkl", ".joblib", ".ckpt", ".pb",
    ".tflite", ".gguf",
)


@dataclass(slots=True)
class SourceFile:
    """A file to scan. `path` is repo-relative POSIX; `abspath` is never shown to users."""

    path: str
    abspath: Path
    kind: FileKind
    _text: str | None = field(default=None, repr=False)
    # Results of per-file analyses (`mlaudit.analysis`) by analysis name, attached by the
    # engine after parsing; rules read them through `mlaudit.analysis.result_for`.
    _analyses: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        if self._text is None:
            # "utf-8-sig": a byte-order mark (editors on Windows add one) is no content;
            # left in, it breaks the first line of a Dockerfile, HCL or YAML file.
            self._text = self.abspath.read_bytes().decode("utf-8-sig", errors="replace")
        return self._text

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name


@dataclass(frozen=True, slots=True)
class Artifact:
    """A binary file mlaudit does not read but reasons about (model weights, archives)."""

    path: str
    size: int


_DOCKERFILE_RE = re.compile(
    r"^(?:(?:docker|container)file(?:[.-][\w.-]+)?|[\w.-]+\.(?:docker|container)file)$", re.I
)
_COMPOSE_RE = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$", re.I)
_REQUIREMENTS_RE = re.compile(r"^requirements(?:[-_.][\w.-]+)?\.(?:txt|in)$", re.I)
_TASKDEF_RE = re.compile(r"task[-_]?def(?:inition)?", re.I)
_PRIVATE_KEY_NAMES = {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"}


def classify(path: str) -> FileKind | None:
    """Decide a file's kind from its repo-relative path, or None when mlaudit skips it.

    A Dockerfile-like name (`Dockerfile.prod`, `api.dockerfile`) is a Dockerfile unless its
    extension names another format: `dockerfile.py` is Python, `Dockerfile.yaml` YAML. When
    that extension is a generic text one (`Dockerfile.j2`, `Dockerfile-notes.txt`,
    `Dockerfile.md`) the name cannot tell: it classifies as text here, and discovery reads
    the head (`dockerfile_by_content`) to decide.
    """
    posix = PurePosixPath(path)
    name = posix.name
    kind = _classify(posix)
    if kind is None and _DOCKERFILE_RE.match(name) and not name.lower().endswith(_DOC_SUFFIXES):
        return FileKind.DOCKERFILE
    return kind


# Documentation about a Dockerfile (Dockerfile.md) is documentation, whatever it starts with.
_DOC_SUFFIXES = (".md", ".markdown", ".rst", ".adoc")


def ambiguous_dockerfile_name(path: str) -> bool:
    """A Dockerfile-like name with a generic text extension (see `classify`)."""
    name = PurePosixPath(path).name
    return (bool(_DOCKERFILE_RE.match(name)) and not name.lower().endswith(_DOC_SUFFIXES)
            and _classify(PurePosixPath(path)) is FileKind.TEXT)


# Parser directives are only meaningful in a Dockerfile, and only before any instruction.
_DIRECTIVE_RE = re.compile(r"#\s*(?:syntax|escape|check)\s*=", re.I)


# The whole first line, so prose that happens to start with "From" is not a Dockerfile;
# a template's image may be a placeholder (`FROM {{ base_image }}`).
_FIRST_INSTRUCTION_RE = re.compile(
    r"(?:FROM\s+(?:--\w+=\S+\s+)*(?:\{\{[^}]*\}\}|\S)+(?:\s+AS\s+[\w.-]+)?|ARG\s+\w+(?:=\S*)?)\s*(?:\\)?$",
    re.I)


def dockerfile_by_content(head: bytes) -> bool:
    """Whether a file's first bytes read as a Dockerfile: a parser directive, or a first
    instruction (after comments and blank lines) that is FROM or ARG, as Docker requires."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if _DIRECTIVE_RE.match(line):
                return True
            continue
        return bool(_FIRST_INSTRUCTION_RE.match(line))
    return False


_PAAS_NAMES = frozenset({"render.yaml", "render.yml", "procfile", "app.json", "fly.toml"})


def _classify(posix: PurePosixPath) -> FileKind | None:
    name = posix.name
    lower = name.lower()
    parts = [p.lower() for p in posix.parts]
    if lower in _PAAS_NAMES or (lower.startswith("fly.") and lower.endswith(".toml")):
        return FileKind.PAAS  # the parser sniffs: an Expo app.json yields no model
    if lower.endswith(".ipynb"):
        return FileKind.NOTEBOOK
    if lower.endswith(".py"):
        return FileKind.PYTHON
    if lower.endswith(".tf"):
        return FileKind.TERRAFORM
    if lower.endswith(".tf.json"):
        return FileKind.TERRAFORM_JSON
    if lower.endswith((".tfvars", ".tfvars.json")):
        return FileKind.TFVARS
    if lower.endswith((".tfstate", ".tfstate.backup")):
        return FileKind.TERRAFORM_STATE
    if lower.endswith((".yml", ".yaml")):
        if len(parts) >= 3 and parts[-3] == ".github" and parts[-2] == "workflows":
            return FileKind.WORKFLOW
        if _COMPOSE_RE.match(name):
            return FileKind.COMPOSE
        if lower.startswith("serverless."):
            return FileKind.SERVERLESS
        if lower.startswith("template."):
            return FileKind.SAM
        return FileKind.YAML  # sniffed later: a SAM template may have any name
    if lower.endswith(".json"):
        if _TASKDEF_RE.search(lower):
            return FileKind.ECS_TASK_DEFINITION
        return FileKind.JSON
    if lower.endswith(".conf"):
        return FileKind.NGINX  # the nginx parser sniffs: a non-nginx .conf yields no model
    if _REQUIREMENTS_RE.match(name):
        return FileKind.REQUIREMENTS
    if lower == "pyproject.toml":
        return FileKind.PYPROJECT
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return FileKind.DOTENV
    if lower == "credentials" and len(parts) >= 2 and parts[-2] == ".aws":
        return FileKind.AWS_CREDENTIALS
    if lower in _PRIVATE_KEY_NAMES or lower.endswith((".pem", ".key", ".p12", ".pfx")):
        return FileKind.PRIVATE_KEY
    if lower.endswith((".txt", ".cfg", ".ini", ".toml", ".sh", ".properties",
                       ".hcl", ".tpl", ".tftpl", ".env", ".md", ".j2", ".ipynb")):
        # A notebook is read as text for secrets: keys pasted into cells or printed into
        # saved outputs are reported at their line of the .ipynb file.
        return FileKind.TEXT
    return None
