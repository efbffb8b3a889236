"""Deployment units and file roles: a repository read as the deployments it holds.

The monorepo fixture holds several Terraform roots declaring the same addresses, a module
with an example, a compose base with its development override, a SageMaker container,
tests, vendored code and docs. Its scan and its graph are pinned by golden files
(`MLAUDIT_UPDATE_GOLDEN=1 python -m pytest tests/deployment/test_units.py` rewrites them
after a deliberate change; review the diff).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlaudit.cli import main
from mlaudit.models.deployment import Deployment
from mlaudit.roles import Role, RoleResolver, role_by_convention
from mlaudit_reports.graph import render_graph
from tests.helpers import FIXTURES, scan_dir

MONOREPO = FIXTURES / "projects" / "monorepo"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _golden(name: str, data: object) -> None:
    path = GOLDEN / name
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if os.environ.get("MLAUDIT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text), (
        f"{name} changed: rerun with MLAUDIT_UPDATE_GOLDEN=1 if that is intended")


@pytest.mark.parametrize(("path", "role"), [
    ("infra/main.tf", Role.DEPLOYMENT),
    ("services/api/Dockerfile", Role.DEPLOYMENT),
    ("tests/test_api.py", Role.TEST),
    ("app/test_models.py", Role.TEST),
    ("app/models_test.py", Role.TEST),
    ("conftest.py", Role.TEST),
    ("pkg/fixtures/compose.yaml", Role.TEST),
    ("web/src/__tests__/api.test.ts", Role.TEST),
    ("modules/alb/examples/complete/main.tf", Role.EXAMPLE),
    ("samples/compose.yaml", Role.EXAMPLE),
    (".env.example", Role.EXAMPLE),
    ("terraform.tfvars.sample", Role.EXAMPLE),
    ("deploy/k8s/secret.example.yaml", Role.EXAMPLE),
    ("config.sample.json", Role.EXAMPLE),
    ("template.yaml", Role.DEPLOYMENT),
    ("stack/sam-template.yaml", Role.DEPLOYMENT),
    ("vendor/lib/settings.py", Role.VENDORED),
    ("third_party/x/tests/test_x.py", Role.VENDORED),
    ("web/node_modules/pkg/index.js", Role.VENDORED),
    ("README.md", Role.DOCS),
    ("docs/deploy/compose.yaml", Role.DOCS),
    ("compose.override.yaml", Role.LOCAL_DEV),
    ("docker-compose.dev.yml", Role.LOCAL_DEV),
    ("Dockerfile.dev", Role.LOCAL_DEV),
    (".devcontainer/docker-compose.yml", Role.LOCAL_DEV),
    ("docker-compose.prod.yml", Role.DEPLOYMENT),
    ("contest/main.tf", Role.DEPLOYMENT),  # look-alike names stay deployments
    ("latest/Dockerfile", Role.DEPLOYMENT),
])
def test_roles_by_convention(path: str, role: Role) -> None:
    assert role_by_convention(path).role is role


def test_roles_read_below_the_scanned_directory_and_config_wins() -> None:
    resolver = RoleResolver(("tests/e2e/stack",), {"docs/deploy/**": Role.DEPLOYMENT})
    assert resolver.role("tests/e2e/stack/main.tf") is Role.DEPLOYMENT
    assert resolver.role("tests/e2e/stack/tests/test_x.py") is Role.TEST
    assert resolver.role("tests/other/main.tf") is Role.TEST
    assert resolver.role("docs/deploy/compose.yaml") is Role.DEPLOYMENT
    assert resolver.decide("docs/deploy/compose.yaml").reason == "config roles 'docs/deploy/**'"


def _deployment() -> Deployment:
    deployment = scan_dir(MONOREPO).deployment
    assert isinstance(deployment, Deployment)
    return deployment


def test_monorepo_units() -> None:
    units = {u.id: (u.kind, u.role) for u in _deployment().units.values()}
    assert units == {
        "compose:services/api/compose.yaml": ("compose-project", "deployment"),
        "compose:tests/fixtures/docker-compose.yml": ("compose-project", "test"),
        "image:sagemaker/container/Dockerfile": ("image", "deployment"),
        "image:services/api/Dockerfile": ("image", "deployment"),
        "nginx:sagemaker/container/decision_trees/nginx.conf": ("nginx", "deployment"),
        "terraform:blueprints/batch": ("terraform-root", "deployment"),
        "terraform:infra/envs/prod": ("terraform-root", "deployment"),
        "terraform:infra/envs/staging": ("terraform-root", "deployment"),
        "terraform:infra/modules/ml-service/examples/basic": ("terraform-root", "example"),
        "workflow:.github/workflows/deploy.yml": ("workflow", "deployment"),
    }
    deployment = _deployment()
    # The module belongs to each root that calls it; the base and override compose files
    # are one project.
    module = "infra/modules/ml-service/main.tf"
    assert set(deployment.file_units[module]) == {
        "terraform:infra/envs/prod", "terraform:infra/envs/staging",
        "terraform:infra/modules/ml-service/examples/basic"}
    assert deployment.units["compose:services/api/compose.yaml"].files == (
        "services/api/compose.yaml", "services/api/compose.override.yaml")


def test_monorepo_edges_cross_units_only_on_evidence() -> None:
    deployment = _deployment()
    links = {(link.source, link.target, link.kind) for link in deployment.unit_links}
    image = "image:services/api/Dockerfile"
    assert links == {
        # compose `build:` next to `image:`, and the test stack running that image name
        ("compose:services/api/compose.yaml", image, "runs"),
        ("compose:tests/fixtures/docker-compose.yml", image, "runs"),
        # ECS containers whose image is the repository the workflow builds and pushes
        ("terraform:infra/envs/prod", image, "runs"),
        ("terraform:infra/envs/staging", image, "runs"),
        ("terraform:infra/modules/ml-service/examples/basic", image, "runs"),
        ("workflow:.github/workflows/deploy.yml", image, "builds"),
        # `terraform -chdir=infra/envs/prod apply` in the deploy job
        ("workflow:.github/workflows/deploy.yml", "terraform:infra/envs/prod", "deploys"),
    }
    # Every edge between two Terraform nodes stays inside one root, although the roots
    # declare the same addresses (aws_lb_listener.http, aws_lb_target_group.app,
    # aws_security_group.lb).
    for edge in deployment.edges:
        source = deployment.node_units.get(edge.source, "")
        target = deployment.node_units.get(edge.target, "")
        if source.startswith("terraform:") and target.startswith("terraform:"):
            assert source == target, edge


def test_monorepo_scan_golden() -> None:
    result = scan_dir(MONOREPO)
    _golden("monorepo-scan.json", sorted(
        [f.rule_id, f.location.path, f.location.line, f.severity.value]
        for f in result.active))
    assert not result.diagnostics


def test_monorepo_graph_golden() -> None:
    data = json.loads(render_graph(scan_dir(MONOREPO), "json"))
    assert data["schema"] == "mlaudit.deployment/v2"
    _golden("monorepo-graph.json", data)


def test_config_roles_override_brings_a_test_file_back(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    secret = 'API_TOKEN = "Xk8vQ2mN7pL4rT9wZ3yB6cF1aa"\n'
    (tmp_path / "tests" / "settings.py").write_text(secret, encoding="utf-8")
    assert not scan_dir(tmp_path, rules=["MLA102"]).active
    (tmp_path / ".mlaudit.toml").write_text('[roles]\n"tests/**" = "deployment"\n',
                                            encoding="utf-8")
    code = main(["scan", str(tmp_path), "--root", str(tmp_path), "--select", "MLA102",
                 "--no-cache", "-q"])
    assert code == 1


def test_config_rejects_an_unknown_role(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".mlaudit.toml").write_text('[roles]\n"x/**" = "testing"\n', encoding="utf-8")
    assert main(["scan", str(tmp_path), "--root", str(tmp_path), "--no-cache"]) == 2
    assert "unknown role 'testing'" in capsys.readouterr().err


def test_show_files_names_kind_role_and_units(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(MONOREPO), "--root", str(MONOREPO), "--show-files",
                 "--no-cache"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "test (under tests/)" in rows["tests/test_api.py"]
    assert "vendored (under vendor/)" in rows["vendor/acme_sdk/settings.py"]
    assert "local-dev (development-only file name)" in rows["services/api/compose.override.yaml"]
    assert rows["services/api/compose.override.yaml"].endswith(
        "compose:services/api/compose.yaml")
    assert rows["infra/modules/ml-service/main.tf"].endswith(
        "terraform:infra/envs/prod,terraform:infra/envs/staging,"
        "terraform:infra/modules/ml-service/examples/basic")


@pytest.mark.parametrize("step", [
    "      - run: terraform apply -auto-approve\n        working-directory: envs/prod\n",
    "      - run: |\n          cd envs/prod\n          terraform init\n          terraform apply\n",
    "      - run: tofu -chdir=envs/prod apply\n",
])
def test_a_job_applying_a_root_deploys_that_root_only(tmp_path: Path, step: str) -> None:
    for env in ("prod", "dev"):
        (tmp_path / "envs" / env).mkdir(parents=True)
        (tmp_path / "envs" / env / "main.tf").write_text(
            'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n', encoding="utf-8")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "tf.yml").write_text(
        "on: push\njobs:\n  apply:\n    runs-on: ubuntu-latest\n    steps:\n" + step,
        encoding="utf-8")
    deployment = scan_dir(tmp_path, rules=["MLA401"]).deployment
    assert isinstance(deployment, Deployment)
    assert {(link.source, link.target, link.kind) for link in deployment.unit_links} == {
        ("workflow:.github/workflows/tf.yml", "terraform:envs/prod", "deploys")}


def test_an_image_only_a_test_stack_runs_takes_the_test_role(tmp_path: Path) -> None:
    (tmp_path / "stub").mkdir()
    (tmp_path / "stub" / "Dockerfile").write_text(
        'FROM python:latest\nCMD ["python", "-m", "http.server", "8000"]\n', encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "compose.yaml").write_text(
        "services:\n  stub:\n    build: ../stub\n", encoding="utf-8")
    result = scan_dir(tmp_path, rules=["MLA203"])
    assert not result.active
    roles = result.deployment.roles
    assert roles.decide("stub/Dockerfile").reason == "only run by compose:tests/compose.yaml"
    # the same image, also run by a deployment stack, is a deployment
    (tmp_path / "compose.yaml").write_text("services:\n  stub:\n    build: ./stub\n",
                                           encoding="utf-8")
    assert [f.rule_id for f in scan_dir(tmp_path, rules=["MLA203"]).active] == ["MLA203"]


def test_a_module_only_examples_use_is_judged_as_an_example(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "mutable" {\n  default = true\n}\n\n'
        'resource "aws_ecr_repository" "this" {\n  name = "x"\n'
        '  image_tag_mutability = var.mutable ? "MUTABLE" : "IMMUTABLE"\n}\n',
        encoding="utf-8")
    (tmp_path / "examples" / "basic").mkdir(parents=True)
    (tmp_path / "examples" / "basic" / "main.tf").write_text(
        'module "repo" {\n  source = "../.."\n}\n', encoding="utf-8")
    result = scan_dir(tmp_path, rules=["MLA305"])
    assert not result.active
    assert result.deployment.roles.decide("main.tf").role is Role.EXAMPLE
    # A deployment root calling the same module makes it a deployment again.
    (tmp_path / "envs" / "prod").mkdir(parents=True)
    (tmp_path / "envs" / "prod" / "main.tf").write_text(
        'module "repo" {\n  source = "../.."\n}\n', encoding="utf-8")
    assert [f.location.path for f in scan_dir(tmp_path, rules=["MLA305"]).active] == ["main.tf"]
