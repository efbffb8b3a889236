"""fixtures/formats/diagnostics: files whose kind or diagnostic a name alone gets wrong.

Each look-alike sits beside the file it resembles: the fixture pins which files are read as
what, and that only truly broken files are errors.
"""

from __future__ import annotations

import sys

import pytest

from mlaudit.engine import ScanResult
from mlaudit.sources import FileKind, ambiguous_dockerfile_name, classify, dockerfile_by_content
from tests.helpers import FIXTURES, scan_dir

DIAG = FIXTURES / "formats" / "diagnostics"


@pytest.fixture(scope="module")
def result() -> ScanResult:
    return scan_dir(DIAG, ["MLA201", "MLA202"])


def _kinds(result: ScanResult) -> dict[str, FileKind]:
    return {f.path: f.kind for f in result.project.files}


def _diagnostics(result: ScanResult) -> dict[str, tuple[str, int, str]]:
    return {d.span.path: (d.level.value, d.span.line, d.message)
            for d in result.diagnostics if d.span is not None}


# ---- Dockerfile names ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "kind"), [
    ("Dockerfile", FileKind.DOCKERFILE),
    ("Containerfile", FileKind.DOCKERFILE),
    ("Dockerfile.prod", FileKind.DOCKERFILE),
    ("Dockerfile.template", FileKind.DOCKERFILE),
    ("Dockerfile-gpu", FileKind.DOCKERFILE),
    ("api.dockerfile", FileKind.DOCKERFILE),
    ("dockerfile.py", FileKind.PYTHON),
    ("dockerfile_utils.py", FileKind.PYTHON),
    ("Dockerfile.yaml", FileKind.YAML),
    ("Dockerfile.md", FileKind.TEXT),
    ("Dockerfile.j2", FileKind.TEXT),  # until its content is read
])
def test_dockerfile_like_names(name: str, kind: FileKind) -> None:
    assert classify(f"svc/{name}") is kind


def test_only_generic_text_extensions_are_decided_by_content() -> None:
    assert ambiguous_dockerfile_name("Dockerfile.j2")
    assert ambiguous_dockerfile_name("docker/Dockerfile-something.txt")
    assert not ambiguous_dockerfile_name("Dockerfile.md")  # documentation, always
    assert not ambiguous_dockerfile_name("Dockerfile.prod")
    assert not ambiguous_dockerfile_name("notes.txt")


@pytest.mark.parametrize(("head", "dockerfile"), [
    (b"FROM python:3.12-slim\n", True),
    (b"\xef\xbb\xbf# build image\n\nfrom python:3.12 as build\n", True),
    (b"ARG BASE=python:3.12\nFROM ${BASE}\n", True),
    (b"# syntax=docker/dockerfile:1.7\n{% if gpu %}\n", True),
    (b"FROM --platform=$BUILDPLATFORM {{ base_image }} AS build\n", True),
    (b"From the base image we build two stages:\n", False),
    (b"{% extends 'base' %}\nFROM x\n", False),
    (b"RUN echo hi\n", False),
    (b"# only a comment\n", False),
    (b"", False),
])
def test_dockerfile_by_content(head: bytes, dockerfile: bool) -> None:
    assert dockerfile_by_content(head) is dockerfile


def test_fixture_kinds(result: ScanResult) -> None:
    kinds = _kinds(result)
    assert kinds["docker/dockerfile.py"] is FileKind.PYTHON
    assert kinds["docker/dockerfile_utils.py"] is FileKind.PYTHON
    assert kinds["docker/Dockerfile.j2"] is FileKind.DOCKERFILE
    assert kinds["docker/Dockerfile-gpu.txt"] is FileKind.DOCKERFILE
    assert kinds["docker/api.dockerfile"] is FileKind.DOCKERFILE
    assert kinds["docker/Dockerfile-notes.txt"] is FileKind.TEXT
    assert kinds["docker/Dockerfile.md"] is FileKind.TEXT


def test_python_named_dockerfile_is_not_a_broken_dockerfile(result: ScanResult) -> None:
    diags = _diagnostics(result)
    assert not any(path.startswith("docker/") for path in diags), diags
    images = {f.location.path for f in result.findings}
    assert images == {"docker/Dockerfile.j2", "docker/Dockerfile-gpu.txt",
                      "docker/api.dockerfile"}


# ---- JSON with comments ---------------------------------------------------------------

def test_jsonc_settings_files_are_no_diagnostics(result: ScanResult) -> None:
    diags = _diagnostics(result)
    for quiet in ("json/web/tsconfig.json", "json/.vscode/settings.json",
                  "json/.devcontainer/devcontainer.json", "json/web/settings.json"):
        assert quiet not in diags, diags[quiet]


def test_broken_deployment_json_is_an_error_at_its_line(result: ScanResult) -> None:
    diags = _diagnostics(result)
    assert diags["json/deploy/task-definition.json"][:2] == ("error", 5)  # task def by name
    assert diags["json/deploy/main.tf.json"] == (
        "error", 5, "invalid JSON: Expecting ',' delimiter")  # JSON's words, not YAML's
    level, line, message = diags["json/deploy/serving-task.json"]  # a task def by content
    assert (level, line) == ("error", 3) and "comment or trailing comma" in message
    assert diags["json/deploy/broken.json"][:2] == ("error", 3)  # not JSONC either


def test_strip_jsonc_keeps_lines_and_strings() -> None:
    import json

    from mlaudit.parsers.json_document import strip_jsonc

    text = ('{\n  // a "quoted" comment\n  "url": "http://x//y", /* two\n  lines */'
            ' "list": [1, 2,],\n  "esc": "\\\\\\" // not a comment",\n}\n')
    stripped = strip_jsonc(text)
    assert stripped.count("\n") == text.count("\n") and len(stripped) == len(text)
    assert json.loads(stripped) == {"url": "http://x//y", "list": [1, 2],
                                    "esc": '\\" // not a comment'}


# ---- Python newer than the running interpreter -----------------------------------------

@pytest.mark.skipif(sys.version_info >= (3, 12), reason="PEP 695 and PEP 701 parse here")
def test_newer_python_is_a_notice(result: ScanResult) -> None:
    diags = _diagnostics(result)
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert diags["python/generics.py"] == (
        "note", 5, f"uses syntax newer than Python {running} that runs mlaudit "
        "(a PEP 695 type statement, Python 3.12+); not analysed")
    level, line, message = diags["python/fstrings.py"]
    assert (level, line) == ("note", 5) and "PEP 701 f-string, Python 3.12+" in message


def test_real_python_errors_stay_errors(result: ScanResult) -> None:
    diags = _diagnostics(result)
    assert diags["python/broken.py"][:2] == ("error", 1)
    level, line, message = diags["python/broken_and_new.py"]
    assert (level, line) == ("error", 6) and message.startswith("Python syntax error")
