"""Heavy libraries are imported only when a file that needs them is scanned.

A pre-commit run on a Dockerfile must not pay for python-hcl2 (Lark), crossplane, PyYAML,
detect-secrets or the other formats' rules, and a static scan never imports boto3 (which
also shows that static mode has no AWS client to make network calls with). Each case runs
in a fresh interpreter, as a user's run does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, REPO

HEAVY = ("boto3", "botocore", "hcl2", "lark", "crossplane", "yaml", "detect_secrets")
PROBE = """
import json, sys
from mlaudit.cli import main
code = main(["scan", *sys.argv[1:], "--quiet", "--no-cache"])
mods = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r} or
              m.startswith(("mlaudit_rules.", "mlaudit.models.", "mlaudit.live")))
print(json.dumps({{"code": code, "modules": mods}}))
"""


def _imported(cwd: Path, *args: str) -> list[str]:
    env_path = ":".join(str(REPO / d) for d in ("linter", "rules", "reports"))
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), *args], cwd=cwd,
        capture_output=True, text=True, timeout=120, check=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    modules: list[str] = json.loads(out.stdout.strip().splitlines()[-1])["modules"]
    return modules


@pytest.mark.parametrize("case", ["good_healthcheck", "bad_uvicorn_no_healthcheck"])
def test_a_dockerfile_scan_imports_no_heavy_library(tmp_path: Path, case: str) -> None:
    (tmp_path / "Dockerfile").write_text(
        (FIXTURES / f"rules/MLA201/{case}/Dockerfile").read_text(encoding="utf-8"),
        encoding="utf-8")
    modules = _imported(tmp_path, "Dockerfile")
    assert not [m for m in modules if m.split(".")[0] in HEAVY]
    # Only the rules that can say something about a Dockerfile were imported.
    assert not [m for m in modules if m.startswith(("mlaudit_rules.ci.", "mlaudit_rules.edge.",
                                                    "mlaudit_rules.iac."))]
    assert "mlaudit.models.terraform" not in modules
    assert "mlaudit.models.nginx" not in modules
    # A Dockerfile finding looks for its deployments without loading other formats.
    assert "mlaudit.models.compose" not in modules
    assert "mlaudit.compose_projects" not in modules


@pytest.mark.parametrize("project", ["ecs-fastapi-nginx", "lambda-sam-model", "compose-ec2"])
def test_a_static_scan_never_imports_boto3(project: str) -> None:
    modules = _imported(FIXTURES / "projects" / project, ".")
    assert "boto3" not in modules and "botocore" not in modules
    # nor the live package, its model or its rules: they only run with `live` / `--live`
    assert not [m for m in modules if m.startswith(("mlaudit.live", "mlaudit_rules.live"))]
    assert "mlaudit.models.live" not in modules
    assert "hcl2" in modules or "yaml" in modules  # the formats were really parsed


def test_a_terraform_scan_with_state_imports_no_live_code(tmp_path: Path) -> None:
    """A repository with a Terraform root and its state (what live mode reads) still scans
    statically without boto3 or any live module."""
    case = FIXTURES / "rules" / "MLA850" / "bad_rule_added_and_removed" / "infra"
    for name in ("main.tf", "terraform.tfstate"):
        (tmp_path / name).write_text((case / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    modules = _imported(tmp_path, ".")
    assert "hcl2" in modules
    assert not [m for m in modules if m.split(".")[0] in ("boto3", "botocore")
                or m.startswith(("mlaudit.live", "mlaudit_rules.live", "mlaudit.models.live"))]


def test_a_static_sarif_report_does_not_list_live_rules(tmp_path: Path) -> None:
    """Without live mode the MLA8xx rules have nothing to read: a static SARIF report does
    not claim them as checked, and imports none of them."""
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n", encoding="utf-8")
    probe = ("import json, sys, io, contextlib\nfrom mlaudit.cli import main\n"
             "out = io.StringIO()\nwith contextlib.redirect_stdout(out):\n"
             "    main(['scan', '.', '--format', 'sarif', '--no-cache'])\n"
             "ids = [r['id'] for r in json.loads(out.getvalue())['runs'][0]['tool']['driver']"
             "['rules']]\n"
             "print(json.dumps({'ids': ids, 'live': [m for m in sys.modules if "
             "m.startswith(('mlaudit_rules.live', 'mlaudit.models.live'))]}))\n")
    env_path = ":".join(str(REPO / d) for d in ("linter", "rules", "reports"))
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=True,
                          env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["ids"] and not [i for i in seen["ids"] if i.startswith("MLA8")]
    assert seen["live"] == []


# A one-file run pays for its own format only. Each model module creates its dataclasses
# at import (~1 ms each, 5 to 17 per module): importing every format's models was most of
# a pre-commit run's cost. A rule or builder that needs another format's model imports it
# where it is used, behind `mlaudit_rules.helpers.model_loaded` (no model of a module
# exists before the module is imported).
OTHER_FORMATS = ("mlaudit.models.python_source", "mlaudit.models.workflow",
                 "mlaudit.models.sagemaker", "mlaudit.models.compose", "mlaudit.models.ecs",
                 "mlaudit.models.functions", "mlaudit.models.terraform",
                 "mlaudit.models.terraform_syntax", "mlaudit.models.packages",
                 "mlaudit.models.paas", "mlaudit.models.kubernetes", "mlaudit.models.nginx")
# Standard-library modules only an unusual run needs: a typo suggestion (difflib), a
# cache write (tempfile), wrapping for a terminal (textwrap).
RARELY_NEEDED = ("difflib", "tempfile", "textwrap")
COUNT_PROBE = """
import dataclasses, json, sys
from mlaudit.cli import main
code = main([*sys.argv[1:], "--quiet"])
ours = [m for name, m in list(sys.modules.items()) if name.split(".")[0] in
        ("mlaudit", "mlaudit_rules", "mlaudit_reports")]
