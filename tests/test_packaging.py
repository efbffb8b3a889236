"""The wheel ships exactly the three import packages and the `mlaudit` console script.

Built with pip (the same PEP 517 path `pip install .` and the pre-commit hook take).
"""

from __future__ import annotations

import configparser
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = {"mlaudit": "linter", "mlaudit_rules": "rules", "mlaudit_reports": "reports"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
         "--no-input", "-q", "-w", str(out), str(REPO)],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    wheels = list(out.glob("mlaudit-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_top_level_entries_are_exactly_the_three_packages(wheel: Path) -> None:
    top = {name.split("/", 1)[0] for name in _names(wheel)}
    dist_info = {t for t in top if t.endswith(".dist-info")}
    assert len(dist_info) == 1 and dist_info.pop().startswith("mlaudit-")
    assert {t for t in top if not t.endswith(".dist-info")} == set(PACKAGES)


def test_every_source_module_is_in_the_wheel(wheel: Path) -> None:
    names = set(_names(wheel))
    for package, directory in PACKAGES.items():
        root = REPO / directory
        for source in (root / package).rglob("*.py"):
            rel = source.relative_to(root).as_posix()
            assert rel in names, f"{rel} is missing from the wheel"
    assert not any(n.startswith(("fixtures/", "tests/", "rules/", "reports/", "linter/"))
                   for n in names)


def test_console_script_is_declared(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        entry = next(n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt"))
        text = archive.read(entry).decode("utf-8")
    parser = configparser.ConfigParser()
    parser.read_string(text)
    assert parser["console_scripts"]["mlaudit"].strip() == "mlaudit.cli:main"
