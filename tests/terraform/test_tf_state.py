"""State v4 and plan/show JSON: detection, addresses, mapping to HCL, robustness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlaudit.models.terraform import TerraformState
from mlaudit.parsers import ParseError, yaml_source
from mlaudit.parsers.terraform_state import from_document, looks_like_terraform
from tests.terraform.tf_helpers import evaluate_tree

STATE = {
    "version": 4, "terraform_version": "1.7.5", "serial": 3, "lineage": "0f1e2d3c",
    "outputs": {},
    "resources": [
        {"mode": "managed", "type": "aws_db_instance", "name": "db", "module": "module.data",
         "instances": [{"schema_version": 2, "attributes": {"password": "s3cr3t-Zq9x"}}]},
        {"mode": "managed", "type": "aws_instance", "name": "w", "each": "list",
         "instances": [{"index_key": 0, "attributes": {}}, {"index_key": 1, "attributes": None}]},
        {"mode": "data", "type": "aws_ami", "name": "gpu", "instances": None},
    ],
    "check_results": None,
}

PLAN = {
    "format_version": "1.2", "terraform_version": "1.7.5",
    "planned_values": {"root_module": {"resources": []}},
    "resource_changes": [
        {"address": 'aws_ecr_repository.m["a"]', "mode": "managed",
         "type": "aws_ecr_repository", "name": "m", "index": "a",
         "change": {"actions": ["delete", "create"], "after": {"name": "model-a"},
                    "after_unknown": {"arn": True}}},
        {"address": "broken"},
        None,
    ],
}


def test_state_v4_resources_and_addresses() -> None:
    state = from_document("terraform.tfstate", yaml_source.load(json.dumps(STATE, indent=1)))
    assert state is not None and state.kind == "state"
    assert [r.address for r in state.resources] == [
        "module.data.aws_db_instance.db", "aws_instance.w[0]", "aws_instance.w[1]"]
    assert state.resources[0].config_address == "module.data.aws_db_instance.db"
    assert state.resources[0].span.line > 1


def test_plan_resource_changes() -> None:
    plan = from_document("plan.json", PLAN)
    assert plan is not None and plan.kind == "plan"
    change = plan.resources[0]
    assert change.actions == ("delete", "create") and change.index == "a"
    assert change.config_address == "aws_ecr_repository.m"
    assert change.after_unknown == {"arn": True}


def test_show_json_of_state() -> None:
    show = {"format_version": "1.0", "values": {"root_module": {"child_modules": [
        {"address": "module.a", "resources": [
            {"address": "module.a.aws_s3_bucket.b", "type": "aws_s3_bucket", "name": "b",
             "mode": "managed", "values": {}}]}]}}}
    state = from_document("state.json", show)
    assert state is not None and state.kind == "show"
    assert state.resources[0].module == "module.a"


@pytest.mark.parametrize("data", [{"version": 3, "lineage": "x", "modules": []},
                                  {"format_version": "2.0", "planned_values": {}}])
def test_unsupported_versions_are_parse_errors(data: dict[str, object]) -> None:
    with pytest.raises(ParseError):
        from_document("x.json", data)


def test_other_json_is_not_terraform() -> None:
    assert from_document("package.json", {"name": "x", "version": 4}) is None
    assert not looks_like_terraform([1, 2])
    assert looks_like_terraform(PLAN) and looks_like_terraform(STATE)


def test_state_maps_to_declaring_hcl_line(tmp_path: Path) -> None:
    files = {
        "main.tf": 'module "data" {\n  source = "./data"\n}\n'
                   'resource "aws_instance" "w" {\n  count = 2\n}\n',
        "data/db.tf": '\n\nresource "aws_db_instance" "db" {\n}\n',
        "terraform.tfstate": json.dumps(STATE),
    }
    project = evaluate_tree(tmp_path, files)
    state = project.states[0]
    assert isinstance(state, TerraformState)
    spans = {r.address: r.declared_at for r in state.resources}
    db = spans["module.data.aws_db_instance.db"]
    assert db is not None and (db.path, db.line) == ("data/db.tf", 3)
    worker = spans["aws_instance.w[1]"]
    assert worker is not None and (worker.path, worker.line) == ("main.tf", 4)

