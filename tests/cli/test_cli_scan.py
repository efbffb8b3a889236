"""`mlaudit scan`: formats, output file, fail threshold, selection, roots, paths, bad input."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from tests.cli.conftest import (
    BAD_DOCKERFILE,
    GOOD_DOCKERFILE,
    LATEST_DOCKERFILE,
    CliRunner,
    make_repo,
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "svc", {
        "Dockerfile": BAD_DOCKERFILE,
        "good/Dockerfile": GOOD_DOCKERFILE,
    })


def _rules_in(report: str) -> set[str]:
    return {f["rule"] for f in json.loads(report)["findings"]}


# ---- formats and output -----------------------------------------------------------------

def test_text_default(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", cwd=repo)
    assert run.code == 1
    assert "Dockerfile" in run.out and "MLA201" in run.out and "MLA202" in run.out
    assert "good/Dockerfile" not in run.out
    assert run.err == ""


def test_json(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "--format", "json", ".", cwd=repo)
    assert run.code == 1
    data = json.loads(run.out)
    assert {(f["rule"], f["location"]["path"], f["location"]["line"])
            for f in data["findings"]} == {("MLA201", "Dockerfile", 1),
                                           ("MLA202", "Dockerfile", 1)}
    assert all(f["fingerprint"] for f in data["findings"])


def _needs(module: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(importlib.util.find_spec(f"mlaudit_reports.{module}") is None,
                              reason=f"the {module} reporter is not in this build yet")


@_needs("sarif")
def test_sarif(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "-f", "sarif", ".", cwd=repo)
    assert run.code == 1
    log = json.loads(run.out)
    assert log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"Dockerfile"}
    assert {r["ruleId"] for r in results} == {"MLA201", "MLA202"}


@_needs("github")
def test_github_annotations(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "-f", "github", ".", cwd=repo)
    assert run.code == 1
    commands = [line for line in run.out.splitlines() if line.startswith("::")]
    assert any("file=Dockerfile" in c and "MLA201" in c for c in commands), run.out


@_needs("markdown")
def test_markdown(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "-f", "markdown", ".", cwd=repo)
    assert run.code == 1
    assert "MLA201" in run.out and "Dockerfile" in run.out


def test_output_file_is_written_atomically(cli: CliRunner, repo: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    target = out_dir / "report.json"
    target.write_text("old contents", encoding="utf-8")
    run = cli("scan", "-f", "json", "-o", str(target), ".", cwd=repo)
    assert run.code == 1
    assert run.out == ""
    assert _rules_in(target.read_text(encoding="utf-8")) == {"MLA201", "MLA202"}
    assert [p.name for p in out_dir.iterdir()] == ["report.json"]  # no temp file left


def test_output_into_missing_directory_is_a_usage_error(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "-o", "no/such/dir/report.txt", ".", cwd=repo)
    assert run.code == 2
    assert run.err.startswith("mlaudit: error: cannot write")


# ---- fail threshold ---------------------------------------------------------------------

@pytest.mark.parametrize(("level", "code"), [
    ("critical", 0), ("high", 0), ("medium", 1), ("low", 1), ("info", 1), ("none", 0),
    ("MEDIUM", 1),
])
def test_fail_on_levels(cli: CliRunner, repo: Path, level: str, code: int) -> None:
    run = cli("scan", "--fail-on", level, ".", cwd=repo)
    assert run.code == code
    assert "MLA201" in run.out  # the findings are reported either way


def test_fail_on_unknown_level(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "--fail-on", "severe", ".", cwd=repo)
    assert run.code == 2 and "--fail-on" in run.err


def test_clean_scan_exits_zero(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "good", cwd=repo)
    assert run.code == 0
    assert "passed" in run.out


# ---- rule selection ---------------------------------------------------------------------

@pytest.mark.parametrize(("option", "value", "expected"), [
    ("--select", "MLA201", {"MLA201"}),
    ("--select", "mla201", {"MLA201"}),
    ("--select", "dockerfile-user-root", {"MLA202"}),
    ("--select", "MLA20", {"MLA201", "MLA202"}),
    ("--select", "health", {"MLA201"}),
    ("--select", "MLA201,MLA202", {"MLA201", "MLA202"}),
    ("--ignore", "MLA201", {"MLA202"}),
    ("--ignore", "dockerfile-healthcheck-missing", {"MLA202"}),
    ("--ignore", "MLA2", set()),
    ("--ignore", "health", {"MLA202"}),
])
def test_select_and_ignore(cli: CliRunner, repo: Path, option: str, value: str,
                           expected: set[str]) -> None:
    # --ignore runs with no --select (every rule): an exact --select id would outrank a
    # prefix or category --ignore, since the most specific selector wins.
    run = cli("scan", "-f", "json", option, value, ".", cwd=repo, select=option == "--select")
    assert _rules_in(run.out) & {"MLA201", "MLA202", "MLA203"} == expected
    if option == "--select":
        assert run.code == (1 if expected else 0)


def test_exact_select_outranks_prefix_ignore(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "-f", "json", "--select", "MLA201", "--ignore", "MLA2", ".", cwd=repo)
    assert _rules_in(run.out) == {"MLA201"}


def test_select_prefix_then_ignore_specific(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "-f", "json", "--select", "MLA2", "--ignore", "MLA202", ".", cwd=repo)
    assert "MLA202" not in _rules_in(run.out)
    assert "MLA201" in _rules_in(run.out)


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_is_a_usage_error_with_suggestion(cli: CliRunner, repo: Path,
                                                      option: str) -> None:
    run = cli("scan", option, "MLA2O1", ".", cwd=repo, select=option == "--ignore")
    assert run.code == 2
    assert "MLA2O1" in run.err and "did you mean" in run.err
    assert run.out == ""


# ---- roots and paths --------------------------------------------------------------------

def test_root_makes_paths_relative_to_it(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "-f", "json", "--root", ".", "good", ".", cwd=repo)
    paths = {f["location"]["path"] for f in json.loads(run.out)["findings"]}
    assert paths == {"Dockerfile"}
    run = cli("scan", "-f", "json", "--root", "..", "Dockerfile", cwd=repo / "good")
    paths = {f["location"]["path"] for f in json.loads(run.out)["findings"]}
    assert paths == {"svc/Dockerfile"} or paths == set()  # good/Dockerfile has none
    assert run.code == 0


def test_root_must_be_a_directory(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "--root", "Dockerfile", ".", cwd=repo)
    assert run.code == 2 and "--root" in run.err


def test_subdirectory_scan_reports_repo_relative_paths(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"deploy/api/Dockerfile": BAD_DOCKERFILE})
    run = cli("scan", "-f", "json", "api", cwd=repo / "deploy")
    assert {f["location"]["path"] for f in json.loads(run.out)["findings"]} == {
        "deploy/api/Dockerfile"}


def test_absolute_paths_never_reach_the_output(cli: CliRunner, repo: Path) -> None:
    for fmt in ("text", "json", "sarif", "github", "markdown"):
        if importlib.util.find_spec(f"mlaudit_reports.{'json_report' if fmt == 'json' else fmt}"
                                    ) is None:
            continue
        run = cli("scan", "-f", fmt, str(repo / "Dockerfile"), str(repo / "good"), cwd=repo)
        assert run.code == 1, (fmt, run.all)
        assert str(repo) not in run.all, fmt
        assert str(repo.parent) not in run.all, fmt


def test_missing_path_is_a_usage_error(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "Dockerfile", "no-such-file", cwd=repo)
    assert run.code == 2
    assert run.err.strip() == "mlaudit: error: no-such-file: no such file or directory"


def test_path_outside_root_is_skipped_with_a_notice(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "inner", {"Dockerfile": GOOD_DOCKERFILE})
    make_repo(tmp_path / "other", {"Dockerfile": BAD_DOCKERFILE})
    run = cli("scan", "-f", "json", "--root", ".", ".", "../other/Dockerfile", cwd=repo)
    data = json.loads(run.out)
    assert data["findings"] == []
    assert any("outside the repository root" in d["message"] for d in data["diagnostics"])
    assert run.code == 0
    assert str(tmp_path) not in run.all


def test_explicit_files_restrict_the_findings(cli: CliRunner, tmp_path: Path) -> None:
    # The pre-commit case: only the named files are reported on.
    repo = make_repo(tmp_path / "r", {"a/Dockerfile": BAD_DOCKERFILE,
                                      "b/Dockerfile": LATEST_DOCKERFILE})
    run = cli("scan", "-f", "json", "a/Dockerfile", cwd=repo)
    assert {f["location"]["path"] for f in json.loads(run.out)["findings"]} == {"a/Dockerfile"}


# ---- quiet ------------------------------------------------------------------------------

def test_quiet_prints_nothing_when_clean(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "--quiet", "good", cwd=repo)
    assert (run.code, run.out, run.err) == (0, "", "")


def test_quiet_still_reports_findings(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "-q", ".", cwd=repo)
    assert run.code == 1 and "MLA201" in run.out and run.err == ""


# ---- malformed and odd input ------------------------------------------------------------

MALFORMED = {
    "broken/compose.yaml": "services:\n  api: [\n    image: x\n",
    "broken/app.py": "def handler(:\n    return 1\n",
    "broken/.github/workflows/deploy.yml": "on: [push\njobs: {\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_file_is_a_diagnostic_and_the_rest_is_scanned(
        cli: CliRunner, tmp_path: Path, name: str) -> None:
    repo = make_repo(tmp_path / "r", {name: MALFORMED[name], "Dockerfile": BAD_DOCKERFILE})
    run = cli("scan", "-f", "json", ".", cwd=repo)
    data = json.loads(run.out)
    assert run.code == 1  # from the Dockerfile's findings, not from the broken file
    assert {f["rule"] for f in data["findings"]} == {"MLA201", "MLA202"}
    paths = {(d.get("location") or {}).get("path") for d in data["diagnostics"]}
    assert name in paths, data["diagnostics"]
    clean = make_repo(tmp_path / "c", {name: MALFORMED[name]})
    run = cli("scan", ".", cwd=clean)
    assert run.code == 0, run.all  # a diagnostic alone does not fail the run
    assert name in run.out


def test_malformed_pyproject_does_not_abort_the_scan(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"pyproject.toml": "[project\nname = 'x'\n",
                                      "Dockerfile": BAD_DOCKERFILE})
    run = cli("scan", "-f", "json", ".", cwd=repo)
    assert run.code == 1, run.all
    assert _rules_in(run.out) == {"MLA201", "MLA202"}


def test_binary_and_empty_files_are_fine(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"Dockerfile": "", "empty.py": "",
                                      "compose.yaml": ""})
    (repo / "data.json").write_bytes(b"\x00\x01\x02binary")
    (repo / "model.onnx").write_bytes(b"\x00" * 64)
    run = cli("scan", ".", cwd=repo)
    assert run.code == 0, run.all


def test_undecodable_text_is_scanned_not_crashed(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {})
    (repo / "Dockerfile").write_bytes(BAD_DOCKERFILE.encode() + b"# caf\xe9\n")
    run = cli("scan", "-f", "json", ".", cwd=repo)
    assert run.code == 1 and _rules_in(run.out) == {"MLA201", "MLA202"}
