"""Copied roots in a monorepo: a finding relates only its own deployment, and related
locations stay bounded (issue 17, the 3,000-service repository)."""

from __future__ import annotations

from pathlib import Path

from mlaudit.rule import MAX_RELATED
from tests.helpers import scan_dir

ROOT = '''resource "aws_ecs_cluster" "ml" {{
  name = "ml"
}}

resource "aws_ecs_service" "api" {{
  name          = "api"
  cluster       = aws_ecs_cluster.ml.id
  desired_count = 2
}}

resource "aws_appautoscaling_target" "api" {{
  service_namespace  = "ecs"
  resource_id        = "service/ml/api"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 1
  max_capacity       = {n}
}}
'''


def test_autoscaling_target_relates_only_its_own_roots_service(tmp_path: Path) -> None:
    for index in range(60):
        directory = tmp_path / "services" / f"svc-{index:02d}" / "infra"
        directory.mkdir(parents=True)
        (directory / "main.tf").write_text(ROOT.format(n=index + 2), encoding="utf-8")
    result = scan_dir(tmp_path, rules=["MLA330"])
    targets = [f for f in result.active if "aws_appautoscaling_target" in f.message]
    assert len(targets) == 60
    for finding in targets:
        root = finding.location.path.rsplit("/", 1)[0]
        paths = {r.location.span.path.rsplit("/", 1)[0] for r in finding.related
                 if r.location.span is not None}
        assert paths == {root}, (finding.location.path, paths)


def test_related_locations_are_bounded(tmp_path: Path) -> None:
    """A finding listing every service of the repository (proxy to an unknown name)."""
    services = "".join(f"  svc{i}:\n    image: acme/svc{i}:1.0\n" for i in range(300))
    (tmp_path / "docker-compose.yml").write_text(f"services:\n{services}", encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        "events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n"
        "      proxy_pass http://nowhere:8000;\n    }\n  }\n}\n", encoding="utf-8")
    result = scan_dir(tmp_path)
    assert result.active
    assert all(len(f.related) <= MAX_RELATED + 1 for f in result.active)
    widest = max(result.active, key=lambda f: len(f.related))
    assert widest.related[-1].note.startswith("and up to")
