"""A real moto server on 127.0.0.1 (session-scoped), and a tiny proxy in front of it that
can throttle or deny one service: the AWS-compatible endpoint the live tests talk to."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

REQUIRE = os.environ.get("MLAUDIT_REQUIRE_MOTO") == "1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as exc:
        if REQUIRE:
            raise
        pytest.skip(f"moto[server] and boto3 are needed ({exc}): pip install '.[test]'")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=2).read()
                break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials through the standard chain (environment), nothing else."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


class Proxy:
    """Forwards to moto; `deny` answers AccessDenied for a service, `throttle[service]`
    answers ThrottlingException that many times first. Counts what it saw."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.deny: set[str] = set()
        self.throttle: dict[str, int] = {}
        self.seen: list[tuple[str, str]] = []  # (service, x-amz-target or path)
        self.throttled = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_PUT(self) -> None:
                self._handle()

            def do_DELETE(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                auth = self.headers.get("Authorization", "")
                service = auth.split("Credential=", 1)[-1].split("/")[3] if \
                    "Credential=" in auth else ""
                proxy.seen.append((service, self.headers.get("X-Amz-Target") or self.path))
                if service in proxy.deny:
                    self._reply(403, {"x-amzn-ErrorType": "AccessDeniedException"},
                                {"__type": "AccessDeniedException",
                                 "Message": "not authorized"})
                    return
                if proxy.throttle.get(service, 0) > 0:
                    proxy.throttle[service] -= 1
                    proxy.throttled += 1
                    self._reply(400, {"x-amzn-ErrorType": "ThrottlingException"},
                                {"__type": "ThrottlingException", "message": "Rate exceeded"})
                    return
                request = urllib.request.Request(
                    proxy.upstream + self.path, data=body or None, method=self.command,
                    headers={k: v for k, v in self.headers.items()
                             if k.lower() not in ("host", "content-length")})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, headers, data = response.status, response.headers, response.read()
                except urllib.error.HTTPError as exc:
                    status, headers, data = exc.code, exc.headers, exc.read()
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection",
                                           "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _reply(self, status: int, headers: dict[str, str], body: dict[str, str]
                       ) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(moto_url: str) -> Iterator[Proxy]:
    item = Proxy(moto_url)
    try:
        yield item
    finally:
        item.close()


@pytest.fixture(scope="session")
def planted(moto_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The planted deployment and its Terraform roots (created once per session)."""
    from tests.live.scenario import plant

    return plant(moto_url, tmp_path_factory.mktemp("live-repo"))
