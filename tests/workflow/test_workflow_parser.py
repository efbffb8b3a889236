"""The workflow parser: exact lines for every part, `on:` forms, errors, needs closure."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from mlaudit.models.workflow import Workflow
from mlaudit.parsers import ParseError
from mlaudit.parsers.workflow import action_ref, parse
from mlaudit.sources import FileKind, SourceFile
from mlaudit.span import Span
from mlaudit_rules.ci._shell import commands, failure_masked
from tests.helpers import FIXTURES

FORMATS = FIXTURES / "formats" / "workflows"


def _load(name: str) -> Workflow:
    source = SourceFile(f".github/workflows/{name}", FORMATS / name, FileKind.WORKFLOW)
    result = parse(source)
    assert result is not None
    return result


def _text(tmp_path: Path, text: str) -> Workflow | None:
    file = tmp_path / "wf.yml"
    file.write_text(text, encoding="utf-8")
    return parse(SourceFile(".github/workflows/wf.yml", file, FileKind.WORKFLOW))


def test_triggers_permissions_env_lines() -> None:
    wf = _load("full.yml")
    assert wf.name == "ci"
    assert [(t.event, t.span.line) for t in wf.triggers] == [
        ("push", 3), ("pull_request", 5), ("workflow_dispatch", 6)]
    assert wf.trigger("push") is not None
    assert wf.trigger("push").filters == {"branches": ["main"]}  # type: ignore[union-attr]
    assert wf.triggers_span.line == 2
    assert wf.permissions is not None and wf.permissions.span.line == 8
    assert wf.permissions.grants("id-token") is True
    assert wf.permissions.grants("contents") is False
    assert wf.permissions.grants("contents", "read") is True
    assert [(e.name, e.value, e.span.line) for e in wf.env] == [("AWS_REGION", "eu-west-1", 13)]


def test_jobs_steps_with_run_lines() -> None:
    wf = _load("full.yml")
    assert [(j.id, j.span.line) for j in wf.jobs] == [
        ("test", 16), ("build", 29), ("deploy", 37), ("reuse", 52)]
    test = wf.job("test")
    assert test is not None
    assert test.matrix == {"python": ["3.11", "3.12"]}
    checkout, run = test.steps
    assert checkout.span.line == 22 and checkout.uses is not None
    assert (checkout.uses.name, checkout.uses.ref, checkout.uses.pinned) == (
        "actions/checkout", "v4", False)
    assert run.name == "Run tests" and run.id == "tests" and run.span.line == 23
    assert run.run is not None
    assert run.run.span.line == 25 and run.run.body_line == 26
    assert run.run.lines == ((26, "pip install -e ."), (27, "pytest -q"))
    assert run.run.line_of("pytest") == 27
    assert run.continue_on_error == "false"
    build = wf.job("build")
    assert build is not None and build.needs == ("test",)
    assert build.needs_span == Span(".github/workflows/full.yml", 30, 5)
    push = build.steps[0].input("PUSH")
    assert push is not None and (push.value, push.span.line) == ("true", 35)
    assert build.steps[0].uses is not None and build.steps[0].uses.pinned
    deploy = wf.job("deploy")
    assert deploy is not None and deploy.needs == ("build",)
    assert deploy.environment is not None and deploy.environment.value == "production"
    assert deploy.permissions is not None and deploy.permissions.span.line == 42
    assert [s.shell for s in deploy.steps] == ["bash", None, None]
    local, docker = deploy.steps[1].uses, deploy.steps[2].uses
    assert local is not None and local.kind == "local" and local.pinned
    assert docker is not None and docker.kind == "docker" and not docker.pinned


def test_reusable_workflow_call() -> None:
    wf = _load("full.yml")
    reuse = wf.job("reuse")
    assert reuse is not None and reuse.uses is not None
    assert reuse.uses.span.line == 54
    assert (reuse.uses.owner, reuse.uses.repo, reuse.uses.path, reuse.uses.ref) == (
        "acme", "shared", ".github/workflows/smoke.yml", "v1")
    assert reuse.secrets_inherit and reuse.with_[0].name == "target"
    called = _load("reusable.yml")
    assert called.events == frozenset({"workflow_call"})


def test_needs_closure_and_order() -> None:
    wf = _load("full.yml")
    assert wf.needs_closure("reuse") == frozenset({"deploy", "build", "test"})
    assert wf.needs_closure("test") == frozenset()
    assert wf.needs_closure("missing") == frozenset()
    assert wf.job_order == ("test", "build", "deploy", "reuse")


def test_needs_cycle_does_not_hang(tmp_path: Path) -> None:
    wf = _text(tmp_path, "on: push\njobs:\n  a:\n    needs: b\n  b:\n    needs: [a, ghost]\n"
                         "  c:\n    runs-on: x\n")
    assert wf is not None
    assert wf.needs_closure("a") == frozenset({"b"})
    assert wf.job_order == ("c", "a", "b")


def test_on_string_and_list_forms() -> None:
    single = _load("on_string.yml")
    assert [(t.event, t.span.line) for t in single.triggers] == [("push", 2)]
    listed = _load("on_list.yml")  # `"on"` quoted; YAML 1.1 `on` (True) is covered above
    assert [(t.event, t.span.line) for t in listed.triggers] == [
        ("push", 1), ("pull_request_target", 1)]
    assert listed.permissions is not None and listed.permissions.preset == "write-all"
    job = listed.jobs[0]
    assert job.permissions is not None and job.permissions.grants("contents", "read") is False


def test_malformed_yaml_raises_parse_error_with_line() -> None:
    with pytest.raises(ParseError) as info:
        _load("malformed.yml")
    assert info.value.line == 7


def test_non_workflow_yaml_and_odd_shapes(tmp_path: Path) -> None:
    assert _text(tmp_path, "key: value\n") is None
    assert _text(tmp_path, "") is None
    with pytest.raises(ParseError):
        _text(tmp_path, "- a\n- b\n")
    odd = _text(tmp_path, "on: push\npermissions: ${{ x }}\nenv: ${{ fromJSON(y) }}\njobs:\n"
                          "  a: oops\n  b:\n    steps: [run-me, {run: echo}]\n")
    assert odd is not None and [j.id for j in odd.jobs] == ["b"]
    assert odd.permissions is not None and odd.permissions.grants("id-token") is None
    assert odd.env == () and len(odd.jobs[0].steps) == 1


def test_models_pickle() -> None:
    wf = _load("full.yml")
    assert pickle.loads(pickle.dumps(wf)) == wf


def test_action_ref_forms() -> None:
    span = Span("x", 1)
    ref = action_ref("Org/Repo/sub/dir@" + "a" * 40, span)
    assert (ref.name, ref.pinned) == ("org/repo/sub/dir", True)
    assert action_ref("docker://alpine@sha256:" + "0" * 64, span).pinned


def test_script_lines_plain_folded_and_masking(tmp_path: Path) -> None:
    wf = _text(tmp_path, "on: push\njobs:\n  a:\n    steps:\n"
                         "      - run: pytest -q 2>&1 | tee log\n"
                         "      - run: >\n          echo a\n          pytest || echo failed\n"
                         "        shell: bash\n"
                         "      - run: |\n          set +e\n          tox\n          echo x\n")
    assert wf is not None
    first, folded, plus_e = wf.jobs[0].steps
    assert first.run is not None and first.run.lines == ((5, "pytest -q 2>&1 | tee log"),)
    cmd = next(iter(commands(first)))
    assert cmd.argv == ("pytest", "-q", "2>&1") and failure_masked(cmd)
    assert folded.run is not None and folded.run.body_line == 7
    masked = [c for c in commands(folded) if c.argv[0] == "pytest"]
    assert masked and "swallows" in (failure_masked(masked[0]) or "")
    tox = [c for c in commands(plus_e) if c.argv == ("tox",)]
    assert tox and tox[0].line == 12 and "errexit" in (failure_masked(tox[0]) or "")
