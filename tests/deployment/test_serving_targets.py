"""SageMaker endpoints and PaaS services: parsed with exact lines, joined to the deployment
model, scanned end to end (golden files), and malformed inputs reported, never fatal.

`MLAUDIT_UPDATE_GOLDEN=1 python -m pytest tests/deployment/test_serving_targets.py`
rewrites the golden files after a deliberate change; review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlaudit.cli import main
from mlaudit.models.notebook import Notebook
from mlaudit.models.paas import PaasFile, PaasService
from mlaudit.models.sagemaker import SageMakerEndpoint
from mlaudit.sources import FileKind, classify
from mlaudit_reports.graph import render_graph
from tests.helpers import FIXTURES, scan_dir

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SAGEMAKER = FIXTURES / "projects" / "sagemaker-endpoint"
PAAS = FIXTURES / "projects" / "paas-model-service"


def _golden(name: str, data: object) -> None:
    path = GOLDEN / name
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if os.environ.get("MLAUDIT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text), (
        f"{name} changed: rerun with MLAUDIT_UPDATE_GOLDEN=1 if that is intended")


def _findings(project: Path) -> list[list[object]]:
    result = scan_dir(project)
    assert not result.diagnostics, [d.describe() for d in result.diagnostics]
    return sorted([f.rule_id, f.location.path, f.location.line, f.severity.value]
                  for f in result.active)


@pytest.mark.parametrize("project", [SAGEMAKER, PAAS], ids=lambda p: p.name)
def test_project_scan_golden(project: Path) -> None:
    _golden(f"{project.name}-scan.json", _findings(project))


@pytest.mark.parametrize("project", [SAGEMAKER, PAAS], ids=lambda p: p.name)
def test_project_graph_golden(project: Path) -> None:
    data = json.loads(render_graph(scan_dir(project), "json"))
    assert data["schema"] == "mlaudit.deployment/v2"
    _golden(f"{project.name}-graph.json", data)


def test_sagemaker_project_findings_sit_on_the_planted_lines() -> None:
    found = {(rule, path, line) for rule, path, line, _ in _findings(SAGEMAKER)}
    assert found == {
        ("MLA104", "infra/sentiment.tf", 11),  # HUGGING_FACE_HUB_TOKEN literal
        ("MLA350", "infra/churn.tf", 17),  # one instance, nothing scales it
        ("MLA352", "infra/churn.tf", 18),  # XGBoost on ml.g4dn
        ("MLA353", "infra/churn.tf", 22),  # no data capture
        ("MLA351", "deploy/deploy_embeddings.py", 22),  # serverless HF, no provisioned
        ("MLA104", "notebooks/explore-sentiment.ipynb", 29),  # HF_TOKEN in a cell
        ("MLA350", "notebooks/explore-sentiment.ipynb", 41),  # deploy(initial_instance_count=1)
    }


def test_sagemaker_endpoints_join_the_deployment_model() -> None:
    result = scan_dir(SAGEMAKER)
    deployment = result.deployment
    endpoints = {e.name: e for e in deployment.extra_subjects
                 if isinstance(e, SageMakerEndpoint)}
    assert set(endpoints) == {"sentiment", "churn", "embeddings", "ranker", "model.deploy()"}
    # scaling resolved through a local holding "endpoint/${aws_sagemaker_endpoint.x.name}/..."
    assert endpoints["sentiment"].scaled == ("AllTraffic",)
    assert endpoints["ranker"].scaled == ("AllTraffic",)  # CloudFormation !Sub + !Ref policy
    assert endpoints["churn"].scaled == ()
    units = {u.kind for u in deployment.units.values()}
    assert {"terraform-root", "sam-stack", "sagemaker-script", "notebook"} <= units
    variant = deployment.node("service:sagemaker:infra/aws_sagemaker_endpoint.churn/AllTraffic")
    assert variant is not None and deployment.unit_of(variant).id == "terraform:infra"
    edges = {(e.source, e.kind) for e in deployment.edges_to(variant.id)}
    assert ("endpoint:sagemaker:infra/aws_sagemaker_endpoint.churn", "forwards") in edges
    text = render_graph(result, "text")
    assert "sagemaker-endpoint sentiment" in text and "notebook:" in text


def test_paas_services_join_the_deployment_model() -> None:
    result = scan_dir(PAAS)
    deployment = result.deployment
    services = {(s.platform, s.name): s for s in deployment.extra_subjects
                if isinstance(s, PaasService)}
    assert set(services) == {("render", "sentiment-api"), ("render", "feedback-consumer"),
                             ("heroku", "web"), ("heroku", "worker"),
                             ("fly", "sentiment-api"), ("apprunner", "reranker")}
    heroku = services[("heroku", "web")]  # the Procfile line merged with app.json
    assert (heroku.plan, heroku.memory_mb, heroku.command_span.line) == ("standard-1x", 512, 1)
    fly = services[("fly", "sentiment-api")]
    assert (fly.port, fly.port_span.line, fly.sleeps, fly.min_running) == (8080, 8, True, 0)
    units = {u.kind for u in deployment.units.values()}
    assert {"render-blueprint", "heroku-app", "fly-app", "terraform-root"} <= units
    node = deployment.node(fly.id)
    assert node is not None and deployment.image_of(node) is not None  # runs api/Dockerfile
    public = {e.target for e in deployment.edges_from("internet")}
    assert any(t.startswith("entry:render") for t in public)
    assert "fly service sentiment-api" in render_graph(result, "text")


# -- files and kinds ----------------------------------------------------------------------

@pytest.mark.parametrize(("path", "kind"), [
    ("render.yaml", FileKind.PAAS), ("api/Procfile", FileKind.PAAS),
    ("app.json", FileKind.PAAS), ("fly.toml", FileKind.PAAS), ("fly.staging.toml", FileKind.PAAS),
    ("notebooks/deploy.ipynb", FileKind.NOTEBOOK), ("config.toml", FileKind.TEXT),
])
def test_kinds(path: str, kind: FileKind) -> None:
    assert classify(path) is kind


def test_an_expo_app_json_is_not_a_heroku_app(tmp_path: Path) -> None:
    (tmp_path / "app.json").write_text('{"expo": {"name": "x", "slug": "x"}}', encoding="utf-8")
    result = scan_dir(tmp_path)
    assert not result.diagnostics and not any(isinstance(m, PaasFile)
                                              for m in result.project.models.values())


def _notebook(tmp_path: Path, cells: list[list[str]], language: str = "python") -> Path:
    data = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                       "execution_count": None, "source": c} for c in cells],
            "metadata": {"kernelspec": {"language": language, "name": "k"}},
            "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "deploy.ipynb"
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def test_notebook_cells_are_python_at_ipynb_lines(tmp_path: Path) -> None:
    path = _notebook(tmp_path, [
        ["%pip install sagemaker\n", "!ls\n", "from sagemaker.model import Model\n"],
        ["%%bash\n", "echo not python\n"],
        ["this cell is not python (\n"],
        ["m = Model(image_uri='x', model_data='s3://b/m.tar.gz', role='r')\n",
         "if True:\n", "    !echo inside a block\n",
         "    m.deploy(initial_instance_count=3, instance_type='ml.c5.large')\n"],
    ])
    result = scan_dir(tmp_path)
    model = result.project.models["deploy.ipynb"]
    assert isinstance(model, Notebook) and len(model.skipped_cells) == 1
    assert model.sagemaker is not None
    (endpoint,) = model.sagemaker.endpoints
    lines = path.read_text(encoding="utf-8").splitlines()
    variant = endpoint.variants[0]
    assert "initial_instance_count=3" in lines[variant.count_span.line - 1]
    assert variant.instance_count == 3 and variant.instance_type == "ml.c5.large"


def test_other_kernels_are_not_read_as_python(tmp_path: Path) -> None:
    _notebook(tmp_path, [["library(sagemaker)\n", "x <- 1\n"]], language="R")
    result = scan_dir(tmp_path)
    model = result.project.models["deploy.ipynb"]
    assert isinstance(model, Notebook) and model.sagemaker is None and not result.diagnostics


def test_raw_secret_rules_read_notebooks_at_their_lines(tmp_path: Path) -> None:
    key = "sk-tY4qWB8dWKnHfDNxSIvPZZ63fFKcZjR4I0b3jRtaWr4Y9OJF"
    path = _notebook(tmp_path, [["import openai\n", f"openai.api_key = '{key}'\n"]])
    # A hosted-model key is MLA105's (MLA102 leaves notebooks and these keys to it).
    result = scan_dir(tmp_path, rules=["MLA105"])
    lines = path.read_text(encoding="utf-8").splitlines()
    (finding,) = result.active
    assert finding.location.path == "deploy.ipynb"
    assert "openai.api_key" in lines[finding.location.line - 1]
    assert "WKnHfDNxSIvPZZ63" not in finding.message


# -- malformed inputs ------------------------------------------------------------------------

BROKEN = {
    "render.yaml": ("services:\n  - type: web\n    name: [unclosed\n", 3),
    "heroku/Procfile": ("web: uvicorn app:app --port $PORT\nthis is not a process line\n", 2),
    "heroku/app.json": ('{\n  "formation": {"web": {"size": "basic",}}\n}\n', 2),
    "fly/fly.toml": ('app = "x"\n[http_service]\n  internal_port = = 8000\n', 3),
    "nb/deploy.ipynb": ('{\n "cells": [\n  {"cell_type": "code", "source": [}\n ]\n}\n', 3),
    "stack/sagemaker.yaml": ("Resources:\n  Endpoint:\n    Type: AWS::SageMaker::Endpoint\n"
                             "    Properties: {EndpointConfigName: [\n", 4),
}


def test_malformed_files_are_diagnostics_and_the_scan_goes_on(tmp_path: Path) -> None:
    for name, (text, _) in BROKEN.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "Procfile").write_text("web: uvicorn app:app --port 8000\n",
                                              encoding="utf-8")
    result = scan_dir(tmp_path)
    where = {d.span.path: d.span.line for d in result.diagnostics if d.span is not None}
    assert where == {name: line for name, (_, line) in BROKEN.items()}
    assert all(d.level.value == "error" for d in result.diagnostics)
    assert [(f.rule_id, f.location.path) for f in result.active] == [("MLA944", "ok/Procfile")]


def test_cli_reports_malformed_platform_files_without_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "fly.toml").write_text("[http_service\n", encoding="utf-8")
    code = main(["scan", str(tmp_path), "--root", str(tmp_path), "--no-cache"])
    out = capsys.readouterr()
    # like any unreadable file: an error diagnostic at its line, not a failed run
    assert code == 0 and "Traceback" not in out.out + out.err
    assert "fly.toml:1:14: error: invalid TOML" in out.out + out.err
