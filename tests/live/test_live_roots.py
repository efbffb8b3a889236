"""Terraform roots' S3 backends, read without AWS: what is read and what is noted."""

from __future__ import annotations

from pathlib import Path

from mlaudit.finding import Diagnostic
from mlaudit.live.roots import S3Backend, fetch_remote, terraform_roots
from tests.helpers import scan_dir

STATE = ('{"version": 4, "terraform_version": "1.7.5", "serial": 1, "lineage": "x", '
         '"resources": []}')


def _root(path: Path, backend: str) -> None:
    path.mkdir(parents=True)
    (path / "main.tf").write_text(f'terraform {{\n  backend "s3" {{\n{backend}  }}\n}}\n',
                                  encoding="utf-8")


def test_literal_backends_are_read_and_partial_ones_noted_once(tmp_path: Path) -> None:
    _root(tmp_path / "app", '    bucket = "tf"\n    key    = "app.tfstate"\n')
    for name in ("a", "b", "c"):
        _root(tmp_path / name, "")  # bucket and key given to `terraform init`
    deployment = scan_dir(tmp_path, rules=["MLA001"]).deployment
    roots = terraform_roots(deployment)
    asked: list[tuple[str, str]] = []

    def read(backend: S3Backend) -> str:
        asked.append((backend.bucket, backend.key))
        return STATE

    notes: list[Diagnostic] = []
    states = fetch_remote(roots, read, notes)
    assert asked == [("tf", "app.tfstate")]
    assert set(states) == {"app"} and states["app"].path == "s3://tf/app.tfstate"
    assert len(notes) == 1 and notes[0].message.startswith("3 Terraform root(s)")
    assert "a, b, c" in notes[0].message


def test_an_object_that_is_not_state_is_a_warning(tmp_path: Path) -> None:
    _root(tmp_path / "app", '    bucket = "tf"\n    key    = "app.tfstate"\n')
    deployment = scan_dir(tmp_path, rules=["MLA001"]).deployment
    notes: list[Diagnostic] = []
    states = fetch_remote(terraform_roots(deployment), lambda _: "not json", notes)
    assert states == {}
    assert notes and "s3://tf/app.tfstate is not Terraform state" in notes[0].message
    assert notes[0].span is not None and notes[0].span.path == "app/main.tf"
