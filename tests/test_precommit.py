"""The pre-commit hook, exercised with the real `pre-commit` client.

`pre-commit try-repo` installs this checkout into a fresh virtualenv (`pip install .`,
which needs the package index) and runs the hook in a throw-away target repository,
exactly as a user's commit would. One PRE_COMMIT_HOME is shared by the module so the hook
environment is built once. Set MLAUDIT_OFFLINE=1 to skip the tests that install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlaudit.sources import classify

REPO = Path(__file__).resolve().parent.parent
MANIFEST = REPO / ".pre-commit-hooks.yaml"
SCHEMA = REPO.parent / "shared" / "schemas" / "pre-commit-hooks.json"

BAD_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY . /app
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""
GOOD_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY . /app
USER 10001
HEALTHCHECK --start-period=60s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""

# The stage names pre-commit 3.2 introduced; the SchemaStore schema still also accepts the
# old aliases (commit, push, merge-commit), which newer clients warn about.
MODERN_STAGES = {
    "pre-commit", "pre-merge-commit", "pre-push", "prepare-commit-msg", "commit-msg",
    "post-checkout", "post-commit", "post-merge", "post-rewrite", "pre-rebase", "manual",
}
# Hook keys newer than the SchemaStore copy (it sets additionalProperties: false). None are
# used today; list one here, with the client version that added it, if the manifest needs it.
KEYS_NEWER_THAN_SCHEMA: set[str] = set()


def _hooks() -> list[dict[str, Any]]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _hook(hook_id: str) -> dict[str, Any]:
    return next(h for h in _hooks() if h["id"] == hook_id)


def test_manifest_passes_the_real_client() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        capture_output=True, text=True, check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_manifest_matches_schema_and_modern_names() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip("shared schemas are not beside this checkout")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    hooks = [{k: v for k, v in h.items() if k not in KEYS_NEWER_THAN_SCHEMA} for h in _hooks()]
    jsonschema.validate(hooks, schema)
    # What the out-of-date schema cannot catch:
    for hook in _hooks():
        assert hook["language"] != "python_venv", "python_venv is a deprecated alias"
        assert set(hook.get("stages", [])) <= MODERN_STAGES, "use the 3.2+ stage names"
        assert hook["minimum_pre_commit_version"] == "3.2.0"


def test_hook_settings() -> None:
    hook = _hook("mlaudit")
    assert hook["entry"] == "mlaudit scan"
    assert hook["language"] == "python"
    assert hook["require_serial"] is True
    assert hook["types"] == ["text"]
    full = _hook("mlaudit-full")
    assert full["pass_filenames"] is False and full["always_run"] is True
    assert full["entry"].split()[-1] == "."


# One sample path per kind mlaudit reads (see mlaudit.sources.classify).
READ_PATHS = [
    "Dockerfile", "deploy/Dockerfile", "Dockerfile.prod", "prod.Dockerfile", "Containerfile",
    "docker/containerfile-gpu", "serve/app.py", "infra/main.tf", "infra/main.tf.json",
    "infra/prod.tfvars", "infra/prod.auto.tfvars.json", "terraform.tfstate",
    "terraform.tfstate.backup", "plan.json", "compose.yaml", "docker-compose.prod.yml",
    "compose.override.yml", ".github/workflows/deploy.yml", ".github/workflows/ci.yaml",
    "template.yaml", "sam/template.yml", "serverless.yml", "ecs/task-definition.json",
    "nginx/nginx.conf", "conf.d/api.conf", "requirements.txt", "requirements-gpu.in",
    "pyproject.toml", ".env", ".env.production", "deploy/prod.env", "certs/server.pem",
    "tls/server.key", ".ssh/id_rsa", "id_ed25519", ".aws/credentials", "k8s/values.yaml",
    "scripts/deploy.sh", "setup.cfg", "config.ini", "notes.md", "templates/user_data.tpl",
]
SKIPPED_PATHS = ["logo.png", "main.go", "Makefile", "model.onnx", "weights.safetensors"]


def test_every_read_format_is_passed_to_the_hook() -> None:
    pattern = re.compile(_hook("mlaudit")["files"])
    for path in READ_PATHS:
        assert classify(path) is not None, f"sample {path} is not a format mlaudit reads"
        assert pattern.search(path), f"the hook would not pass {path} to mlaudit"
    for path in SKIPPED_PATHS:
        assert classify(path) is None
        assert not pattern.search(path), f"the hook passes {path}, which mlaudit ignores"


def test_identify_tags_text_for_every_read_format(tmp_path: Path) -> None:
    # `types: [text]` is ANDed with `files`: each sample must also be tagged text.
    identify = pytest.importorskip("identify.identify")
    for path in READ_PATHS:
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x = 1\n", encoding="utf-8")
        assert "text" in identify.tags_from_path(str(target)), path


# ---- the real client, end to end -------------------------------------------------------

needs_install = pytest.mark.skipif(
    bool(os.environ.get("MLAUDIT_OFFLINE")), reason="MLAUDIT_OFFLINE: hook install needs PyPI"
)


def _git_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in {"MLAUDIT_CACHE_DIR"}}
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_AUTHOR_NAME="mlaudit tests", GIT_AUTHOR_EMAIL="tests@example.invalid",
        GIT_COMMITTER_NAME="mlaudit tests", GIT_COMMITTER_EMAIL="tests@example.invalid",
        GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1",
    )
    env["MLAUDIT_CACHE_DIR"] = str(home / "mlaudit-cache")
    return env


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    probe = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip("this checkout is not a git repository with a commit (try-repo needs one)")
    yield tmp_path_factory.mktemp("pre-commit-home")


def _target(tmp_path: Path, home: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "target"
    repo.mkdir()
    env = _git_env(home)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    subprocess.run(["git", "add", "--", *files], cwd=repo, check=True, env=env)
    return repo


def _try_repo(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), *args],
        cwd=repo, env=_git_env(home), capture_output=True, text=True, check=False,
        stdin=subprocess.DEVNULL, timeout=600,
    )


@needs_install
def test_hook_fails_on_a_bad_dockerfile(tmp_path: Path, precommit_home: Path) -> None:
    repo = _target(tmp_path, precommit_home, {"Dockerfile": BAD_DOCKERFILE})
    out = _try_repo(repo, precommit_home, "mlaudit", "--files", "Dockerfile")
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert "MLA201" in text and "Dockerfile" in text
    assert "Traceback" not in text
    assert "files were modified by this hook" not in text  # never writes into the repo
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=repo, capture_output=True, text=True, check=True,
                            env=_git_env(precommit_home))
    assert status.stdout.strip() == "A  Dockerfile"


@needs_install
def test_hook_all_files_and_clean_files(tmp_path: Path, precommit_home: Path) -> None:
    repo = _target(tmp_path, precommit_home, {
        "bad/Dockerfile": BAD_DOCKERFILE,
        "good/Dockerfile": GOOD_DOCKERFILE,
        "README.txt": "nothing to see\n",
    })
    out = _try_repo(repo, precommit_home, "mlaudit", "--all-files")
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert "bad/Dockerfile" in text and "MLA201" in text
    assert "good/Dockerfile" not in text

    clean = _try_repo(repo, precommit_home, "mlaudit", "--files", "good/Dockerfile")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout


@needs_install
def test_full_hook_scans_the_repository(tmp_path: Path, precommit_home: Path) -> None:
    repo = _target(tmp_path, precommit_home, {"svc/Dockerfile": BAD_DOCKERFILE,
                                              "README.txt": "hello\n"})
    out = _try_repo(repo, precommit_home, "mlaudit-full", "--files", "README.txt",
                    "--hook-stage", "manual")
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert "svc/Dockerfile" in text and "MLA201" in text
