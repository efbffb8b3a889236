"""Configuration files, severity overrides, per-path ignores and baselines via the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import BAD_DOCKERFILE, LATEST_DOCKERFILE, CliRunner, make_repo


def _findings(report: str) -> list[dict[str, object]]:
    findings: list[dict[str, object]] = json.loads(report)["findings"]
    return findings


def _rules(report: str) -> set[str]:
    return {str(f["rule"]) for f in _findings(report)}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "svc", {"Dockerfile": BAD_DOCKERFILE})


def test_explicit_config_file(cli: CliRunner, repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "strict.toml"
    config.write_text('ignore = ["MLA202"]\nfail-on = "high"\n', encoding="utf-8")
    run = cli("scan", "-f", "json", "--config", str(config), ".", cwd=repo)
    assert _rules(run.out) == {"MLA201"}
    assert run.code == 0  # medium findings, fail-on high


def test_explicit_config_may_use_a_tool_section(cli: CliRunner, repo: Path,
                                                tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.mlaudit]\nignore = ["MLA201"]\n', encoding="utf-8")
    run = cli("scan", "-f", "json", "--config", str(config), ".", cwd=repo)
    assert _rules(run.out) == {"MLA202"}


@pytest.mark.parametrize(("text", "message"), [
    ("ignore = [\n", "invalid TOML"),
    ('ignor = ["MLA201"]\n', "did you mean 'ignore'"),
    ('fail-on = "severe"\n', "fail-on"),
    ('ignore = "MLA201"\n', "must be a list"),
    ('[severity]\nMLA999 = "high"\n', "MLA999"),
    ('[severity]\nMLA201 = "urgent"\n', "severity.MLA201"),
])
def test_bad_config_is_a_usage_error(cli: CliRunner, repo: Path, tmp_path: Path, text: str,
                                     message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    run = cli("scan", "--config", str(config), ".", cwd=repo)
    assert run.code == 2, run.all
    assert run.err.startswith("mlaudit: error:") and message in run.err
    assert run.out == ""


def test_missing_config_file(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "--config", "nope.toml", ".", cwd=repo)
    assert run.code == 2 and "nope.toml" in run.err


def test_dedicated_config_is_found_at_the_root(cli: CliRunner, repo: Path) -> None:
    (repo / ".mlaudit.toml").write_text('ignore = ["MLA201"]\n', encoding="utf-8")
    (repo / "sub").mkdir()
    run = cli("scan", "-f", "json", "..", cwd=repo / "sub")
    assert _rules(run.out) == {"MLA202"}


def test_malformed_dedicated_config_stays_fatal(cli: CliRunner, repo: Path) -> None:
    (repo / ".mlaudit.toml").write_text("ignore = [\n", encoding="utf-8")
    run = cli("scan", ".", cwd=repo)
    assert run.code == 2 and ".mlaudit.toml" in run.err


def test_pyproject_tool_section(cli: CliRunner, repo: Path) -> None:
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1"\n\n[tool.mlaudit]\nignore = ["MLA202"]\n',
        encoding="utf-8")
    run = cli("scan", "-f", "json", ".", cwd=repo)
    assert _rules(run.out) == {"MLA201"}


def test_pyproject_unknown_key_is_fatal(cli: CliRunner, repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.mlaudit]\nfail_on = "high"\n',
                                         encoding="utf-8")
    run = cli("scan", ".", cwd=repo)
    assert run.code == 2 and "did you mean 'fail-on'" in run.err


def test_severity_override(cli: CliRunner, repo: Path) -> None:
    (repo / ".mlaudit.toml").write_text('[severity]\nMLA201 = "high"\n'
                                        'dockerfile-user-root = "info"\n', encoding="utf-8")
    run = cli("scan", "-f", "json", "--fail-on", "high", ".", cwd=repo)
    severities = {f["rule"]: f["severity"] for f in _findings(run.out)}
    assert severities == {"MLA201": "high", "MLA202": "info"}
    assert run.code == 1  # MLA201 is now high
    run = cli("scan", "-f", "json", "--fail-on", "critical", ".", cwd=repo)
    assert run.code == 0


def test_config_fail_on_and_cli_override(cli: CliRunner, repo: Path) -> None:
    (repo / ".mlaudit.toml").write_text('fail-on = "critical"\n', encoding="utf-8")
    assert cli("scan", ".", cwd=repo).code == 0
    assert cli("scan", "--fail-on", "medium", ".", cwd=repo).code == 1


def test_per_path_ignores(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"legacy/Dockerfile": BAD_DOCKERFILE,
                                      "svc/Dockerfile": BAD_DOCKERFILE})
    (repo / ".mlaudit.toml").write_text(
        '[per-path-ignores]\n"legacy/*" = ["MLA201", "dockerfile-user-root"]\n',
        encoding="utf-8")
    run = cli("scan", "-f", "json", ".", cwd=repo)
    assert {(f["rule"], f["location"]["path"]) for f in _findings(run.out)} == {  # type: ignore[index]
        ("MLA201", "svc/Dockerfile"), ("MLA202", "svc/Dockerfile")}


def test_cli_ignore_adds_to_config_ignore(cli: CliRunner, repo: Path) -> None:
    (repo / ".mlaudit.toml").write_text('ignore = ["MLA201"]\n', encoding="utf-8")
    run = cli("scan", "-f", "json", "--ignore", "MLA202", ".", cwd=repo)
    assert _rules(run.out) == set() and run.code == 0


# ---- baselines --------------------------------------------------------------------------

def test_baseline_reports_only_new_findings(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"api/Dockerfile": BAD_DOCKERFILE})
    made = cli("baseline", "-o", "baseline.json", ".", cwd=repo)
    assert made.code == 0 and "wrote 2 finding fingerprints" in made.out
    document = json.loads((repo / "baseline.json").read_text(encoding="utf-8"))
    assert document["version"] == 1 and len(document["findings"]) == 2
    assert all(str(repo) not in json.dumps(item) for item in document["findings"])

    run = cli("scan", "-f", "json", "--baseline", "baseline.json", ".", cwd=repo)
    assert (run.code, _findings(run.out)) == (0, [])
    assert json.loads(run.out)["summary"]["baselined"] == 2

    # Lines inserted above the findings: fingerprints hold, still clean.
    dockerfile = repo / "api" / "Dockerfile"
    dockerfile.write_text("# syntax=docker/dockerfile:1\n# the API image\n\n" + BAD_DOCKERFILE,
                          encoding="utf-8")
    run = cli("scan", "--baseline", "baseline.json", ".", cwd=repo)
    assert run.code == 0, run.out

    # A new problem is reported; the old ones stay baselined.
    (repo / "worker").mkdir()
    (repo / "worker" / "Dockerfile").write_text(LATEST_DOCKERFILE, encoding="utf-8")
    run = cli("scan", "-f", "json", "--baseline", "baseline.json", ".", cwd=repo)
    assert run.code == 1
    assert {f["location"]["path"] for f in _findings(run.out)} == {  # type: ignore[index]
        "worker/Dockerfile"}


@pytest.mark.parametrize("content", [None, "{not json", '{"version": 7}'])
def test_bad_baseline_is_a_usage_error(cli: CliRunner, repo: Path, content: str | None) -> None:
    if content is not None:
        (repo / "baseline.json").write_text(content, encoding="utf-8")
    run = cli("scan", "--baseline", "baseline.json", ".", cwd=repo)
    assert run.code == 2 and "baseline" in run.err
