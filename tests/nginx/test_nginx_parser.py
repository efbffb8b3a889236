"""The nginx parser: listen forms, proxy targets, inheritance, includes, sniffing, errors."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from mlaudit.models.nginx import NginxConfig, include_matches, resolve_includes
from mlaudit.parsers import ParseError
from mlaudit.parsers.nginx import parse
from mlaudit.sources import FileKind, SourceFile
from tests.helpers import FIXTURES, scan_dir

NGINX = FIXTURES / "formats" / "nginx"


def _parse(rel: str, root: Path = NGINX) -> NginxConfig | None:
    return parse(SourceFile(rel, root / rel, FileKind.NGINX))


def _main() -> NginxConfig:
    config = _parse("nginx.conf")
    assert config is not None
    return config


def test_listen_forms_and_redirect() -> None:
    redirect, tls, internal = _main().servers
    assert [(x.port, x.address, x.ssl, x.span.line if x.span else 0)
            for x in redirect.listens] == [(80, None, False, 19), (80, "::", False, 20)]
    assert redirect.server_names == ("example.com", "www.example.com")
    assert redirect.returns[0].code == 301 and redirect.returns[0].redirects_to_https
    assert redirect.returns[0].span.line == 22
    listen = tls.listens[0]
    assert (listen.port, listen.ssl, listen.http2, listen.span.line if listen.span else 0) == (
        443, True, True, 26)
    assert tls.ssl and tls.ssl_certificate is not None and tls.ssl_certificate.line == 28
    assert tls.ssl_protocols is not None and tls.ssl_protocols.value == "TLSv1.2 TLSv1.3"
    assert internal.listens[0].address == "127.0.0.1" and internal.listens[0].port == 8080
    assert internal.listens[0].loopback_only
    assert tls.span.line == 25 and tls.span.column == 5


def test_proxy_targets() -> None:
    tls = _main().servers[1]
    root, predict, dyn = tls.locations
    assert root.proxy is not None and root.proxy.upstream == "backend"
    assert root.proxy.span.line == 34 and root.proxy.span.column == 13
    assert root.header("host") is not None and root.header("HOST")[1] == "$host"  # type: ignore[index]
    assert (predict.modifier, predict.path, predict.span.line) == ("=", "/predict", 39)
    assert predict.proxy is not None
    assert (predict.proxy.scheme, predict.proxy.host, predict.proxy.port, predict.proxy.uri) == (
        "http", "api", 8000, "/v1/predict")
    assert dyn.modifier == "~*" and dyn.proxy is not None and dyn.proxy.variable
    assert dyn.proxy.host is None and dyn.proxy.effective_port is None
    internal = _main().servers[2].locations[0]
    assert internal.proxy is not None and internal.proxy.effective_port == 9000


def test_inherited_limits_and_settings() -> None:
    config = _main()
    redirect, tls, _ = config.servers
    assert [z.name for z in config.limit_zones] == ["api", "addr"]
    assert config.limit_zones[0].rate == "5r/s" and config.limit_zones[0].span.line == 7
    # http-level limit_req applies to servers and locations that set none...
    assert [r.span.line for r in redirect.limit_req] == [9]
    assert [r.span.line for r in tls.locations[0].limit_req] == [9]
    # ...and a location's own limit_req replaces it
    assert [(r.zone, r.span.line) for r in tls.locations[1].limit_req] == [("api", 40)]
    assert [r.zone for r in tls.locations[1].limit_conn] == ["addr"]
    assert tls.server_tokens is not None and tls.server_tokens.value == "off"
    assert tls.client_max_body_size is not None and tls.client_max_body_size.span.line == 31
    assert redirect.client_max_body_size is None


def test_upstreams_and_includes() -> None:
    config = _main()
    (backend,) = config.upstreams
    assert backend.name == "backend" and backend.span.line == 13
    assert [(s.host, s.port, s.span.line) for s in backend.servers] == [
        ("api", 8000, 14), ("10.0.0.5", None, 15)]
    assert [(i.pattern, i.context, i.span.line) for i in config.includes] == [
        ("/etc/nginx/mime.types", "http", 10), ("/etc/nginx/conf.d/*.conf", "http", 11)]
    included = _parse("conf.d/default.conf")
    assert included is not None
    found, missing = resolve_includes(config, [config, included])
    assert [(i.span.line, c.path) for i, c in found] == [(11, "conf.d/default.conf")]
    assert [i.pattern for i in missing] == ["/etc/nginx/mime.types"]


def test_server_only_file_defaults_to_port_80() -> None:
    config = _parse("conf.d/default.conf")
    assert config is not None and not config.has_http_block
    (server,) = config.servers
    assert server.listens[0].port == 80 and server.listens[0].defaulted
    health, root = server.locations
    assert health.returns[0].code == 200 and health.span.line == 3
    assert root.proxy is not None and (root.proxy.host, root.proxy.port) == ("model", 8080)
    assert root.proxy.upstream is None  # no upstream of that name in this file


@pytest.mark.parametrize("name", ["supervisord.conf", "redis.conf"])
def test_non_nginx_conf_is_not_modelled(name: str) -> None:
    assert _parse(name) is None


def test_malformed_raises_parse_error_with_line() -> None:
    with pytest.raises(ParseError) as info:
        _parse("malformed.conf")
    assert info.value.line == 6
    assert "/" not in info.value.message.split("expecting")[0]  # no absolute path leaks


@pytest.mark.parametrize("text, expected", [
    ("listen 80;", (80, None, False, False)),
    ("listen 443 ssl http2;", (443, None, True, False)),
    ("listen [::]:80;", (80, "::", False, False)),
    ("listen 127.0.0.1:8080;", (8080, "127.0.0.1", False, False)),
    ("listen 127.0.0.1;", (80, "127.0.0.1", False, False)),
    ("listen *:8000 default_server;", (8000, None, False, True)),
    ("listen unix:/run/nginx.sock;", (None, None, False, False)),
])
def test_listen_variants(tmp_path: Path, text: str, expected: tuple[object, ...]) -> None:
    (tmp_path / "site.conf").write_text(f"server {{\n    {text}\n}}\n")
    config = _parse("site.conf", tmp_path)
    assert config is not None
    listen = config.servers[0].listens[0]
    assert (listen.port, listen.address, listen.ssl, listen.default_server) == expected
    assert listen.span is not None and (listen.span.line, listen.span.column) == (2, 5)


def test_include_matching() -> None:
    assert include_matches("/etc/nginx/conf.d/*.conf", "deploy/nginx/conf.d/api.conf")
    assert include_matches("snippets/proxy.conf", "nginx/snippets/proxy.conf")
    assert not include_matches("/etc/nginx/conf.d/*.conf", "deploy/sites/api.conf")


def test_model_pickles() -> None:
    config = _main()
    assert pickle.loads(pickle.dumps(config)) == config


def test_scan_goes_on_after_malformed(tmp_path: Path) -> None:
    shutil.copytree(NGINX, tmp_path / "nginx")
    result = scan_dir(tmp_path, rules=["MLA001"])
    errors = [d for d in result.diagnostics if d.span and d.span.path.endswith("malformed.conf")]
    assert errors and errors[0].span is not None and errors[0].span.line == 6
    assert result.project is not None
    assert isinstance(result.project.models.get("nginx/nginx.conf"), NginxConfig)
    assert "nginx/supervisord.conf" not in result.project.models
