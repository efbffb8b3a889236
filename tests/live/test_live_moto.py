"""`mlaudit live` against a real moto server: planted live problems and drift."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlaudit.cli import main
from tests.live.scenario import Planted


def run(planted: Planted, url: str, *extra: str, capsys: pytest.CaptureFixture[str]
        ) -> tuple[int, str, str]:
    code = main(["live", str(planted.repo), "--root", str(planted.repo), "--region",
                 "us-east-1", "--endpoint-url", url, "--no-cache", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_live_reports_planted_problems_and_drift(planted: Planted, moto_url: str,
                                                 aws_env: None,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(planted, moto_url, "--format", "json", capsys=capsys)
    assert code == 1, err
    assert "mlaudit: live:" not in err  # no progress when stderr is not a terminal
    report = json.loads(out)
    found = {(f["rule"], f["location"].get("path"), f["location"].get("line"))
             for f in report["findings"]}
    app, edge = "infra/app/main.tf", "infra/edge/main.tf"
    line = planted.line
    expected = {
        # live checks, at the block declaring the resource
        ("MLA800", app, line(app, 'resource "aws_security_group" "api"')),
        ("MLA801", app, line(app, 'resource "aws_ecs_service" "api"')),
        ("MLA803", app, line(app, 'resource "aws_ecs_service" "api"')),
        ("MLA804", app, line(app, 'resource "aws_ecs_service" "api"')),
        ("MLA805", None, None),  # the unmanaged service: no .tf line, the ARN
        ("MLA808", None, None),
        ("MLA806", app, line(app, 'resource "aws_lb_target_group" "api"')),
        ("MLA811", app, line(app, 'resource "aws_lambda_function" "predict"')),
        ("MLA812", app, line(app, 'resource "aws_lambda_function" "predict"')),
        ("MLA813", app, line(app, 'resource "aws_sagemaker_endpoint" "churn"')),
        ("MLA815", edge, line(edge, 'resource "aws_ecr_repository" "api"')),
        # drift, at the block declaring the resource
        ("MLA850", app, line(app, 'resource "aws_security_group" "api"')),
        ("MLA851", app, line(app, 'resource "aws_ecs_service" "api"')),
        ("MLA852", app, line(app, 'resource "aws_lb_target_group" "api"')),
        ("MLA853", app, line(app, 'resource "aws_lambda_function" "predict"')),
        ("MLA854", edge, line(edge, 'resource "aws_ecr_repository" "api"')),
        ("MLA855", app, line(app, 'resource "aws_sagemaker_endpoint" "churn"')),
        ("MLA856", app, line(app, 'resource "aws_lambda_function" "old"')),
        ("MLA857", app, line(app, 'resource "aws_lambda_function" "predict"')),
    }
    for rule, path, at in expected:
        hits = [f for f in found if f[0] == rule]
        assert hits, f"{rule} not reported: {sorted(found)}"
        if at is not None:
            assert (rule, path, at) in found, (rule, hits)
    messages = {f["rule"]: f["message"] for f in report["findings"]}
    assert "admits 0.0.0.0/0 on application port 8000" in messages["MLA800"]
    assert "added outside Terraform: tcp 8000 from 0.0.0.0/0" in messages["MLA850"]
    assert "desired_count declared 2, live 3" in messages["MLA851"]
    assert "image declared" in messages["MLA851"] and "api:latest" in messages["MLA851"]
    assert "health_check.path declared /ready, live /" in messages["MLA852"]
    assert "memory_size declared 512, live 1024" in messages["MLA853"]
    assert "environment variables added outside Terraform: DEBUG" in messages["MLA853"]
    assert "image_tag_mutability declared IMMUTABLE, live MUTABLE" in messages["MLA854"]
    assert "endpoint_config_name declared churn-v1, live churn-hotfix" in messages["MLA855"]
    assert "instance_type declared ml.m5.large, live ml.t2.medium" in messages["MLA855"]
    assert "old-batch is in the state but no longer exists" in messages["MLA856"]
    assert all(f["origin"] == "live" for f in report["findings"])
    # no secret value from the state or the function's environment reaches the report
    assert "s3://models/churn" not in out and "testing" not in out
    # moto has no provisioned-concurrency API: a notice names the permission, the rest ran
    notes = [d["message"] for d in report["diagnostics"]]
    assert any("lambda:ListProvisionedConcurrencyConfigs" in n for n in notes), notes
    assert any("no Terraform root here manages" in n and "ml/batch" in n for n in notes)


@pytest.mark.parametrize("fmt", ["text", "sarif", "github", "markdown"])
def test_every_output_format_carries_live_findings(planted: Planted, moto_url: str,
                                                   aws_env: None, fmt: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / f"report.{fmt}"
    code, _, err = run(planted, moto_url, "--format", fmt, "--output", str(output),
                       capsys=capsys)
    assert code == 1, err
    text = output.read_text(encoding="utf-8")
    tf_line = planted.line("infra/app/main.tf", 'resource "aws_lambda_function" "predict"')
    assert "MLA853" in text and "MLA850" in text and "MLA856" in text
    if fmt == "sarif":
        from tests.reports.sarif_checks import github_problems, schema_errors

        document = json.loads(text)
        assert not schema_errors(document)
        assert not github_problems(document)
        assert {r["ruleId"] for r in document["runs"][0]["results"]} >= {"MLA850", "MLA853"}
    if fmt == "markdown":
        assert f"infra/app/main.tf:{tf_line}" in text
    if fmt == "text":
        assert re.search(rf"infra/app/main\.tf:{tf_line}:1: medium MLA853 ", text), text
    if fmt == "github":
        assert f"file=infra/app/main.tf,line={tf_line}" in text


def test_scan_live_merges_static_and_live_findings(planted: Planted, moto_url: str,
                                                   aws_env: None,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", str(planted.repo), "--root", str(planted.repo), "--live", "--region",
                 "us-east-1", "--endpoint-url", moto_url, "--no-cache", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1, err
    findings = json.loads(out)["findings"]
    origins = {f["origin"] for f in findings}
    assert origins == {"static", "live"}
    static = {f["rule"] for f in findings if f["origin"] == "static"}
    live = {f["rule"] for f in findings if f["origin"] == "live"}
    assert all(not r.startswith("MLA8") for r in static)
    assert {"MLA850", "MLA853", "MLA815"} <= live
    # the static twins judged the same code: a committed local state, a mutable-tag check...
    assert static


def test_role_arn_is_assumed_and_stays_read_only(moto_url: str, aws_env: None) -> None:
    from mlaudit.live.session import ReadOnlyViolation, open_session

    clients = open_session(role_arn="arn:aws:iam::123456789012:role/audit",
                           endpoint_url=moto_url, region="us-east-1")
    identity = clients.client("sts", "us-east-1").get_caller_identity()
    assert ":assumed-role/audit/mlaudit-live" in identity["Arn"]
    with pytest.raises(ReadOnlyViolation):
        clients.client("ecr", "us-east-1").delete_repository(repositoryName="api")