classes = {c for m in ours for c in vars(m).values()
           if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == m.__name__}
print(json.dumps({"code": code, "modules": sorted(sys.modules), "dataclasses": len(classes)}))
"""


def _run_counted(cwd: Path, *args: str, cache: Path) -> dict[str, object]:
    env_path = ":".join(str(REPO / d) for d in ("linter", "rules", "reports"))
    out = subprocess.run(
        [sys.executable, "-c", COUNT_PROBE, *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, check=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin", "MLAUDIT_CACHE_DIR": str(cache),
             "NO_COLOR": "1"},
    )
    seen: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return seen


def _one_file_repo(tmp_path: Path, name: str, text: str) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    (repo / name).write_text(text, encoding="utf-8")
    return repo


@pytest.mark.parametrize("context", [False, True], ids=["no-context", "repository-context"])
def test_a_one_dockerfile_run_imports_only_the_dockerfile_models(tmp_path: Path,
                                                                  context: bool) -> None:
    repo = _one_file_repo(tmp_path, "Dockerfile", (
        FIXTURES / "rules/MLA201/bad_uvicorn_no_healthcheck/Dockerfile").read_text("utf-8"))
    args = ["scan", "Dockerfile", *([] if context else ["--no-context"])]
    _run_counted(repo, *args, cache=tmp_path / "cache")  # fills the parse cache
    seen = _run_counted(repo, *args, cache=tmp_path / "cache")  # the pre-commit case: warm
    modules = seen["modules"]
    assert isinstance(modules, list) and seen["code"] == 1  # MLA201 still fires
    assert [m for m in OTHER_FORMATS if m in modules] == []
    assert [m for m in RARELY_NEEDED if m in modules] == []
    # The dataclasses created: 56 today (the deployment model's 17, the Dockerfile model's,
    # findings, rules, engine). Another format's models would add 5 to 17.
    count = seen["dataclasses"]
    assert isinstance(count, int) and count <= 60, count


def test_a_one_terraform_file_run_imports_no_app_or_ci_models(tmp_path: Path) -> None:
    repo = _one_file_repo(tmp_path, "main.tf", (
        FIXTURES / "projects/compose-ec2/terraform/main.tf").read_text("utf-8"))
    args = ["scan", "main.tf", "--no-context"]
    _run_counted(repo, *args, cache=tmp_path / "cache")
    seen = _run_counted(repo, *args, cache=tmp_path / "cache")
    modules = seen["modules"]
    assert isinstance(modules, list) and seen["code"] == 1
    assert "mlaudit.models.terraform" in modules  # really evaluated
    # No Python app, workflow, SAM/Serverless template, Kubernetes or nginx was read: their
    # models stay unimported although Terraform rules also look at them when present.
    assert [m for m in ("mlaudit.models.python_source", "mlaudit.models.workflow",
                        "mlaudit.models.functions", "mlaudit.models.packages",
                        "mlaudit.models.kubernetes", "mlaudit.models.nginx")
            if m in modules] == []


@pytest.mark.parametrize("name,text", [
    ("docker-compose.yml", "services:\n  api:\n    image: python:3.12-slim\n"
                           "    ports: ['8000:8000']\n"),
    (".github/workflows/ci.yml", "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                                 "    steps:\n      - run: pytest\n"),
    ("main.py", "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/predict')\n"
                "def predict() -> dict:\n    return {}\n"),
], ids=["compose", "workflow", "python"])
def test_a_one_file_run_imports_no_terraform_model(tmp_path: Path, name: str,
                                                   text: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text(text, encoding="utf-8")
    args = ["scan", name, "--no-context"]
    _run_counted(repo, *args, cache=tmp_path / "cache")
    modules = _run_counted(repo, *args, cache=tmp_path / "cache")["modules"]
    assert isinstance(modules, list)
    unexpected = ("mlaudit.models.terraform", "mlaudit.models.terraform_syntax",
                  "mlaudit.models.functions", "mlaudit.models.kubernetes",
                  "mlaudit.models.nginx",
                  # the Python model holds the SageMaker SDK deployments a file makes
                  *(("mlaudit.models.dockerfile",) if name.endswith(".py")
                    else ("mlaudit.models.sagemaker",)))
    assert [m for m in unexpected if m in modules] == []


def test_version_imports_only_the_cli() -> None:
    probe = ("import json, sys, contextlib, io\nfrom mlaudit.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    try:\n        main(['--version'])\n    except SystemExit:\n        pass\n"
             "print(json.dumps(sorted(sys.modules)))\n")
    env_path = ":".join(str(REPO / d) for d in ("linter", "rules", "reports"))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True,
                          env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(m for m in modules if m.startswith("mlaudit")) == [
        "mlaudit", "mlaudit.cli", "mlaudit.errors", "mlaudit.severity"]
    assert "dataclasses" not in modules


def test_a_scan_with_no_candidate_line_never_imports_detect_secrets(tmp_path: Path) -> None:
    """The secrets rules' per-file analysis searches one combined pattern over each file;
    detect-secrets (which imports `requests`) is imported only for a line it matches. A
    Terraform module with words like `tokenizer` elsewhere would match: this one has none."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_ecs_service" "app" {\n  name          = "app"\n'
        '  cluster       = var.cluster_arn\n  desired_count = 2\n}\n', encoding="utf-8")
    (tmp_path / "Dockerfile").write_text(
        (FIXTURES / "rules/MLA201/good_healthcheck/Dockerfile").read_text(encoding="utf-8"),
        encoding="utf-8")
    modules = _imported(tmp_path, ".")
    assert "hcl2" in modules  # the file was read and parsed
    assert "mlaudit_rules.secrets.secret_hardcoded" in modules  # and MLA102 ran on it
    assert "detect_secrets" not in modules
    (tmp_path / "main.tf").write_text(
        (tmp_path / "main.tf").read_text(encoding="utf-8").replace(
            "desired_count = 2", 'desired_count = 2\n  db_password = "Zq4Vt7Wx2Ya5Bc8De1Fg"'),
        encoding="utf-8")
    assert "detect_secrets" in _imported(tmp_path, ".")  # a candidate line: it is needed
