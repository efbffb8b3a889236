"""Compose projects: which files merge, and the merge itself.

The docker CLI is not available to the test suite, so the expected merged models below are
written by hand from the Compose Specification, "Merge" section
(docs.docker.com/reference/compose-file/merge/), and the multiple-files guide
(docs.docker.com/compose/how-tos/multiple-compose-files/merge/): what `docker compose
config` prints for the same files. Each expectation cites the rule it follows.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from mlaudit.compose_projects import ComposeProject, classify, compose_projects
from mlaudit.image_purpose import is_training_image
from mlaudit.models.compose import ComposeService
from mlaudit.models.dockerfile import Dockerfile
from tests.helpers import scan_dir


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip("\n"))


def _projects(root: Path, files: dict[str, str]) -> list[ComposeProject]:
    _write(root, files)
    result = scan_dir(root, rules=["MLA001"])
    return compose_projects(result.deployment.project)


def _by_id(projects: list[ComposeProject]) -> dict[str, ComposeProject]:
    return {p.id: p for p in projects}


def _service(project: ComposeProject, name: str) -> ComposeService:
    found = project.service(name)
    assert found is not None
    return found


BASE = """
services:
  api:
    image: example/api:1.0
    command: ["echo", "foo"]
    ports:
      - "8000:8000"
    environment:
      A: "1"
      B: "2"
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/health"]
      interval: 30s
    volumes:
      - ./data:/data
"""

OVERRIDE = """
services:
  api:
    command: ["echo", "bar"]
    ports:
      - "8000:8000"
      - "127.0.0.1:9000:9000"
    environment:
      B: "3"
      C: "4"
    healthcheck:
      test: ["CMD", "true"]
    volumes:
      - ./other:/data
  debug:
    image: example/debug:1.0
    profiles: ["debug"]
