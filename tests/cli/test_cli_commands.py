"""`mlaudit rules`, `mlaudit explain`, `--version`, help and argument errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlaudit import __version__
from mlaudit.cli import main
from tests.cli.conftest import CliRunner


def test_rules_text_lists_every_rule(cli: CliRunner) -> None:
    run = cli("rules")
    assert run.code == 0
    for rule_id in ("MLA001", "MLA101", "MLA201", "MLA202", "MLA203"):
        assert rule_id in run.out
    assert "dockerfile-healthcheck-missing" in run.out


def test_rules_json_has_the_catalogue_fields(cli: CliRunner) -> None:
    run = cli("rules", "--format", "json")
    assert run.code == 0
    rules = json.loads(run.out)
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert {"MLA001", "MLA101", "MLA201", "MLA202", "MLA203"} <= set(ids)
    for rule in rules:
        for key in ("id", "name", "title", "severity", "category"):
            assert isinstance(rule[key], str) and rule[key], (rule.get("id"), key)
        assert rule["severity"] in {"critical", "high", "medium", "low", "info"}
    assert next(r for r in rules if r["id"] == "MLA201")["name"] == (
        "dockerfile-healthcheck-missing")


def test_rules_markdown(cli: CliRunner) -> None:
    run = cli("rules", "--format", "markdown")
    assert run.code == 0 and "MLA201" in run.out


@pytest.mark.parametrize("ref", ["MLA201", "mla201", "dockerfile-healthcheck-missing"])
def test_explain(cli: CliRunner, ref: str) -> None:
    run = cli("explain", ref)
    assert run.code == 0
    assert "MLA201" in run.out and "HEALTHCHECK" in run.out
    assert "How to fix" in run.out


@pytest.mark.parametrize("ref", ["MLA999", "dockerfile-healthcheck-mising"])
def test_explain_unknown(cli: CliRunner, ref: str) -> None:
    run = cli("explain", ref)
    assert run.code == 2
    assert ref in run.err and run.out == ""
    if ref.startswith("dockerfile"):
        assert "did you mean 'dockerfile-healthcheck-missing'" in run.err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:  # argparse's version action exits 0
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"mlaudit {__version__}"


def test_no_arguments_prints_help_and_exits_2(cli: CliRunner) -> None:
    run = cli()
    assert run.code == 2
    assert "usage: mlaudit" in run.out + run.err and "scan" in run.out + run.err


@pytest.mark.parametrize("argv", [
    ["frobnicate"], ["scan", "--format", "xml"], ["scan", "--jobs", "many"],
    ["scan", "--no-such-option"], ["rules", "--format", "sarif"], ["explain"],
])
def test_bad_arguments_exit_2_in_one_line(cli: CliRunner, argv: list[str],
                                          tmp_path: Path) -> None:
    run = cli(*argv, cwd=tmp_path, select=False)
    assert run.code == 2
    assert run.err.strip().splitlines()[-1].startswith("mlaudit: error:")
