"""The Python parser: apps, routes, launches, model loads, boto3, literals, with lines."""

from __future__ import annotations

import pickle
import shutil
import textwrap
from pathlib import Path

import pytest

from mlaudit.models.python_source import PythonModule, is_health_path
from mlaudit.parsers import ParseError
from mlaudit.parsers.python_source import parse
from mlaudit.sources import FileKind, SourceFile
from tests.helpers import FIXTURES, scan_dir

PY = FIXTURES / "formats" / "python"


def _fixture(name: str) -> PythonModule:
    return parse(SourceFile(name, PY / name, FileKind.PYTHON))


def _code(tmp_path: Path, text: str) -> PythonModule:
    (tmp_path / "m.py").write_text(textwrap.dedent(text))
    return parse(SourceFile("m.py", tmp_path / "m.py", FileKind.PYTHON))


def test_fastapi_apps_routes_and_prefixes() -> None:
    module = _fixture("fastapi_app.py")
    assert [(a.name, a.framework, a.prefix, a.span.line) for a in module.apps] == [
        ("app", "fastapi", "", 13), ("router", "fastapi-router", "/v1", 14)]
    assert [(r.path, r.methods, r.handler, r.span.line) for r in module.routes] == [
        ("/healthz", ("GET",), "healthz", 18),
        ("/api/v1/predict", ("POST",), "predict", 23),
        ("/ready", ("GET", "HEAD"), "healthz", 45)]
    assert [r.path for r in module.health_routes()] == ["/healthz", "/ready"]
    assert module.includes[0].prefix == "/api" and module.includes[0].span.line == 44


def test_uvicorn_run_resolves_constant_and_env_default() -> None:
    (launch,) = _fixture("fastapi_app.py").launches
    assert (launch.server, launch.app, launch.host, launch.port, launch.port_env) == (
        "uvicorn", "app", "0.0.0.0", 8000, "PORT")
    assert launch.main_guard and launch.span.line == 48 and launch.span.column == 5
    assert launch.launch.binds_all_interfaces and launch.launch.effective_port == 8000


def test_uvicorn_run_import_string_and_unresolvable_port() -> None:
    (launch,) = _fixture("server_main.py").launches
    assert (launch.app, launch.host, launch.host_env, launch.port) == (
        "main:app", "127.0.0.1", "HOST", None)
    assert launch.port_env == "PORT" and launch.port_text == "int(os.environ['PORT'])"
    assert launch.launch.effective_port is None  # set but unresolvable: cannot tell


def test_model_loads_scope_and_caching() -> None:
    loads = {load.span.line: load for load in _fixture("fastapi_app.py").model_loads}
    assert (loads[25].call, loads[25].function, loads[25].per_call) == (
        "torch.load", "predict", True)
    assert loads[31].cached and loads[31].reason == "lru_cache"
    assert loads[31].call == "transformers.AutoModel.from_pretrained"
    assert loads[37].cached and loads[37].reason == "global"
    assert loads[41].function is None and not loads[41].per_call
    assert loads[41].target == "sentiment-analysis"


def test_flask_routes_blueprint_launch_and_helper_called_once() -> None:
    module = _fixture("flask_app.py")
    assert [(r.path, r.methods, r.span.line) for r in module.routes] == [
        ("/predict", ("POST",), 11), ("/ops/ping", ("GET",), 17)]
    (launch,) = module.launches
    assert (launch.server, launch.host, launch.port, launch.span.line) == (
        "flask", "0.0.0.0", 5001, 31)
    joblib_load, pickle_load = module.model_loads
    assert joblib_load.per_call and joblib_load.span.line == 13
    assert pickle_load.cached and pickle_load.reason == "called-once"  # CLF = _load()
    (secret,) = [s for s in module.strings if s.context == "dict"]
    assert (secret.name, secret.span.line, secret.span.column) == ("password", 8, 25)


def test_starlette_routes_with_mount_prefix() -> None:
    module = _fixture("starlette_app.py")
    assert [(r.path, r.methods, r.handler, r.span.line) for r in module.routes] == [
        ("/status", ("GET",), "status", 14), ("/api/infer", ("POST",), "infer", 16)]
    assert module.apps[0].framework == "starlette"


def test_lambda_handlers_boto3_and_s3_model_download() -> None:
    module = _fixture("lambda_handler.py")
    assert [f.name for f in module.lambda_handlers()] == ["lambda_handler", "process"]
    assert [(b.factory, b.service, b.span.line) for b in module.boto3_calls] == [
        ("Session", None, 6), ("client", "s3", 7)]
    kinds = [(m.kind, m.function, m.cached, m.span.line) for m in module.model_loads]
    assert kinds == [("s3", "lambda_handler", False, 12),
                     ("onnxruntime", "lambda_handler", False, 13),
                     ("onnxruntime", "__init__", True, 23)]
    (env,) = [s for s in module.strings if s.context == "environ"]
    assert (env.name, env.span.line) == ("HF_TOKEN", 8)


