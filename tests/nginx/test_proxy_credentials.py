"""Credentials in a proxy_pass URL never reach a message or the graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlaudit.cli import main

PASSWORD = "Wq8ZtL3vRk9Pxy2N"


@pytest.mark.parametrize("argv", [["scan", "--format", "json"], ["scan", "--format", "sarif"],
                                  ["scan"], ["graph", "--format", "json"],
                                  ["graph", "--format", "mermaid"], ["graph"]])
def test_userinfo_in_proxy_pass_is_masked_everywhere(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    (tmp_path / "nginx.conf").write_text(
        "events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n"
        f"      proxy_pass http://scorer:{PASSWORD}@api:8000;\n    }}\n  }}\n}}\n",
        encoding="utf-8")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  api:\n    image: acme/api:1.0\n    expose:\n      - \"8000\"\n",
        encoding="utf-8")
    main([*argv, str(tmp_path), "--root", str(tmp_path), "--no-cache"])
    out = capsys.readouterr().out
    assert PASSWORD not in out
    if argv == ["graph", "--format", "json"]:
        proxies = [n for n in json.loads(out)["nodes"] if n["class"] == "proxy"]
        assert [(p["attributes"]["host"], p["attributes"]["port"]) for p in proxies] == [
            ("api", 8000)]
