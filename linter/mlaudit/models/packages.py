"""Python dependency declarations: requirements*.txt/.in and pyproject.toml.

Both formats produce one `Requirements` model so a rule ("torch in a Lambda package") does
not care where a dependency was declared. Names are normalised per PEP 503, so `Torch`,
`sentence_transformers` and `sentence-transformers` compare equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlaudit.span import Span

_NORMALISE_RE = re.compile(r"[-_.]+")


def normalise_name(name: str) -> str:
    """PEP 503 normalised project name: lower case, runs of `-_.` become one `-`."""
    return _NORMALISE_RE.sub("-", name).lower().strip()


# Packages that make a Lambda (or any scale-to-zero service) cold start heavy: each ships
# large native wheels (hundreds of MB unpacked, beyond the 250 MB zip limit on their own) and
# takes seconds to import and initialise, or requires one of those frameworks to do anything.
# This is the one list of "heavy" for every rule. Deliberately *not* listed: the gradient
# boosting libraries (xgboost, lightgbm, catboost) and scikit-learn, numpy, scipy, pandas,
# joblib: import plus loading a typical tabular model takes about a second, the light class
# that Lambda inference is usually built on; onnxruntime (CPU) for the same reason; keras 3
# (pure Python; its backend is listed separately). onnxruntime-gpu is listed: its wheel
# bundles CUDA libraries (hundreds of MB) that a cold start still has to map in.
HEAVY_ML_PACKAGES: frozenset[str] = frozenset({
    "torch", "torchvision", "torchaudio", "pytorch-lightning", "lightning",
    "tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel", "tf-nightly",
    "tf-keras", "jax", "jaxlib",
    "transformers", "sentence-transformers", "diffusers", "accelerate", "timm",
    "vllm", "xformers", "bitsandbytes", "deepspeed", "flash-attn", "triton", "tensorrt",
    "onnxruntime-gpu", "spacy", "paddlepaddle", "mxnet",
})


def is_heavy(name: str) -> bool:
    """True when `name` (any spelling) is a package in `HEAVY_ML_PACKAGES`."""
    return normalise_name(name) in HEAVY_ML_PACKAGES


@dataclass(frozen=True, slots=True)
class Requirement:
    """One declared dependency.

    `name` is PEP 503 normalised ("" never appears: unnamed URL/path lines are skipped);
    `spec` is the version specifier as written ("" = unpinned, e.g. `torch` or `torch[cpu]`);
    `group` is None for main dependencies, else the optional-dependencies / poetry group /
    dependency-groups name. `url` is a direct reference (`name @ url`, `-e git+...#egg=x`).
    """

    name: str
    spec: str
    span: Span
    raw: str = ""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    hashes: tuple[str, ...] = ()
    editable: bool = False
    group: str | None = None

    @property
    def pinned(self) -> bool:
        """True for an exact pin (`==1.2.3` / `===x`) or a direct URL reference."""
        return self.url is not None or (self.spec.startswith("==") and "*" not in self.spec
                                        and "," not in self.spec)

    @property
    def heavy(self) -> bool:
        return self.name in HEAVY_ML_PACKAGES


@dataclass(frozen=True, slots=True)
class RequirementInclude:
    """`-r other.txt` (constraint=False) or `-c constraints.txt`, as written; resolved later
    against the project's files, relative to the including file's directory."""

    target: str
    constraint: bool
    span: Span


@dataclass(frozen=True, slots=True)
class PipOption:
    """A global pip option line (`--index-url`, `--extra-index-url`, `--find-links`,
    `--trusted-host`, ...). Index URLs may embed credentials: rules must redact them."""

    name: str  # long form, e.g. "--index-url"
    value: str
    span: Span


@dataclass(frozen=True)
class Requirements:
    """A requirements file or a pyproject.toml's dependencies (`source` says which)."""

    path: str
    packages: tuple[Requirement, ...] = ()
    includes: tuple[RequirementInclude, ...] = ()
    options: tuple[PipOption, ...] = ()
    source: str = "requirements"  # "requirements" | "pyproject"

    def get(self, name: str) -> Requirement | None:
        """The first declaration of `name` (any spelling), or None."""
        wanted = normalise_name(name)
        return next((p for p in self.packages if p.name == wanted), None)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.packages)

    @property
    def heavy(self) -> tuple[Requirement, ...]:
        """Main (group None) dependencies that are heavy ML packages."""
        return tuple(p for p in self.packages if p.heavy and p.group is None)
