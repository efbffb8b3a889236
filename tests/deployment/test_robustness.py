"""Bad or odd input never breaks the model: it is partial, never a crash."""

from __future__ import annotations

from pathlib import Path

from mlaudit.models.deployment import Deployment
from mlaudit_reports.graph import render_graph
from tests.helpers import scan_dir


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_malformed_and_unresolvable_inputs(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM $BASE\nCMD uvicorn app:app --port $PORT\n",
        "docker-compose.yml": ("services:\n  api:\n    build: ../outside\n"
                               "    ports: [\"${P}:80\"]\n"),
        "nginx.conf": "server { listen 80; location / { proxy_pass http://$backend; } }\n",
        "main.tf": ('resource "aws_security_group_rule" "x" {\n  type = "ingress"\n'
                    '  from_port = var.p\n  to_port = var.p\n  protocol = "tcp"\n'
                    '  cidr_blocks = var.cidrs\n  security_group_id = var.sg\n}\n'
                    'resource "aws_instance" "i" {\n  user_data = "#!/bin/sh\\n'
                    'docker run -p 8000:8000 acme/api:1.0\\n"\n}\n'),
        ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    needs: [missing]\n"
                                    "    runs-on: x\n    steps:\n      - run: docker build\n",
        "broken.tf": "resource {{{",
    })
    result = scan_dir(tmp_path, rules=["MLA001"])
    deployment = result.deployment
    assert isinstance(deployment, Deployment)
    assert deployment.problems == []
    rule = [e for e in deployment.entry_points() if e.kind == "security-group-rule"]
    assert rule and rule[0].public is None  # unresolved CIDRs: cannot tell
    assert deployment.internet_ingress() == []
    proxies = deployment.proxies()
    assert proxies and proxies[0].host is None and deployment.targets_of(proxies[0]) == []
    ec2 = [s for s in deployment.services() if s.platform == "ec2"]
    assert ec2 and ec2[0].published[0].host_port == 8000
    for fmt in ("text", "json", "mermaid", "dot"):
        assert render_graph(result, fmt)