def test_literal_boto3_credentials_and_strings() -> None:
    module = _fixture("fastapi_app.py")
    (client,) = module.boto3_calls
    assert client.literal_credentials and client.keywords == ("region_name", "aws_access_key_id")
    token = next(s for s in module.strings if s.name == "API_TOKEN")
    assert (token.context, token.module_level, token.span.line, token.span.column) == (
        "assign", True, 11, 13)


def test_functions(tmp_path: Path) -> None:
    module = _code(tmp_path, """
        import functools

        @functools.cache
        async def load(name, *args, key="k", **kw):
            return name

        class C:
            def method(self): ...
        """)
    load, method = module.functions
    assert (load.name, load.params, load.decorators, load.span.line) == (
        "load", ("name", "*args", "key", "**kw"), ("functools.cache",), 5)
    assert load.module_level and load.is_async
    assert method.class_name == "C" and not method.module_level


def test_aliases_startup_hooks_and_lookalikes(tmp_path: Path) -> None:
    module = _code(tmp_path, """
        import torch as T
        from fastapi import FastAPI
        app = FastAPI()
        model = None

        @app.on_event("startup")
        def warm():
            global model
            model = T.load("m.pt")

        def boot():
            return T.load("other.pt")

        app.add_event_handler("startup", boot)

        def handler(x):
            cache = {}
            cache.get("/health")
            x.load("not-a-model")
            return T.load(x)

        @thing.get("not-a-path")
        def nope(): ...
        """)
    reasons = [(m.function, m.reason) for m in module.model_loads]
    assert reasons == [("warm", "startup"), ("boot", "called-once"), ("handler", "")]
    assert module.routes == ()


@pytest.mark.parametrize("path, expected", [
    ("/health", True), ("/v1/HealthZ", True), ("/api/ready/", True), ("/ping", True),
    ("/predict", False), ("/healthy", False), ("/statuses", False)])
def test_health_paths(path: str, expected: bool) -> None:
    assert is_health_path(path) is expected


def test_flask_run_on_unknown_object_is_not_a_launch(tmp_path: Path) -> None:
    module = _code(tmp_path, """
        import threading
        t = threading.Thread()
        t.run()
        """)
    assert module.launches == ()


def test_non_ascii_columns(tmp_path: Path) -> None:
    module = _code(tmp_path, 'NAME = "é"; TOKEN = "x"\n')
    assert [s.span.column for s in module.strings] == [8, 21]  # not the byte offset 22


def test_syntax_error_becomes_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        _fixture("malformed.py")
    assert info.value.line == 1 and info.value.column > 1


def test_model_pickles() -> None:
    module = _fixture("fastapi_app.py")
    assert pickle.loads(pickle.dumps(module)) == module


def test_scan_goes_on_after_malformed(tmp_path: Path) -> None:
    shutil.copytree(PY, tmp_path / "src")
    result = scan_dir(tmp_path, rules=["MLA001"])
    errors = [d for d in result.diagnostics if d.span and d.span.path == "src/malformed.py"]
    assert errors and errors[0].span is not None and errors[0].span.line == 1
    assert result.project is not None
    assert isinstance(result.project.models.get("src/flask_app.py"), PythonModule)


def test_depends_providers_resolved_through_imports(tmp_path: Path) -> None:
    module = _code(tmp_path, """
        from typing import Annotated
        from fastapi import Depends, Security
        from .deps import get_model as model_provider
        import auth

        def route(x: int, m=Depends(model_provider),
                  u: Annotated[str, Security(auth.user)] = "", n=Depends()):
            return x
        """)
    fn = module.function("route")
    assert fn is not None and fn.depends == (".deps.get_model", "auth.user")


def test_download_returned_to_client_is_not_a_model_load(tmp_path: Path) -> None:
    module = _code(tmp_path, """
        import boto3
        from fastapi.responses import FileResponse
        s3 = boto3.client("s3")

        def served(name):
            s3.download_file("b", "models/model.onnx", "/tmp/m.onnx")
            return FileResponse("/tmp/m.onnx")

        def kept(name):
            s3.download_file("b", "models/model.onnx", "/tmp/k.onnx")
            return "/tmp/k.onnx"
        """)
    assert [(ld.call, ld.function) for ld in module.model_loads] == [
        ("s3.download_file", "kept")]
