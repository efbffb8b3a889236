"""The surprises a new user met next to ruff, zizmor and hadolint, one test each."""

from __future__ import annotations

import argparse
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from mlaudit.cli import build_parser
from mlaudit.suppress import parse_suppressions
from tests.cli.conftest import BAD_DOCKERFILE, REPO, CliRunner, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "svc", {"Dockerfile": BAD_DOCKERFILE})


# --- output files and the umask ----------------------------------------------------------

@pytest.fixture
def umask_022() -> object:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("umask_022")
def test_report_and_baseline_files_respect_the_umask(cli: CliRunner, repo: Path) -> None:
    cli("scan", "-f", "sarif", "-o", "report.sarif", ".", cwd=repo)
    cli("baseline", ".", cwd=repo)
    for name in ("report.sarif", ".mlaudit-baseline.json"):
        assert stat.S_IMODE((repo / name).stat().st_mode) == 0o644, name


@pytest.mark.usefixtures("umask_022")
def test_rewriting_a_report_keeps_its_mode(cli: CliRunner, repo: Path) -> None:
    report = repo / "report.json"
    report.write_text("{}", encoding="utf-8")
    report.chmod(0o640)
    cli("scan", "-f", "json", "-o", "report.json", ".", cwd=repo)
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert json.loads(report.read_text(encoding="utf-8"))["findings"]


def test_output_to_a_fifo_is_written_in_place(cli: CliRunner, repo: Path) -> None:
    """A FIFO (like /dev/null or /dev/stdout) is written, not replaced by a file."""
    fifo = repo / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text("utf-8")))
    reader.start()
    run = cli("scan", "-f", "json", "-o", str(fifo), ".", cwd=repo)
    reader.join(timeout=60)
    assert run.code == 1 and stat.S_ISFIFO(fifo.lstat().st_mode)
    assert json.loads(received[0])["findings"]


# --- configuration ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ('[per-path-ignores]\n"docs/*" = ["MLA2O1"]\n', "unknown rule 'MLA2O1' (did you mean"),
    ('[per-path-ignores]\n"docs/*" = ["secrets"]\n', "'secrets' is a category"),
    ('[rules.MLA404]\ngithub_owned = true\n', "unknown option 'github_owned' (did you mean "
                                              "'github-owned'?)"),
    ('[rules.MLA201]\nstart-period = 30\n', "MLA201 options: none"),
    ('[rules.MLA404]\ngithub-owned = "yes"\n', "rules.MLA404.github-owned must be true or "
                                               "false"),
    ('[rules.no-such-rule]\nx = 1\n', "unknown rule 'no-such-rule'"),
])
def test_config_rule_references_and_options_are_checked(
        cli: CliRunner, repo: Path, text: str, message: str) -> None:
    (repo / ".mlaudit.toml").write_text(text, encoding="utf-8")
    run = cli("scan", ".", cwd=repo)
    assert run.code == 2, run.all
    assert message in run.err, run.err


def test_a_declared_rule_option_is_accepted(cli: CliRunner, repo: Path) -> None:
    (repo / ".mlaudit.toml").write_text('[rules.action-unpinned]\ngithub-owned = true\n'
                                        '[per-path-ignores]\n"x/*" = ["MLA201", '
                                        '"dockerfile-user-root"]\n', encoding="utf-8")
    assert cli("scan", ".", cwd=repo).code == 1


# --- selection, fail-on, exit codes -------------------------------------------------------

def test_an_empty_select_selects_nothing_and_says_so(cli: CliRunner, repo: Path) -> None:
    for argv in (["--select", ""], ["--select", " , "], ["--select="]):
        run = cli("scan", *argv, ".", cwd=repo, select=False)
        assert run.code == 2 and "--select: no rule given" in run.err, run.all


def test_fail_on_errors_list_none(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "--fail-on", "severe", ".", cwd=repo)
    assert run.code == 2
    assert "critical, high, medium, low, info, none" in run.err


def test_exit_zero(cli: CliRunner, repo: Path) -> None:
    run = cli("scan", "--exit-zero", ".", cwd=repo)
    assert run.code == 0 and "MLA201" in run.out
    assert cli("scan", "--exit-zero", "--fail-on", "bogus", ".", cwd=repo).code == 2


# --- help and commands --------------------------------------------------------------------

def _all_actions(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.Action]]:
    out = [("mlaudit", a) for a in parser._actions]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += [(name, a) for a in sub._actions]
    return out


def test_every_option_has_help_text() -> None:
    missing = [f"{where} {a.option_strings or a.dest}" for where, a in _all_actions(
        build_parser()) if not a.help and not isinstance(a, argparse._SubParsersAction)]
    assert missing == []


