"""Build a ParsedProject from in-memory Terraform files, the way the engine would."""

from __future__ import annotations

from pathlib import Path

from mlaudit.models.terraform import TerraformModule, TerraformProject
from mlaudit.parsers import parser_for
from mlaudit.project import ParsedProject
from mlaudit.sources import SourceFile, classify
from mlaudit.terraform.evaluate import build_terraform


def evaluate_tree(root: Path, files: dict[str, str]) -> TerraformProject:
    sources = []
    models = {}
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        kind = classify(rel)
        assert kind is not None
        source = SourceFile(rel, target, kind)
        sources.append(source)
        found = parser_for(kind)
        if found is not None:
            model = found[0](source)
            if model is not None:
                models[rel] = model
    project = build_terraform(ParsedProject(root, sources, models))
    assert project is not None
    return project


def module_at(project: TerraformProject, address: str = "") -> TerraformModule:
    return next(m for m in project.modules if m.module_address == address)
