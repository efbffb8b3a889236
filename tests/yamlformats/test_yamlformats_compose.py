"""The compose parser: services, both port syntaxes, env forms, health checks, with lines."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from mlaudit.models.compose import ComposeFile, parse_duration
from mlaudit.parsers import ParseError
from mlaudit.parsers.compose import interpolate
from tests.yamlformats.formats_support import line_of, parse_fixture, parse_text

FILE = "compose/docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> ComposeFile:
    model = parse_fixture(FILE)
    assert isinstance(model, ComposeFile)
    return model


def test_services_and_lines(compose: ComposeFile) -> None:
    assert [s.name for s in compose.services] == ["api", "worker", "redis"]
    api = compose.service("api")
    assert api is not None
    assert api.span.line == line_of(FILE, "  api:")
    assert api.image is not None and api.image.tag == "1.4.2"  # ${API_TAG:-1.4.2}
    assert api.image_span is not None and api.image_span.line == line_of(FILE, "image: ghcr")
    assert api.restart == "unless-stopped"  # from the `<<: *common` merge key


def test_short_port_syntaxes(compose: ComposeFile) -> None:
    api = compose.service("api")
    assert api is not None
    by_raw = {p.raw: p for p in api.ports}
    plain = by_raw["8000:8000"]
    assert (plain.host_ip, plain.published, plain.target) == (None, (8000, 8000), (8000, 8000))
    assert plain.binds_all_interfaces and plain.span.line == line_of(FILE, '"8000:8000"')
    loop = by_raw["127.0.0.1:9090:9090"]
    assert loop.host_ip == "127.0.0.1" and loop.is_loopback and not loop.binds_all_interfaces
    v6 = by_raw["[::1]:8080:80"]
    assert (v6.host_ip, v6.published, v6.target) == ("::1", (8080, 8080), (80, 80))
    assert v6.is_loopback
    # Unquoted 22:22 is a base-60 int in YAML 1.1; Compose reads the text.
    sexagesimal = by_raw["22:22"]
    assert sexagesimal.published == (22, 22) and sexagesimal.span.line == line_of(FILE, "- 22:22")
    ranged = by_raw["9000-9005:9000-9005"]
    assert list(ranged.published_ports) == list(range(9000, 9006))
    assert by_raw["5353:5353/udp"].protocol == "udp"
    ephemeral = by_raw["3000"]
    assert ephemeral.published is None and ephemeral.target == (3000, 3000)
    unknown = by_raw["${METRICS_PORT}:9100"]
    assert unknown.published is None and unknown.published_text == "${METRICS_PORT}"


def test_long_port_syntax(compose: ComposeFile) -> None:
    api = compose.service("api")
    assert api is not None
    long_ports = [p for p in api.ports if p.long_syntax]
    assert len(long_ports) == 2
    first, second = long_ports
    assert (first.host_ip, first.published, first.target) == ("0.0.0.0", (8501, 8501),
                                                                (8501, 8501))
    assert first.span.line == line_of(FILE, "- target: 8501")
    assert second.published is None and second.target == (7000, 7000)


@pytest.mark.parametrize(
    ("text", "host_ip", "published", "target", "protocol"),
    [
        ("8000", None, None, (8000, 8000), "tcp"),
        ("127.0.0.1::8000", "127.0.0.1", None, (8000, 8000), "tcp"),
        ("0.0.0.0:80:8080/tcp", "0.0.0.0", (80, 80), (8080, 8080), "tcp"),
        ("[::]:443:8443", "::", (443, 443), (8443, 8443), "tcp"),
        ("8000-8001:9000-9001/udp", None, (8000, 8001), (9000, 9001), "udp"),
    ],
)
def test_short_port_table(tmp_path: Path, text: str, host_ip: str | None,
                          published: tuple[int, int] | None, target: tuple[int, int],
                          protocol: str) -> None:
    model = parse_text(tmp_path, "compose.yaml",
                       f'services:\n  web:\n    image: nginx:1.27\n    ports:\n      - "{text}"\n')
    (port,) = model.services[0].ports
    assert (port.host_ip, port.published, port.target, port.protocol) == (
        host_ip, published, target, protocol)
    assert port.span.line == 5


def test_environment_map_and_list(compose: ComposeFile) -> None:
    api, worker = compose.service("api"), compose.service("worker")
    assert api is not None and worker is not None
    env = {e.name: e for e in api.environment}
    assert env["LOG_LEVEL"].value == "info"  # ${LOG_LEVEL:-info}
    assert env["HF_TOKEN"].value is None and env["HF_TOKEN"].is_unresolved
    assert env["WORKERS"].value == "2"
    assert env["MODEL_PATH"].span.line == line_of(FILE, "MODEL_PATH:")
    listed = {e.name: e for e in worker.environment}
    assert listed["QUEUE"].value == "inference"
    assert listed["DEBUG"].value is None
    assert listed["API_URL"].span.line == line_of(FILE, "- API_URL=")


def test_healthchecks(compose: ComposeFile) -> None:
    api, worker, redis = compose.services
    assert api.healthcheck is not None
    assert api.healthcheck.span.line == line_of(FILE, "healthcheck:")
    assert api.healthcheck.test[0] == "CMD" and api.healthcheck.retries == 3
    assert api.healthcheck.interval_seconds == 30.0
    assert api.healthcheck.start_period_seconds == 90.0
    assert worker.healthcheck is not None and worker.healthcheck.disabled
    assert redis.healthcheck is not None
    assert redis.healthcheck.test == ("CMD-SHELL", "redis-cli ping")
    assert not redis.healthcheck.disabled


def test_build_command_and_server(compose: ComposeFile) -> None:
    api, worker, redis = compose.services
    assert api.build is not None
    assert api.build.context == "fixtures/formats/compose/api"
    assert api.build.dockerfile == "fixtures/formats/compose/api/docker/Dockerfile.gpu"
    assert api.build.target == "runtime"
    assert api.server is not None and api.server.server == "uvicorn"
    assert api.server.port == 8000 and api.server.binds_all_interfaces
    assert api.command_span is not None and api.command_span.line == line_of(FILE, "command: uv")
    assert worker.build is not None and worker.build.context == "fixtures/formats/worker"
    assert worker.entrypoint == ("python", "-m", "celery")
    assert worker.command == ("-A", "tasks", "worker")
    assert redis.image is not None and redis.image.is_latest_or_untagged
    assert redis.network_mode == "host"


def test_deploy_depends_env_files_volumes(compose: ComposeFile) -> None:
    api, worker, _ = compose.services
    assert api.deploy is not None and api.deploy.replicas == 2 and api.deploy.gpu
    assert api.deploy.limits is not None and api.deploy.limits.memory == "8G"
    assert [(d.name, d.condition) for d in api.depends_on] == [("redis", "service_healthy")]
    assert [(d.name, d.condition) for d in worker.depends_on] == [("redis", None)]
    assert [(f.path, f.required) for f in api.env_files] == [
        ("fixtures/formats/compose/.env", True),
        ("fixtures/formats/compose/override.env", False)]
    models = api.volumes[0]
    assert (models.source, models.target, models.read_only, models.kind) == (
        "./models", "/models", True, "bind")
    assert api.labels == {"team": "ml-platform"} and api.networks == ("backend",)
    assert [e.port for e in api.expose] == [8001, 8002]


def test_model_pickles(compose: ComposeFile) -> None:
    assert pickle.loads(pickle.dumps(compose)) == compose


def test_interpolation() -> None:
    assert interpolate("${A:-x}/${B-y}/${C}/$$HOME/$D") == "x/y/${C}/$HOME/$D"
    assert interpolate("${REQUIRED:?must be set}") == "${REQUIRED:?must be set}"
    assert parse_duration("1m30s") == 90 and parse_duration("soon") is None


@pytest.mark.parametrize("text", [
    "version: '3'\n",  # no services
    "services: []\n",
    "- a\n- b\n",
    "",
])
def test_not_compose(tmp_path: Path, text: str) -> None:
    assert parse_text(tmp_path, "docker-compose.yml", text) is None


def test_malformed_compose_has_line() -> None:
    with pytest.raises(ParseError) as info:
        parse_fixture("malformed/docker-compose.yml")
    assert info.value.line in (6, 7)  # the unclosed flow list opened on line 6


def test_service_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as info:
        parse_text(tmp_path, "compose.yml", "services:\n  api:\n    image: x\n  bad: 3\n")
    assert info.value.line == 4