def test_help_ends_with_exit_codes_and_examples(cli: CliRunner) -> None:
    for argv in (["--help"], ["scan", "--help"]):
        with pytest.raises(SystemExit):
            cli(*argv)
    parser_help = build_parser().format_help()
    assert "exit codes:" in parser_help and "examples:" in parser_help
    assert "  2  usage, configuration or internal error" in parser_help


def test_a_mistyped_command_gets_a_suggestion(cli: CliRunner) -> None:
    run = cli("scna", ".")
    assert run.code == 2 and "unknown command 'scna' (did you mean 'scan'?)" in run.err


def test_explain_a_category_lists_its_rules(cli: CliRunner) -> None:
    run = cli("explain", "secrets")
    assert run.code == 0 and "did you mean" not in run.all
    assert "MLA101" in run.out and "MLA201" not in run.out
    assert cli("explain", "MLA2").out.count("\nMLA2") >= 5


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion(cli: CliRunner, shell: str) -> None:
    run = cli("completion", shell)
    assert run.code == 0
    assert "mlaudit" in run.out and "--fail-on" in run.out and "explain" in run.out


def test_init_writes_a_starter_config_for_the_formats_present(
        cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {
        "Dockerfile": BAD_DOCKERFILE,
        "infra/main.tf": 'resource "aws_s3_bucket" "b" {}\n',
        ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
                                    "    steps:\n      - run: echo\n"})
    run = cli("init", cwd=repo)
    assert run.code == 0, run.all
    text = (repo / ".mlaudit.toml").read_text(encoding="utf-8")
    assert "Dockerfiles (1)" in text and "Terraform (1)" in text
    assert "GitHub Actions workflows (1)" in text and "nginx" not in text
    assert text.count("\n# ") > 10  # commented
    assert cli("scan", ".", cwd=repo).code == 1  # mlaudit accepts its own starter config
    # ...and its commented examples, once uncommented.
    (repo / ".mlaudit.toml").write_text(
        text.replace("# [rules.", "[rules.").replace("# github-owned", "github-owned")
            .replace('# MLA203 = "info"', 'MLA203 = "info"'), encoding="utf-8")
    assert cli("scan", ".", cwd=repo).code == 1
    again = cli("init", cwd=repo)
    assert again.code == 2 and "--force" in again.err
    assert cli("init", "--force", cwd=repo).code == 0


# --- suppressions and baselines -----------------------------------------------------------

def test_a_mistyped_suppression_gets_a_suggestion(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"Dockerfile": "# mlaudit: ignore[MLA2O1] probed by ECS\n"
                                                    + BAD_DOCKERFILE})
    run = cli("scan", "-f", "json", ".", cwd=repo)
    messages = [f["message"] for f in json.loads(run.out)["findings"] if f["rule"] == "MLA001"]
    assert messages == ["suppression names unknown rule 'MLA2O1' (did you mean 'MLA201'?)"]


MARKDOWN = """\
# Service

Suppress a finding like this:

```dockerfile
# mlaudit: ignore[MLA201] the compose file defines the health check
FROM python:3.12-slim
```

~~~
# mlaudit: ignore[MLA999]
~~~
"""


def test_markdown_code_fences_hold_no_suppressions(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": MARKDOWN, "Dockerfile": BAD_DOCKERFILE})
    run = cli("scan", "-f", "json", ".", cwd=repo)
    assert "MLA001" not in {f["rule"] for f in json.loads(run.out)["findings"]}, run.out
    # Outside a fence, a Markdown comment line still counts.
    assert parse_suppressions("notes.md", ["# mlaudit: ignore-file[MLA101]"])
    assert parse_suppressions("x/Dockerfile", MARKDOWN.splitlines())  # not Markdown: read


def test_mlaudits_own_readme_holds_no_suppressions() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert any("mlaudit: ignore[" in line for line in lines)
    assert parse_suppressions("README.md", lines) == []


def test_a_baseline_never_records_mla001(cli: CliRunner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"Dockerfile": "# mlaudit: ignore[MLA999]\n"
                                                    + BAD_DOCKERFILE})
    assert "MLA001" in cli("scan", ".", cwd=repo).out
    assert cli("baseline", ".", cwd=repo).code == 0
    recorded = json.loads((repo / ".mlaudit-baseline.json").read_text(encoding="utf-8"))
    assert {f["rule"] for f in recorded["findings"]} == {"MLA201", "MLA202"}
    run = cli("scan", "--baseline", ".mlaudit-baseline.json", ".", cwd=repo)
    assert run.code == 1 and "MLA001" in run.out  # still reported: fix the comment
