"""A UTF-8 byte-order mark is no content: every format reads the same with or without one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, scan_dir

BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize("project", ["bad-fastapi-service", "compose-ec2", "ecs-fastapi-nginx",
                                     "lambda-sam-model"])
def test_findings_do_not_change_with_a_bom_on_every_file(tmp_path: Path, project: str) -> None:
    plain = tmp_path / "plain"
    marked = tmp_path / "marked"
    shutil.copytree(FIXTURES / "projects" / project, plain)
    shutil.copytree(FIXTURES / "projects" / project, marked)
    for path in marked.rglob("*"):
        if path.is_file() and not path.read_bytes().startswith(BOM):
            path.write_bytes(BOM + path.read_bytes())

    def facts(root: Path) -> list[tuple[str, str | None, int]]:
        result = scan_dir(root)
        assert not result.diagnostics
        return sorted((f.rule_id, f.location.path, f.location.line) for f in result.active)

    assert facts(marked) == facts(plain)
    assert facts(plain)
