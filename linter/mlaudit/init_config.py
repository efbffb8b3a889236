"""`mlaudit init`: a commented starter `.mlaudit.toml` for the repository at hand.

It looks at what the repository holds (the same discovery a scan uses) and writes the
keys that matter for those formats, every one commented with what it does, so the file
documents itself. The result is validated by the config loader before it is written: a
starter config that mlaudit itself rejects would be a poor start.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from mlaudit.errors import UsageError

# File kinds as a person names the format, in the order they are listed.
_FORMATS = {
    "dockerfile": "Dockerfiles",
    "compose": "Docker Compose",
    "terraform": "Terraform",
    "terraform-json": "Terraform JSON",
    "tfvars": "Terraform variables",
    "terraform-state": "Terraform state",
    "terraform-plan": "Terraform plans",
    "ecs-task-definition": "ECS task definitions",
    "sam": "AWS SAM",
    "serverless": "Serverless Framework",
    "workflow": "GitHub Actions workflows",
    "nginx": "nginx",
    "python": "Python",
    "requirements": "requirements files",
    "pyproject": "pyproject.toml",
    "dotenv": ".env files",
}

_TEMPLATE = """\
# mlaudit configuration (written by `mlaudit init`). Every key is optional; delete what
# you do not need. Reference: `mlaudit --help`, `mlaudit rules`, `mlaudit explain ID`.
#
# Found in this repository: {formats}.

# Rules to run: ids (MLA101), names, id prefixes (MLA2) or categories (secrets). ALL is
# every rule; `ignore` wins over `select` at the same specificity.
select = ["ALL"]
ignore = []

# Exit 1 when an unsuppressed finding is at or above this severity
# (critical, high, medium, low, info).
fail-on = "low"

# Paths never read, gitignore-style, on top of .gitignore.
exclude = [{excludes}]

# Ports your application listens on (used by the exposure and cross-file rules).
app-ports = [{ports}]

# Per-rule severity overrides.
[severity]
# MLA203 = "info"

# Rules silenced for some paths (a glob = [rule ids or names]).
[per-path-ignores]
{path_ignores}
# Options of one rule, by id or name: `mlaudit explain ID` lists a rule's options.
# [rules.action-unpinned]
# github-owned = true           # also require SHA pins for actions/* and github/*
"""


def _formats(root: Path) -> Counter[str]:
    from mlaudit.discovery import discover

    found = discover([root], root, [])
    return Counter(source.kind.value for source in found.files)


def starter_config(root: Path) -> str:
    kinds = _formats(root)
    names = [f"{label} ({kinds[kind]})" for kind, label in _FORMATS.items() if kinds[kind]]
    excludes: list[str] = []
    for candidate in ("vendor", "third_party", "node_modules"):
        if (root / candidate).is_dir():
            excludes.append(f'"{candidate}/**"')
    path_ignores = []
    for candidate in ("notebooks", "examples"):
        if (root / candidate).is_dir():
            path_ignores.append(f'# "{candidate}/**" = ["MLA203"]')
    return _TEMPLATE.format(
        formats=", ".join(names) if names else "no deployment files yet",
        excludes=", ".join(excludes),
        ports="8000",
        path_ignores="\n".join(path_ignores) + ("\n" if path_ignores else ""),
    )


def write_starter_config(root: Path, output: Path, force: bool = False) -> Path:
    target = output if output.is_absolute() else Path.cwd() / output
    if target.exists() and not force:
        raise UsageError(f"{output} exists (use --force to overwrite it)")
    text = starter_config(root)
    from mlaudit import config as config_mod

    config_mod.from_text(text, output.name)  # never write a config mlaudit would reject
    from mlaudit.atomic import write_text_atomic

    try:
        write_text_atomic(target, text)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    return output
