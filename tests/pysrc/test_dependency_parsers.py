"""requirements*.txt, pyproject.toml and .env parsers."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from mlaudit.models.dotenv import DotEnv
from mlaudit.models.packages import Requirements, is_heavy, normalise_name
from mlaudit.parsers import ParseError, dotenv, pyproject, requirements
from mlaudit.sources import FileKind, SourceFile, classify
from tests.helpers import FIXTURES

DEPS = FIXTURES / "formats" / "python" / "deps"


def _source(rel: str, kind: FileKind, root: Path = DEPS) -> SourceFile:
    return SourceFile(rel, root / rel, kind)


def _requirements() -> Requirements:
    return requirements.parse(_source("requirements.txt", FileKind.REQUIREMENTS))


def test_requirements_lines_and_fields() -> None:
    reqs = _requirements()
    rows = [(p.name, p.spec, p.span.line) for p in reqs.packages]
    assert rows == [("torch", "==2.3.1", 6), ("sentence-transformers", ">=2.7", 8),
                    ("fastapi", "", 9), ("uvicorn", "==0.30.*", 10), ("my-tokenizer", "", 11)]
    torch = reqs.get("Torch")
    assert torch is not None and torch.pinned and torch.heavy and len(torch.hashes) == 1
    st = reqs.get("sentence_transformers")
    assert st is not None and st.extras == ("onnx",) and st.marker == 'python_version >= "3.10"'
    uvicorn = reqs.get("uvicorn")
    assert uvicorn is not None and not uvicorn.pinned and uvicorn.extras == ("standard",)
    editable = reqs.get("my-tokenizer")
    assert editable is not None and editable.editable and editable.url
    assert [p.name for p in reqs.heavy] == ["torch", "sentence-transformers"]


def test_requirements_includes_and_options() -> None:
    reqs = _requirements()
    assert [(i.target, i.constraint, i.span.line) for i in reqs.includes] == [
        ("requirements-base.txt", False, 2), ("constraints.txt", True, 3)]
    assert [(o.name, o.span.line) for o in reqs.options] == [("--extra-index-url", 4)]


def test_pyproject_dependencies_with_lines() -> None:
    reqs = pyproject.parse(_source("pyproject.toml", FileKind.PYPROJECT))
    rows = [(p.name, p.spec, p.group, p.span.line) for p in reqs.packages]
    assert rows == [
        ("fastapi", ">=0.110", None, 5), ("torch", "==2.3.1", None, 6),
        ("pytest", "", "dev", 10), ("ruff", "", "dev", 10),
        ("transformers", "^4.40", None, 14), ("numpy", "", None, 15),
        ("pytest", "^8", "dev", 18)]
    assert reqs.source == "pyproject"
    assert reqs.packages[3].span.column > reqs.packages[2].span.column


def test_malformed_pyproject_has_line() -> None:
    with pytest.raises(ParseError) as info:
        pyproject.parse(_source("broken/pyproject.toml", FileKind.PYPROJECT))
    assert info.value.line == 5 and "line" not in info.value.message


def test_dotenv_entries() -> None:
    env = dotenv.parse(_source(".env.example", FileKind.DOTENV))
    assert [(e.name, e.value, e.span.line, e.span.column) for e in env.entries] == [
        ("MODEL_PATH", "/models/model.pt", 3, 8), ("API_KEY", "sk_fake_3kd93jf83hf72hd8", 4, 1),
        ("DB_URL", "postgres://user:pw@db/app", 5, 1), ("PORT", "8000", 7, 3),
        ("EMPTY", "", 8, 1), ("BARE", None, 9, 1)]
    assert env.entries[0].exported
    assert [s.line for s in env.invalid] == [6]
    assert isinstance(pickle.loads(pickle.dumps(env)), DotEnv)


@pytest.mark.parametrize("name, heavy", [
    ("torch", True), ("Sentence_Transformers", True), ("tensorflow-cpu", True),
    ("onnxruntime", False), ("lightgbm", False), ("fastapi", False)])
def test_heavy_packages(name: str, heavy: bool) -> None:
    assert is_heavy(name) is heavy


def test_normalise_and_classify() -> None:
    assert normalise_name("Foo__Bar.baz") == "foo-bar-baz"
    assert classify("deps/requirements-dev.in") is FileKind.REQUIREMENTS
    assert classify(".env.production") is FileKind.DOTENV
