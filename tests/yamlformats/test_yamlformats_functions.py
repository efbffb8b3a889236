"""SAM / CloudFormation and Serverless Framework parsers: defaults merged, intrinsics unknown."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from mlaudit.models.functions import ServerlessApp
from mlaudit.parsers import ParseError
from tests.yamlformats.formats_support import line_of, parse_fixture, parse_text

SAM = "sam/template.yaml"
SLS = "serverless/serverless.yml"


@pytest.fixture(scope="module")
def sam() -> ServerlessApp:
    model = parse_fixture(SAM)
    assert isinstance(model, ServerlessApp) and model.kind == "sam"
    return model


@pytest.fixture(scope="module")
def sls() -> ServerlessApp:
    model = parse_fixture(SLS)
    assert isinstance(model, ServerlessApp) and model.kind == "serverless"
    return model


def test_sam_functions_and_lines(sam: ServerlessApp) -> None:
    assert [f.logical_name for f in sam.functions] == [
        "PredictFunction", "ImageFunction", "LegacyFunction"]
    predict = sam.function("PredictFunction")
    assert predict is not None
    assert predict.span.line == line_of(SAM, "  PredictFunction:")
    assert predict.handler == "app.lambda_handler" and predict.handler_module == "app"
    assert predict.handler_span is not None
    assert predict.handler_span.line == line_of(SAM, "Handler: app.")
    assert predict.source_dir == "fixtures/formats/sam/src/predict"


def test_sam_globals_merged(sam: ServerlessApp) -> None:
    predict, image, legacy = sam.functions
    assert predict.runtime == "python3.12" and predict.timeout == 30
    assert predict.timeout_span is not None
    assert predict.timeout_span.line == line_of(SAM, "Timeout: 30")  # from Globals
    env = {e.name: e for e in predict.environment}
    assert env["STAGE"].value == "staging"  # the function wins
    assert env["STAGE"].span.line == line_of(SAM, "STAGE: staging")
    assert env["LOG_LEVEL"].value == "INFO"
    assert env["LOG_LEVEL"].span.line == line_of(SAM, "LOG_LEVEL: INFO")
    assert image.timeout == 900 and image.memory_size == 1024
    assert predict.layers == ("<Ref CommonLayer>",)
    # Globals apply to AWS::Serverless::Function only, not to plain Lambda resources.
    assert legacy.timeout is None and legacy.memory_size == 256


def test_sam_intrinsics_stay_unknown(sam: ServerlessApp) -> None:
    predict = sam.functions[0]
    assert predict.memory_size is None and "MemorySize" in predict.unresolved
    assert predict.memory_span is not None
    assert predict.memory_span.line == line_of(SAM, "MemorySize: !Ref")
    env = {e.name: e for e in predict.environment}
    for name in ("TABLE", "BUCKET_ARN", "ENDPOINT"):  # !Ref, !GetAtt, !Sub
        assert env[name].value is None and env[name].is_unresolved


def test_sam_concurrency_url_events(sam: ServerlessApp) -> None:
    predict, _, legacy = sam.functions
    assert predict.auto_publish_alias == "live"
    assert predict.provisioned_concurrency is not None
    assert predict.provisioned_concurrency.executions == 2
    assert predict.function_url is not None and predict.function_url.is_public
    assert predict.function_url.span.line == line_of(SAM, "FunctionUrlConfig:")
    (event,) = predict.events
    assert (event.name, event.type, event.path, event.method) == (
        "Predict", "Api", "/predict", "post")
    assert event.is_http and event.span.line == line_of(SAM, "Predict:")
    assert legacy.function_url is not None and not legacy.function_url.is_public
    assert legacy.code_uri == "s3://artifacts/legacy.zip" and legacy.source_dir is None


def test_sam_image_function(sam: ServerlessApp) -> None:
    image = sam.functions[1]
    assert image.package_type == "Image"
    assert image.docker_context == "fixtures/formats/sam/image"
    assert image.dockerfile == "fixtures/formats/sam/image/Dockerfile.lambda"
    assert image.architectures == ("arm64",)
    assert pickle.loads(pickle.dumps(image)) == image


def test_serverless_provider_defaults(sls: ServerlessApp) -> None:
    predict, batch, packaged = sls.functions
    assert predict.runtime == "python3.11" and predict.memory_size == 2048
    assert predict.memory_span is not None
    assert predict.memory_span.line == line_of(SLS, "memorySize: 2048")
    assert predict.timeout == 60 and packaged.timeout == 29
    env = {e.name: e for e in predict.environment}
    assert env["LOG_LEVEL"].value == "debug"
    assert env["LOG_LEVEL"].span.line == line_of(SLS, "LOG_LEVEL: debug")
    assert env["MODEL_BUCKET"].value == "${self:custom.bucket}"
    assert env["MODEL_BUCKET"].is_unresolved
    assert batch.memory_size is None and batch.unresolved == ("memorySize",)


def test_serverless_function_details(sls: ServerlessApp) -> None:
    predict, batch, packaged = sls.functions
    assert predict.span.line == line_of(SLS, "  predict:")
    assert predict.handler_module == "src/handler"
    assert predict.source_dir == "fixtures/formats/serverless"
    assert predict.provisioned_concurrency is not None
    assert predict.provisioned_concurrency.executions == 3
    assert predict.function_url is not None and predict.function_url.is_public
    assert [(e.type, e.path, e.method) for e in predict.events] == [
        ("http", "/predict", "post"), ("httpApi", "/health", "GET")]
    assert predict.events[0].span.line == line_of(SLS, "- http:")
    assert batch.package_type == "Image"
    assert batch.dockerfile == "fixtures/formats/serverless/image/Dockerfile.serverless"
    assert batch.function_url is not None and batch.function_url.auth_type == "AWS_IAM"
    assert packaged.code_uri == "dist/packaged.zip" and packaged.source_dir is None


def test_sam_json_cloudformation(tmp_path: Path) -> None:
    text = """{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Fn": {
      "Type": "AWS::Lambda::Function",
      "Properties": {"Handler": "main.handler", "Runtime": "python3.12",
                     "Code": "build/", "Timeout": {"Ref": "T"}}
    }
  }
}
"""
    model = parse_text(tmp_path, "stack.json", text)
    assert isinstance(model, ServerlessApp)
    (fn,) = model.functions
    assert fn.span.line == 4 and fn.source_dir == "build" and "Timeout" in fn.unresolved


@pytest.mark.parametrize(("name", "text"), [
    ("template.yaml", "apiVersion: v1\nkind: ConfigMap\n"),
    ("template.yml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"),
    ("serverless.yml", "service: x\nprovider: {name: aws}\n"),
    # a cookiecutter/Jinja template.yaml is not YAML until rendered: no model, no error
    ("template.yaml", "name: {{ cookiecutter.name }}\nitems: [{% for x in y %}\n"),
])
def test_not_functions(tmp_path: Path, name: str, text: str) -> None:
    assert parse_text(tmp_path, name, text) is None


@pytest.mark.parametrize(("relative", "line"), [
    ("malformed/template.yaml", 7), ("malformed/serverless.yml", 8)])
def test_malformed_line(relative: str, line: int) -> None:
    with pytest.raises(ParseError) as info:
        parse_fixture(relative)
    assert info.value.line == line
