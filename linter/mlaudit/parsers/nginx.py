"""nginx parser: crossplane (NGINX Inc.'s own config parser) gives the directive tree.

Every `*.conf` is routed here, so the text is sniffed first: a file without an nginx block
or a `;`-terminated nginx directive (supervisord, redis, fluentd configs) yields None and
no diagnostic. Snippets meant for `include` count (`ssl_protocols …;`,
`server_tokens on;`, `add_header …;` alone in a file). `include` is recorded, never
followed: a parser reads only its own file.
"""

from __future__ import annotations

import re
from typing import Any

from mlaudit.models.nginx import (
    Directive,
    Include,
    LimitRule,
    LimitZone,
    Listen,
    Location,
    NginxConfig,
    ProxyTarget,
    Return,
    Server,
    Setting,
    Upstream,
    UpstreamServer,
)
from mlaudit.parsers import ParseError
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "5"
_USERINFO_RE = re.compile(r"^((?:[a-z][a-z0-9+.-]*:)?//)[^/@\s]*@", re.I)

# Linear on any text: leading blanks of one line only (`\s*` after `^` with re.M crossed
# lines, so every line start rescanned the blank lines below it), and a bounded gap.
_SNIFF_RE = re.compile(
    r"^[ \t]*(?:(?:http|server|location|upstream|events|stream|map|types)\b[^;{}#]{0,512}\{"
    r"|(?:include|proxy_pass|listen|server_name|worker_processes|proxy_set_header|root"
    r"|fastcgi_pass|uwsgi_pass|grpc_pass|ssl_[a-z_]+|limit_req_zone|server_tokens"
    r"|client_max_body_size|add_header)\s[^;{}#]{0,512};)", re.M)
_PASS = ("proxy_pass", "grpc_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass")
_SETTINGS = ("server_tokens", "client_max_body_size", "ssl_protocols", "ssl_certificate",
             "ssl_certificate_key")
_ERROR_FILE_RE = re.compile(r"\s+in\s+\S+:\d+$")
Block = list[dict[str, Any]]


def looks_like_nginx(text: str) -> bool:
    return _SNIFF_RE.search(text) is not None


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _host_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):  # [::1]:8000
        host, _, rest = text[1:].partition("]")
        return host, _int(rest[1:]) if rest.startswith(":") else None
    host, sep, port = text.rpartition(":")
    return (host, _int(port)) if sep and host else (text, None)


