"""A secret quoted by a parser error never reaches any output: diagnostics are scrubbed
when they are built (issue 17, "Secrets printed")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlaudit.cli import main
from mlaudit.redact import printable_token, scrub

# One distinct secret per position, so a leak names the position that leaked.
HCL_SINGLE = "Hq7Vz2Lp9Xw4Rt8Nk3Bm"
HCL_BROKEN = "Pz4Lk8Wq2Nv6Xr9Tb3Jh"
DOCKER_TOKEN = "ghp_R8vLq2Zx7Kp4Wn9Tb3Jh6Ym1Cs5Df0Ga2Eu"
NGINX_URL = "Mx3Nq8Rv2Lz7Pk4Wt9Hb"
YAML_VALUE = "Yt6Ks2Vn8Qz3Lp7Xw4Rm"
SECRETS = (HCL_SINGLE, HCL_BROKEN, DOCKER_TOKEN, NGINX_URL, YAML_VALUE)


def _plant(root: Path) -> None:
    (root / "infra").mkdir()
    (root / "infra" / "db.tf").write_text(
        'resource "aws_db_instance" "db" {\n'
        f"  password = '{HCL_SINGLE}'\n"
        "}\n", encoding="utf-8")
    (root / "infra" / "broken.tf").write_text(
        f'locals {{\n  token = "{HCL_BROKEN}\n  x = {{\n', encoding="utf-8")
    (root / "Dockerfile").write_text(
        f"FROM python:3.12-slim\n{DOCKER_TOKEN}\nRUN pip install fastapi\n", encoding="utf-8")
    (root / "nginx.conf").write_text(
        "events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n"
        f"      proxy_pass http://scorer:{NGINX_URL}@api:8000;\n    }}\n  }}\n", encoding="utf-8")
    (root / "docker-compose.yml").write_text(
        f"services:\n  api:\n    image: acme/api:1.0\n    environment:\n"
        f"      TOKEN: '{YAML_VALUE}\n    ports: [\n", encoding="utf-8")


FORMATS = [["scan", "--format", f] for f in ("text", "json", "sarif", "github", "markdown")] + [
    ["graph", "--format", f] for f in ("text", "json", "mermaid", "dot")]


@pytest.mark.parametrize("argv", FORMATS, ids=lambda a: "-".join(a))
def test_no_planted_secret_in_any_output(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         argv: list[str]) -> None:
    _plant(tmp_path)
    main([*argv, str(tmp_path), "--root", str(tmp_path), "--no-cache"])
    captured = capsys.readouterr()
    for secret in SECRETS:
        assert secret not in captured.out, secret
        assert secret not in captured.err, secret
        assert secret[:12] not in captured.out + captured.err, secret


def test_each_position_is_a_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    """The positions above really produce parser diagnostics (else the test proves nothing)."""
    _plant(tmp_path)
    main(["scan", "--format", "json", str(tmp_path), "--root", str(tmp_path), "--no-cache"])
    report = json.loads(capsys.readouterr().out)
    files = {d["location"]["path"] if "location" in d else d.get("path")
             for d in report["diagnostics"]}
    text = json.dumps(report["diagnostics"])
    assert {"infra/db.tf", "infra/broken.tf", "Dockerfile", "docker-compose.yml"} <= files, text
    assert "unknown instruction GH" in text


def test_scrub_masks_quoted_values_and_userinfo_but_keeps_names() -> None:
    message = ("Unexpected token Token('STRING_CHARS', \"'Hq7Vz2Lp9Xw4Rt8Nk3Bm'\") expected "
               "'RBRACE' near https://admin:Pz4Lk8Wq2Nv6Xr9Tb3Jh@db.example.com/x")
    out = scrub(message)
    assert "Hq7Vz2Lp9Xw4Rt8Nk3Bm" not in out and "Pz4Lk8Wq2Nv6Xr9Tb3Jh" not in out
    assert "'STRING_CHARS'" in out and "'RBRACE'" in out and "https://****@db.example.com" in out
    assert printable_token("RUNN") == "RUNN"
    assert DOCKER_TOKEN.upper() not in printable_token(DOCKER_TOKEN.upper())
