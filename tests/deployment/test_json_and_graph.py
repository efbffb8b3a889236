"""The documented JSON shape (docs/deployment-model.md) and the `mlaudit graph` formats."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlaudit.cli import main
from mlaudit.models.deployment import SCHEMA, Deployment
from mlaudit_reports.graph import mermaid_ids_ok, render_graph
from tests.deployment.conftest import PROJECTS, scanned

PROJECT_NAMES = ["ecs-fastapi-nginx", "lambda-sam-model", "compose-ec2", "good-ml-service",
                 "bad-fastapi-service"]

TOP_KEYS = ["schema", "units", "unit_links", "nodes", "edges", "image_references", "problems"]
NODE_KEYS = ["id", "class", "kind", "label", "unit", "source", "attributes"]
UNIT_KEYS = ["id", "kind", "name", "path", "role", "source", "files"]
UNIT_KINDS = {"terraform-root", "compose-project", "sam-stack", "serverless-service",
              "task-definition", "image", "workflow", "nginx"}
ATTRIBUTE_KEYS = {
    "image": ["dockerfile", "server", "ports", "healthchecks", "routes", "routes_complete",
              "app_files", "names"],
    "service": ["platform", "image", "image_node", "group", "ports", "published",
                "healthchecks"],
    "entry": ["entry", "from_port", "to_port", "protocol", "cidrs", "public", "tls", "group"],
    "proxy": ["proxy", "upstream", "host", "port", "healthchecks"],
    "scaling": ["scaling", "resource_id", "min_capacity", "max_capacity", "policies"],
    "function": ["platform", "handler", "runtime", "memory", "timeout", "source_dir", "image",
                 "handler_file", "requirements", "packages", "artifacts", "url_public"],
    "job": ["workflow", "job", "roles", "needs"],
    "healthcheck": ["id", "origin", "path", "port", "disabled", "served", "route", "source"],
    "resource": ["resource"],
    "internet": ["resource"],
}
EDGE_KEYS = ["source", "target", "kind", "source_location"]
IMAGE_REF_KEYS = ["image", "registry", "repository", "tag", "digest", "mutable", "context",
                  "owner", "source"]
EDGE_KINDS = {"exposes", "allows", "forwards", "proxies", "routes", "runs", "pulls", "checks",
              "scales", "builds", "deploys", "needs", "packages"}


@pytest.mark.parametrize("name", PROJECT_NAMES)
def test_json_shape_is_stable(name: str) -> None:
    deployment = scanned(name).deployment
    assert isinstance(deployment, Deployment)
    data = deployment.to_json()
    assert list(data) == TOP_KEYS and data["schema"] == SCHEMA == "mlaudit.deployment/v2"
    ids = {n["id"] for n in data["nodes"]}
    units = {u["id"] for u in data["units"]}
    for unit in data["units"]:
        assert list(unit) == UNIT_KEYS and unit["kind"] in UNIT_KINDS
        assert unit["files"] and unit["role"] == "deployment"
    for link in data["unit_links"]:
        assert link["source"] in units and link["target"] in units
        assert link["source"] != link["target"]
    for node in data["nodes"]:
        assert list(node) == NODE_KEYS
        assert node["unit"] in units or (node["unit"] is None and node["class"] == "internet")
        assert list(node["attributes"]) == ATTRIBUTE_KEYS[node["class"]], node
        if node["source"] is not None:
            assert set(node["source"]) == {"path", "line", "column", "end_line"}
            assert not node["source"]["path"].startswith("/")
    for edge in data["edges"]:
        assert list(edge) == EDGE_KEYS
        assert edge["source"] in ids and edge["target"] in ids
        assert edge["kind"] in EDGE_KINDS
    for ref in data["image_references"]:
        assert list(ref) == IMAGE_REF_KEYS
    json.dumps(data)  # plain JSON data only


def test_graph_json_marks_findings_on_nodes() -> None:
    result = scanned("bad-fastapi-service", ["MLA201", "MLA203"])
    data = json.loads(render_graph(result, "json"))
    assert data["findings"]["image:Dockerfile"] == ["MLA201 medium", "MLA203 medium"]


@pytest.mark.parametrize("name", PROJECT_NAMES)
def test_mermaid_ids_are_alphanumeric_and_labels_quoted(name: str) -> None:
    text = render_graph(scanned(name, ["MLA201", "MLA202"]), "mermaid")
    assert text.startswith("flowchart LR\n")
    assert mermaid_ids_ok(text)
    for line in text.splitlines():
        edge = re.match(r"^\s+(\S+) -->\|[a-z]+\| (\S+)$", line)
        if "-->" in line:
            assert edge and edge.group(1).isalnum() and edge.group(2).isalnum(), line
    assert text.count("subgraph") == text.count("  end")


def test_dot_output_is_a_digraph_with_escaped_labels() -> None:
    text = render_graph(scanned("ecs-fastapi-nginx", ["MLA201"]), "dot")
    assert text.startswith("digraph deployment {") and text.rstrip().endswith("}")
    assert "color=red" in text  # the Dockerfile's MLA201 finding
    for line in text.splitlines():
        if "[label=" in line:
            label = line.split('label="', 1)[1].rsplit('"', 1)[0]
            assert '"' not in label.replace('\\"', "")


def test_text_tree_reads_from_the_internet_down() -> None:
    text = render_graph(scanned("compose-ec2", ["MLA201"]), "text")
    lines = text.splitlines()
    assert lines[0] == "Deployment units:"
    assert "  terraform:terraform (terraform-root, 1 file)" in lines
    assert "  terraform:terraform --runs--> compose:docker-compose.yml" in lines
    assert lines[lines.index("") + 1] == "internet"
    assert any("security-group-rule" in ln and "on port 8000" in ln and "::/0" in ln
               for ln in lines)
    assert any("proxies → compose service api, port 8000" in ln for ln in lines)
    assert any("image Dockerfile (gunicorn on port 8000)" in ln and "MLA201 medium" in ln
               for ln in lines)


def test_graph_of_an_empty_directory(tmp_path: Path) -> None:
    from tests.helpers import scan_dir

    result = scan_dir(tmp_path, rules=["MLA001"])
    assert "no deployment facts" in render_graph(result, "text")
    assert json.loads(render_graph(result, "json"))["nodes"] == []


def test_graph_cli_writes_mermaid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "graph.mmd"
    code = main(["graph", str(PROJECTS / "lambda-sam-model"), "--format", "mermaid",
                 "-o", str(out)])
    assert code == 0
    assert out.read_text(encoding="utf-8").startswith("flowchart LR")