class _Builder:
    def __init__(self, source: SourceFile, upstream_names: set[str]) -> None:
        self.path = source.path
        self.lines = source.lines
        self.cursor: dict[int, int] = {}
        self.upstream_names = upstream_names
        self.includes: list[Include] = []
        self.zones: list[LimitZone] = []
        self.upstreams: list[Upstream] = []

    def span(self, node: dict[str, Any]) -> Span:
        line = int(node.get("line", 1))
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        found = text.find(node["directive"], self.cursor.get(line, 0))
        if found < 0:
            return Span(self.path, line)
        self.cursor[line] = found + len(node["directive"])
        return Span(self.path, line, found + 1)

    def directive(self, node: dict[str, Any]) -> Directive:
        return Directive(node["directive"], tuple(node.get("args", ())), self.span(node))

    def common(self, node: dict[str, Any], d: Directive, context: str) -> None:
        """Directives recorded wherever they appear."""
        if d.name == "include" and d.args:
            self.includes.append(Include(d.args[0], context, d.span))
        elif d.name in ("limit_req_zone", "limit_conn_zone") and d.args:
            opts = dict(a.split("=", 1) for a in d.args[1:] if "=" in a)
            name, _, size = opts.get("zone", "").partition(":")
            self.zones.append(LimitZone(d.name.split("_")[1], name, d.args[0], size,
                                        opts.get("rate"), d.span))
        elif d.name == "upstream" and d.args:
            servers = []
            for child in node.get("block", []):
                if child["directive"] == "server" and child.get("args"):
                    address = child["args"][0]
                    # A unix socket keeps its whole address as the host: it names no
                    # service (`unix:/tmp/app.sock` is not a host called "unix").
                    host, port = (address, None) if address.startswith("unix:") \
                        else _host_port(address)
                    servers.append(UpstreamServer(host, port, child["args"][0],
                                                  self.span(child)))
            self.upstreams.append(Upstream(d.args[0], tuple(servers), d.span))

    def target(self, d: Directive) -> ProxyTarget:
        # Credentials in the URL (`http://user:password@host`) are never part of the
        # model: every message and graph label built from it would print them. The
        # secrets rule reads them from the file itself.
        text = _USERINFO_RE.sub(r"\1****@", d.args[0] if d.args else "")
        scheme, sep, rest = text.partition("://")
        if not sep:
            scheme, rest = "", text
        if rest.startswith("unix:"):
            return ProxyTarget(text, d.span, scheme or None, unix=rest[5:].split(":")[0],
                               directive=d.name)
        hostport, slash, uri = rest.partition("/")
        hostport = hostport.rpartition("@")[2]
        if "$" in hostport:
            return ProxyTarget(text, d.span, scheme or None, uri=slash + uri, variable=True,
                               directive=d.name)
        host, port = _host_port(hostport)
        upstream = host if port is None and host in self.upstream_names else None
        return ProxyTarget(text, d.span, scheme or None, host, port, slash + uri, upstream,
                           "$" in uri, directive=d.name)

    @staticmethod
    def ret(d: Directive) -> Return | None:
        args = d.args
        if d.name == "rewrite":
            if len(args) >= 2 and re.match(r"https?://", args[1]):
                return Return(301 if "permanent" in args[2:] else 302, args[1], d.span,
                              "rewrite")
            return None
        if not args:
            return None
        code = _int(args[0])
        target = args[1] if code is not None and len(args) > 1 else (None if code else args[0])
        return Return(code if code is not None else 302, target, d.span)

    def location(self, node: dict[str, Any], parent: dict[str, Any]) -> Location:
        d = self.directive(node)
        args = d.args
        modifier, path = ("", args[0]) if len(args) == 1 else (args[0], args[1]) if args else (
            "", "")
        if path.startswith("@"):
            modifier, path = "@", path[1:]
        own = self.level(node.get("block", []), parent, "location")
        nested = tuple(self.location(c, own) for c in node.get("block", [])
                       if c["directive"] == "location")
        proxy = next((self.target(x) for x in own["directives"] if x.name in _PASS), None)
        headers = tuple((x.args[0], x.args[1] if len(x.args) > 1 else "", x.span)
                        for x in own["directives"] if x.name == "proxy_set_header" and x.args)
        return Location(modifier, path, d.span, proxy, headers, own["limit_req"],
                        own["limit_conn"], tuple(own["returns"]),
                        own["client_max_body_size"], tuple(own["directives"]), nested)

    def level(self, block: Block, parent: dict[str, Any], context: str) -> dict[str, Any]:
        """Own directives of one block and its effective inherited settings."""
        own: dict[str, Any] = {"directives": [], "returns": [], "listens": [], "names": []}
        limits: dict[str, list[LimitRule]] = {"req": [], "conn": []}
        settings: dict[str, Setting | None] = {}
        for node in block:
            if node["directive"] in ("location", "server"):
                continue  # built separately (they need this level's settings)
            d = self.directive(node)
            own["directives"].append(d)
            self.common(node, d, context)
            if d.name in ("limit_req", "limit_conn") and d.args:
                zone = next((a.split("=", 1)[1] for a in d.args if a.startswith("zone=")),
                            d.args[0])
                limits[d.name[6:]].append(LimitRule(d.name[6:], zone, d.args, d.span))
            elif d.name in _SETTINGS:
                settings[d.name] = Setting(" ".join(d.args), d.span)
            elif d.name in ("return", "rewrite") and (r := self.ret(d)) is not None:
                own["returns"].append(r)
            elif d.name == "if":  # a conditional redirect still counts as one
                for child in node.get("block", []):
                    if child["directive"] in ("return", "rewrite"):
                        r = self.ret(self.directive(child))
                        if r is not None:
                            own["returns"].append(r)
        for kind in ("req", "conn"):
            own[f"limit_{kind}"] = tuple(limits[kind]) or parent.get(f"limit_{kind}", ())
        for name in _SETTINGS:
            own[name] = settings.get(name) or parent.get(name)
        return own

    def server(self, node: dict[str, Any], parent: dict[str, Any], stream: bool) -> Server:
        span = self.span(node)
        own = self.level(node.get("block", []), parent, "server")
        listens = [_listen(d) for d in own["directives"] if d.name == "listen" and d.args]
        if not listens:
            listens = [Listen(80, text="", span=span, defaulted=True)]
        names = tuple(a for d in own["directives"] if d.name == "server_name" for a in d.args)
        locations = tuple(self.location(c, own) for c in node.get("block", [])
                          if c["directive"] == "location")
        cert, key = own["ssl_certificate"], own["ssl_certificate_key"]
        return Server(span, tuple(listens), names, locations, tuple(own["returns"]),
                      own["ssl_protocols"], cert.span if cert else None,
                      key.span if key else None, own["server_tokens"],
                      own["client_max_body_size"], own["limit_req"], own["limit_conn"],
                      tuple(own["directives"]), stream)


