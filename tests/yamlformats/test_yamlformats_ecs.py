"""The ECS task definition parser: files, describe output, bare lists, Terraform data."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from mlaudit.models.ecs import TaskDefinition
from mlaudit.parsers import ParseError
from mlaudit.parsers.ecs_task_definition import containers_from_data, task_definition_from_data
from mlaudit.span import Span
from tests.yamlformats.formats_support import line_of, parse_fixture, parse_text

FILE = "ecs/api-task-def.json"


@pytest.fixture(scope="module")
def task() -> TaskDefinition:
    model = parse_fixture(FILE)
    assert isinstance(model, TaskDefinition)
    return model


def test_task_fields(task: TaskDefinition) -> None:
    assert task.family == "model-api" and task.network_mode == "awsvpc"
    assert task.cpu == "1024" and task.memory == "4096" and task.is_fargate
    assert task.span.line == 1
    assert [c.name for c in task.containers] == ["api", "log-router"]


def test_container_lines(task: TaskDefinition) -> None:
    api, router = task.containers
    assert api.span.line == line_of(FILE, '"name": "api"') - 1  # the `{` opening the item
    assert api.image is not None and api.image.tag == "1.4.2"
    assert api.image_span is not None and api.image_span.line == line_of(FILE, "model-api:1.4.2")
    assert api.essential and not router.essential
    assert router.image is not None and router.image.is_latest_or_untagged


def test_ports_health_env_secrets(task: TaskDefinition) -> None:
    api = task.containers[0]
    first, second = api.port_mappings
    assert (first.container_port, first.host_port, first.protocol) == (8080, 8080, "tcp")
    assert first.span.line == line_of(FILE, '"containerPort": 8080')
    assert (second.container_port, second.host_port) == (9100, None)
    assert second.span.line == line_of(FILE, '"containerPort": 9100')
    health = api.health_check
    assert health is not None and health.command[0] == "CMD-SHELL"
    assert (health.interval, health.timeout, health.retries, health.start_period) == (
        30, 5, 3, 120)
    assert health.span.line == line_of(FILE, '"healthCheck"')
    env = {e.name: e for e in api.environment}
    assert env["WORKERS"].value == "4"
    assert env["MODEL_PATH"].span.line == line_of(FILE, "MODEL_PATH")
    (secret,) = api.secrets
    assert secret.name == "HF_TOKEN" and secret.value_from is not None
    assert secret.span.line == line_of(FILE, '"HF_TOKEN"')
    assert api.gpu == 1 and api.log_driver == "awslogs"


def test_server_launch(task: TaskDefinition) -> None:
    api = task.containers[0]
    assert api.server is not None and api.server.server == "gunicorn"
    assert api.server.port == 8080 and api.server.binds_all_interfaces
    assert pickle.loads(pickle.dumps(task)) == task


def test_plain_data_uses_fallback() -> None:
    """Container data decoded from a Terraform jsonencode has no lines: the fallback is used."""
    fallback = Span("infra/ecs.tf", 42, 3)
    data = [{"name": "api", "image": "repo/api:${var.tag}", "portMappings": [
        {"containerPort": "8000"}], "environment": [{"name": "A", "value": 1}],
        "command": ["uvicorn", "main:app", "--port", "8000"]}]
    (container,) = containers_from_data(data, "infra/ecs.tf", fallback)
    assert container.span == fallback
    assert container.port_mappings[0].container_port == 8000
    assert container.port_mappings[0].span == fallback
    assert container.environment[0].value == "1"
    assert container.image is not None and container.image.has_variable
    assert container.server is not None and container.server.port == 8000
    assert containers_from_data("not json", "x.tf", fallback) == ()
    assert containers_from_data({"containerDefinitions": data}, "x.tf", fallback)


def test_json_string_container_definitions() -> None:
    fallback = Span("main.tf", 7)
    doc = {"family": "f", "containerDefinitions": json.dumps([{"name": "a", "image": "b:1"}])}
    model = task_definition_from_data(doc, "main.tf", fallback)
    assert model is not None and model.containers[0].name == "a"
    assert model.containers[0].span == fallback


def test_describe_output_and_bare_list(tmp_path: Path) -> None:
    describe = {"taskDefinition": {"family": "svc", "containerDefinitions": [
        {"name": "web", "image": "nginx:1.27"}]}}
    model = parse_text(tmp_path, "svc-task-def.json", json.dumps(describe, indent=2))
    assert model.family == "svc" and model.containers[0].name == "web"
    bare = parse_text(tmp_path, "containers-taskdef.json",
                      '[\n  {"name": "w", "image": "x:2"}\n]\n')
    assert bare.containers[0].span.line == 2


def test_not_a_task_definition(tmp_path: Path) -> None:
    assert parse_text(tmp_path, "task-definition.json", '{"hello": 1}') is None


def test_malformed_json_line() -> None:
    with pytest.raises(ParseError) as info:
        parse_fixture("malformed/broken-task-def.json")
    assert info.value.line == 4