"""


def test_base_and_override_merge_like_compose_config(tmp_path: Path) -> None:
    projects = _projects(tmp_path, {"compose.yaml": BASE, "compose.override.yaml": OVERRIDE})
    assert [(p.id, p.files) for p in projects] == [
        ("compose:compose.yaml", ("compose.yaml", "compose.override.yaml"))]
    api = _service(projects[0], "api")
    # The service is where it was first defined.
    assert (api.span.path, api.span.line) == ("compose.yaml", 2)
    # Merge, "Mapping": image untouched by the override keeps the base value.
    assert api.image is not None and api.image.raw == "example/api:1.0"
    # Merge, "Shell commands": command is replaced, not appended.
    assert api.command == ("echo", "bar")
    assert api.command_span is not None and api.command_span.path == "compose.override.yaml"
    # Merge, "Unique resources": ports keyed by ip + target + published + protocol: the
    # repeated 8000:8000 appears once (the later entry), the new 9000 is appended.
    assert [(p.raw, p.span.path, p.span.line) for p in api.ports] == [
        ("8000:8000", "compose.override.yaml", 5),
        ("127.0.0.1:9000:9000", "compose.override.yaml", 6)]
    # Merge, "Mapping": environment merges by name, the later value wins.
    assert [(v.name, v.value, v.span.path) for v in api.environment] == [
        ("A", "1", "compose.yaml"), ("B", "3", "compose.override.yaml"),
        ("C", "4", "compose.override.yaml")]
    # healthcheck is a mapping (interval kept) whose `test` is replaced; the check as run
    # was last written in the override, so its span points there.
    assert api.healthcheck is not None
    assert api.healthcheck.test == ("CMD", "true")
    assert api.healthcheck.interval == "30s"
    assert api.healthcheck.span.path == "compose.override.yaml"
    # Merge, "Unique resources": volumes keyed by the container path.
    assert [(v.source, v.target) for v in api.volumes] == [("./other", "/data")]
    # A service only the override defines is part of the project; profiles are kept.
    debug = _service(projects[0], "debug")
    assert debug.is_profiled and debug.profiles == ("debug",)
    assert debug.span.path == "compose.override.yaml"


def test_other_files_are_projects_of_their_own(tmp_path: Path) -> None:
    projects = _projects(tmp_path, {
        "docker-compose.yml": BASE, "docker-compose.prod.yml": OVERRIDE,
        "compose.dev.yaml": OVERRIDE})
    assert sorted(p.id for p in projects) == [
        "compose:compose.dev.yaml", "compose:docker-compose.prod.yml",
        "compose:docker-compose.yml"]


def test_override_without_base_is_its_own_project(tmp_path: Path) -> None:
    projects = _projects(tmp_path, {"svc/compose.override.yml": OVERRIDE})
    assert [(p.id, p.files, p.directory) for p in projects] == [
        ("compose:svc/compose.override.yml", ("svc/compose.override.yml",), "svc")]


def test_f_set_from_makefile_is_one_project(tmp_path: Path) -> None:
    projects = _by_id(_projects(tmp_path, {
        "docker-compose.yml": BASE,
        "docker-compose.prod.yml": OVERRIDE,
        "Makefile": "up:\n\tdocker compose -f docker-compose.yml \\\n"
                    "\t  -f docker-compose.prod.yml up -d\n"}))
    # The default project (plain `docker compose up`) and the -f set; the prod file is no
    # project of its own, and the set, sharing its first file, is named after all its files.
    assert set(projects) == {"compose:docker-compose.yml",
                             "compose:docker-compose.yml+docker-compose.prod.yml"}
    merged = projects["compose:docker-compose.yml+docker-compose.prod.yml"]
    assert merged.files == ("docker-compose.yml", "docker-compose.prod.yml")
    assert merged.origin == "set"
    assert _service(merged, "api").command == ("echo", "bar")


def test_f_set_from_workflow_and_readme(tmp_path: Path) -> None:
    projects = _by_id(_projects(tmp_path, {
        "deploy/docker-compose.base.yml": BASE,
        "deploy/docker-compose.gpu.yml": OVERRIDE,
        ".github/workflows/deploy.yml": """
            on: push
            jobs:
              deploy:
                runs-on: ubuntu-latest
                steps:
                  - run: >-
                      docker compose -f deploy/docker-compose.base.yml
                      --file=deploy/docker-compose.gpu.yml up -d
            """,
        "README.md": "```sh\ncd deploy && docker-compose -f docker-compose.base.yml up\n```\n"}))
    # The README runs the base file alone (`cd deploy && ... -f docker-compose.base.yml`):
    # that is a project too, and keeps the plain id; the workflow's set is named by its files.
    assert projects["compose:deploy/docker-compose.base.yml"].files == (
        "deploy/docker-compose.base.yml",)
    both = "compose:deploy/docker-compose.base.yml+deploy/docker-compose.gpu.yml"
    assert projects[both].files == (
        "deploy/docker-compose.base.yml", "deploy/docker-compose.gpu.yml")
    assert "compose:deploy/docker-compose.gpu.yml" not in projects


def test_compose_file_variable_in_dotenv(tmp_path: Path) -> None:
    projects = _by_id(_projects(tmp_path, {
        "docker-compose.yml": BASE, "docker-compose.gpu.yml": OVERRIDE,
        ".env": "COMPOSE_PROJECT_NAME=ml\n"
                "COMPOSE_FILE=docker-compose.yml:docker-compose.gpu.yml\n"}))
    assert projects["compose:docker-compose.yml+docker-compose.gpu.yml"].files == (
        "docker-compose.yml", "docker-compose.gpu.yml")
    assert "compose:docker-compose.gpu.yml" not in projects


def test_paths_of_a_later_file_resolve_from_the_first_files_directory(tmp_path: Path) -> None:
    projects = _by_id(_projects(tmp_path, {
        "docker-compose.yml": "services:\n  api:\n    image: example/api:1.0\n",
        "ops/prod.compose.yml": "services:\n  api:\n    build: ./api\n",
        "deploy.sh": "docker compose -f docker-compose.yml -f ops/prod.compose.yml up -d\n"}))
    # multiple-files guide: "all paths in the files are relative to the base Compose file".
    api = _service(projects["compose:docker-compose.yml+ops/prod.compose.yml"], "api")
    assert api.build is not None and api.build.context == "api"
    assert api.build.dockerfile == "api/Dockerfile"


def test_extends_copies_the_service_from_another_file(tmp_path: Path) -> None:
    projects = _by_id(_projects(tmp_path, {
        "common/services.yml": """
            services:
              python-api:
                build: .
                command: uvicorn app:app --host 0.0.0.0 --port 8000
                environment:
                  LOG_LEVEL: info
            """,
        "docker-compose.yml": """
            services:
              api:
                extends:
                  file: common/services.yml
                  service: python-api
                environment:
                  LOG_LEVEL: debug
                ports:
                  - "127.0.0.1:8000:8000"
            """}))
    assert set(projects) == {"compose:docker-compose.yml"}  # the extended file is no project
    api = _service(projects["compose:docker-compose.yml"], "api")
    assert (api.span.path, api.span.line) == ("docker-compose.yml", 2)
    assert api.extends is None
    assert api.command is not None and api.command[0] == "uvicorn"
    assert api.server is not None and api.server.server == "uvicorn"
    # extends: paths of the extended service stay relative to the file that wrote them.
    assert api.build is not None and api.build.context == "common"
    assert [(v.name, v.value) for v in api.environment] == [("LOG_LEVEL", "debug")]
    assert [p.span.path for p in api.ports] == ["docker-compose.yml"]


def test_include_pulls_a_whole_project_in(tmp_path: Path) -> None:
    projects = _by_id(_projects(tmp_path, {
        "compose.yaml": """
            include:
              - infra/database.yaml
            services:
              api:
                image: example/api:1.0
                depends_on:
                  migrate:
                    condition: service_completed_successfully
            """,
        "infra/database.yaml": """
            services:
              db:
                image: postgres:16
              migrate:
                image: example/api:1.0
                command: alembic upgrade head
            """}))
    assert set(projects) == {"compose:compose.yaml"}
    project = projects["compose:compose.yaml"]
    assert project.included == ("infra/database.yaml",)
    assert {s.name for s in project.services} == {"api", "db", "migrate"}
    assert _service(project, "db").span.path == "infra/database.yaml"
    assert _service(project, "migrate").purpose == "job"


def test_service_nodes_come_from_merged_projects(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": BASE, "compose.override.yaml": OVERRIDE})
    deployment = scan_dir(tmp_path, rules=["MLA001"]).deployment
    services = sorted((s.id, s.group) for s in deployment.services())
    assert services == [
        ("service:compose:compose.yaml:api", "compose:compose.yaml"),
        ("service:compose:compose.yaml:debug", "compose:compose.yaml")]


def test_compose_run_with_a_test_command_marks_a_test_runner(tmp_path: Path) -> None:
    projects = _projects(tmp_path, {
        "compose.yaml": """
            services:
              e2e:
                build: .
                ports: ["9323:9323"]
              api:
                build: .
                ports: ["8000:8000"]
            """,
        "scripts/ci.sh": "docker compose run --rm -e CI=1 e2e bunx playwright test\n"
                         "docker compose run --rm api alembic upgrade head\n"})
    assert _service(projects[0], "e2e").purpose == "test"
    assert _service(projects[0], "api").purpose == "serve"


def _svc(**values: object) -> ComposeService:
    from mlaudit.models.command import analyse_argv
    from mlaudit.parsers.compose import from_document
    body = {"services": {"s": values}}
    service = from_document("compose.yaml", body).services[0]
    argv = (service.entrypoint or ()) + (service.command or ())
    assert service.server == (analyse_argv(argv) if argv else None)
    return service


def test_purpose_classification() -> None:
    assert classify(_svc(image="amazon/dynamodb-local:2.5.2", ports=["8000:8000"])) == "emulator"
    assert classify(_svc(image="localstack/localstack", ports=["4566:4566"])) == "emulator"
    assert classify(_svc(image="example/dynamodb-gateway", ports=["8000:8000"])) == "serve"
    assert classify(_svc(image="python:3.12", command="python -m pytest tests/e2e")) == "test"
    assert classify(_svc(image="node:20", command="npm test")) == "test"
    assert classify(_svc(image="node:20", command=["sh", "-c", "npx playwright test"])) == "test"
    # A test-ish name alone decides nothing: what runs does.
    assert classify(_svc(image="node:20", command="npx http-server -p 9323",
                         ports=["9323:9323"])) == "serve"
    assert classify(_svc(image="python:3.12", command="python backfill.py",
                         restart="no")) == "job"
    assert classify(_svc(image="python:3.12", command="alembic upgrade head")) == "job"
    assert classify(_svc(image="python:3.12", command="python worker.py",
                         restart="always")) == "serve"
    assert classify(_svc(image="python:3.12", command="python worker.py"),
                    completed_by_others=True) == "job"
    assert classify(_svc(image="mcr.microsoft.com/playwright:v1.48.0-jammy",
                         ports=["9323:9323"])) == "test"
    assert classify(_svc(image="redis:7")) == "unknown"
    assert classify(_svc(image="python:3.12", command="uvicorn a:app --port 8000",
                         restart="no")) == "serve"


def _dockerfile(root: Path, text: str, extra: dict[str, str] | None = None
                ) -> tuple[Dockerfile, object]:
    _write(root, {"Dockerfile": text, **(extra or {})})
    result = scan_dir(root, rules=["MLA001"])
    project = result.deployment.project
    model = project.models["Dockerfile"]
    assert isinstance(model, Dockerfile)
    return model, project


def test_training_image_by_program_directory(tmp_path: Path) -> None:
    text = "FROM python:3.11\nCOPY model /opt/program\nWORKDIR /opt/program\n"
    only_train, project = _dockerfile(tmp_path / "a", text, {"model/train": "#!/bin/sh\n"})
    assert is_training_image(only_train, project)  # type: ignore[arg-type]
    both, project = _dockerfile(tmp_path / "b", text, {"model/train": "#!/bin/sh\n",
                                                        "model/serve": "#!/bin/sh\n"})
    assert not is_training_image(both, project)  # type: ignore[arg-type]
    named, project = _dockerfile(tmp_path / "c", "FROM python:3.11\n"
                                 "COPY train /opt/program/train\n")
    assert is_training_image(named, project)  # type: ignore[arg-type]
    served, project = _dockerfile(tmp_path / "d", "FROM python:3.11\nCOPY app.py /app/\n"
                                  'CMD ["gunicorn", "app:app"]\n')
    assert not is_training_image(served, project)  # type: ignore[arg-type]