def _listen(d: Directive) -> Listen:
    first, flags = d.args[0], set(d.args[1:])
    ssl, http2 = bool(flags & {"ssl", "quic"}), "http2" in flags
    default = bool(flags & {"default_server", "default"})
    text = " ".join(d.args)
    if first.startswith("unix:"):
        return Listen(None, None, ssl, http2, default, first[5:], text, d.span)
    address: str | None
    if first.isdigit():
        address, port = None, _int(first)
    else:  # "127.0.0.1:8080", "[::]:80", "*:80", or an address alone (port 80)
        address, port = _host_port(first)
        port = 80 if port is None and not first.endswith(":") else port
    if address in ("*", ""):
        address = None
    return Listen(port, address, ssl, http2, default, None, text, d.span)


def _collect_upstream_names(block: Block, found: set[str]) -> set[str]:
    for node in block:
        if node["directive"] == "upstream" and node.get("args"):
            found.add(node["args"][0])
        _collect_upstream_names(node.get("block", []), found)
    return found


def _load(source: SourceFile) -> Block:
    import crossplane

    try:
        payload = crossplane.parse(str(source.abspath), single=True, comments=False,
                                   check_ctx=False, check_args=False, catch_errors=True)
    except Exception as exc:  # crossplane raises on unreadable input despite catch_errors
        raise ParseError(f"cannot parse nginx config: {exc}") from None
    for config in payload.get("config", []):
        for error in config.get("errors", []):
            message = _ERROR_FILE_RE.sub("", str(error.get("error", "syntax error")))
            raise ParseError(f"nginx syntax error: {message}", int(error.get("line") or 1))
    configs = payload.get("config", [])
    tree = list(configs[0].get("parsed", [])) if configs else []
    if tree and str(tree[0].get("directive", "")).startswith("\ufeff"):
        # crossplane reads the file itself and keeps a byte-order mark on the first token.
        tree[0] = {**tree[0], "directive": tree[0]["directive"].lstrip("\ufeff")}
    return tree


def parse(source: SourceFile) -> NginxConfig | None:
    if not looks_like_nginx(source.text):
        return None
    tree = _load(source)
    builder = _Builder(source, _collect_upstream_names(tree, set()))
    servers: list[Server] = []
    main = builder.level(tree, {}, "main")
    http_level: dict[str, Any] = {}
    for node in tree:
        if node["directive"] in ("http", "stream"):
            level = builder.level(node.get("block", []), main, node["directive"])
            if node["directive"] == "http":
                http_level = level
            servers.extend(builder.server(c, level, node["directive"] == "stream")
                           for c in node.get("block", []) if c["directive"] == "server")
        elif node["directive"] == "server":  # a conf.d file: included inside http
            servers.append(builder.server(node, main, False))
    return NginxConfig(
        source.path, tuple(servers), tuple(builder.upstreams), tuple(builder.includes),
        tuple(builder.zones), bool(http_level), http_level.get("server_tokens"),
        http_level.get("limit_req", ()), http_level.get("limit_conn", ()),
        tuple(main["directives"]), tuple(http_level.get("directives", ())))
