"""json_document / yaml_document sniffing, and malformed files that must not stop a scan."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlaudit.models.compose import ComposeFile
from mlaudit.models.ecs import TaskDefinition
from mlaudit.models.functions import ServerlessApp
from mlaudit.parsers import ParseError
from mlaudit.sources import FileKind
from tests.helpers import scan_dir
from tests.yamlformats.formats_support import FORMATS, parse_fixture, parse_text


def test_sam_under_another_name() -> None:
    model = parse_fixture("sniff/infra.yaml")
    assert isinstance(model, ServerlessApp) and model.kind == "sam"
    (scorer,) = model.functions
    assert scorer.span.line == 4
    assert scorer.source_dir == "fixtures/formats/sam/src/predict"


def test_compose_under_another_name() -> None:
    model = parse_fixture("sniff/stack.yml")
    assert isinstance(model, ComposeFile)
    assert model.services[0].ports[0].span.line == 5


def test_serverless_under_another_name(tmp_path: Path) -> None:
    text = "service: s\nprovider:\n  name: aws\nfunctions:\n  f:\n    handler: h.main\n"
    model = parse_text(tmp_path, "deploy/sls-prod.yml", text)
    assert isinstance(model, ServerlessApp) and model.kind == "serverless"
    assert model.functions[0].source_dir == "deploy"


@pytest.mark.parametrize("relative", [
    "sniff/settings.yaml", "sniff/config.json",
    "sniff/chart-deployment.yaml",  # Helm template: not YAML until rendered, not an error
])
def test_ordinary_files_yield_nothing(relative: str) -> None:
    assert parse_fixture(relative) is None


def test_kubernetes_manifest_under_any_name_is_a_manifest() -> None:
    from mlaudit.models.kubernetes import Manifest

    model = parse_fixture("sniff/k8s.yaml")
    assert isinstance(model, Manifest)
    assert [o.kind for o in model.objects] == ["Deployment", "Service"]


def test_task_definition_json_under_another_name() -> None:
    model = parse_fixture("sniff/containers.json")
    assert isinstance(model, TaskDefinition)
    assert model.containers[0].span.line == 4


def test_terraform_documents_go_to_the_state_parser(tmp_path: Path) -> None:
    """Handed to mlaudit.parsers.terraform_state when present; never an error."""
    state = '{"version": 4, "terraform_version": "1.8.0", "lineage": "x", "resources": []}'
    plan = '{"format_version": "1.2", "resource_changes": []}'
    for name, text in (("a.json", state), ("plan.json", plan)):
        model = parse_text(tmp_path, name, text)
        assert not isinstance(model, (TaskDefinition, ServerlessApp, ComposeFile))


def test_malformed_generic_files(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as info:
        parse_text(tmp_path, "values.yaml", "a: 1\nb: [1, 2\nc: 3\n")
    assert info.value.line in (2, 3)
    with pytest.raises(ParseError) as json_info:
        parse_text(tmp_path, "data.json", '{\n  "a": 1,\n  "b": \n}\n')
    assert json_info.value.line == 4
    assert parse_text(tmp_path, "empty.yaml", "") is None
    assert parse_text(tmp_path, "list.yaml", "- 1\n- 2\n", FileKind.YAML) is None


@pytest.mark.parametrize(("bad", "good", "model_type"), [
    ("malformed/docker-compose.yml", "compose/docker-compose.yml", ComposeFile),
    ("malformed/broken-task-def.json", "ecs/api-task-def.json", TaskDefinition),
    ("malformed/template.yaml", "sam/template.yaml", ServerlessApp),
    ("malformed/serverless.yml", "serverless/serverless.yml", ServerlessApp),
])
def test_malformed_file_does_not_stop_scan(tmp_path: Path, bad: str, good: str,
                                           model_type: type) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "ok").mkdir()
    shutil.copy(FORMATS / bad, tmp_path / "broken" / Path(bad).name)
    shutil.copy(FORMATS / good, tmp_path / "ok" / Path(good).name)
    result = scan_dir(tmp_path, rules=["MLA001"])
    errors = [d for d in result.diagnostics if d.level.value == "error"]
    assert len(errors) == 1
    error = errors[0]
    assert error.span is not None and error.span.path == f"broken/{Path(bad).name}"
    assert error.span.line > 1 and "internal parser error" not in error.message
    assert result.project is not None
    good_path = f"ok/{Path(good).name}"
    assert isinstance(result.project.models.get(good_path), model_type)
