"""`mlaudit graph` reads well: real line breaks in DOT, every pipeline job once with its
edges, ports in words, and the most severe findings first on each node."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlaudit.severity import Severity
from mlaudit_reports.graph import render_graph
from tests.deployment.conftest import PROJECTS, scanned
from tests.helpers import scan_dir

ALL_PROJECTS = sorted(p.name for p in PROJECTS.iterdir() if p.is_dir())


def test_dot_labels_break_lines_instead_of_printing_backslash_n() -> None:
    dot = render_graph(scanned("compose-ec2", ["MLA201", "MLA202", "MLA701"]), "dot")
    marked = [ln for ln in dot.splitlines() if "color=red" in ln]
    assert marked
    for line in marked:
        label = line.split('label="', 1)[1].rsplit('"', 1)[0]
        # One backslash before n (a Graphviz line break), never an escaped backslash.
        assert re.search(r"(?<!\\)\\n MLA|(?<!\\)\\nMLA", label), label
        assert "\\\\n" not in label


@pytest.mark.parametrize("name", ALL_PROJECTS)
def test_port_labels_are_words(name: str) -> None:
    text = render_graph(scanned(name), "text")
    assert not re.search(r":\?|(?<![\w/.:]):0\b|:(\d+) :\1\b|\?:\?", text), text


def test_nginx_server_and_location_read_as_words() -> None:
    text = render_graph(scanned("compose-ec2"), "text")
    assert "forwards → nginx server (default server) on port 80" in text
    assert "forwards → nginx location / → api port 8000" in text
    assert "compose service nginx, port unknown (image nginx:latest)" in text


WORKFLOW = """\
on: push
permissions: {}
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/lint-action@v1
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: docker build -t app .
  deploy:
    needs: [lint, build]
    runs-on: ubuntu-latest
    steps:
      - run: echo deploy
"""


def test_every_job_is_listed_once_with_its_needs(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(WORKFLOW, encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nCMD [\"python\"]\n",
                                         encoding="utf-8")
    result = scan_dir(tmp_path, rules=["MLA404"])
    text = render_graph(result, "text")
    for job in ("lint", "build", "deploy"):
        assert len(re.findall(rf"^job {job} \[", text, re.M)) == 1, text
    # Jobs that others need used to be dropped, with their findings (MLA404: a tag pin).
    lint = next(ln for ln in text.splitlines() if ln.startswith("job lint "))
    assert "MLA404" in lint
    assert "   needed by job deploy" in text
    deploy_at = text.index("job deploy [")
    assert "   needs job build" in text[deploy_at:] and "   needs job lint" in text[deploy_at:]


def test_findings_on_a_node_are_sorted_by_severity() -> None:
    result = scanned("compose-ec2", ["MLA201", "MLA202", "MLA203", "MLA701", "MLA707",
                                     "MLA508", "MLA501"])
    order = {s.value: s.rank for s in Severity}
    for line in render_graph(result, "text").splitlines():
        if "!! " not in line:
            continue
        marks = line.split("!! ", 1)[1].split("  (see above)")[0].split("; ")
        ranks = [order[m.split()[1]] for m in marks]
        assert ranks == sorted(ranks, reverse=True), line
