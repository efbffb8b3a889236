"""The nginx model: servers, locations, upstreams and rate limits with exact lines.

Inherited settings (limit_req, limit_conn, server_tokens, client_max_body_size,
ssl_protocols) are stored *effective*: a level that sets none inherits the enclosing
level's, as nginx does, and the span points at the directive that actually applies.
A file holding only `server {}` blocks (conf.d/default.conf) is modelled the same way:
its servers are top level. `include` is recorded, never followed (see `include_matches`).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from mlaudit.span import Span


@dataclass(frozen=True, slots=True)
class Directive:
    """Any directive, for rules that need one this model does not name."""

    name: str
    args: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Listen:
    """`listen`. port None = a unix socket; `defaulted` = no listen (nginx uses 80)."""

    port: int | None
    address: str | None = None  # "127.0.0.1", "::", "*", a host name; None = all
    ssl: bool = False
    http2: bool = False
    default_server: bool = False
    unix: str | None = None
    text: str = ""
    span: Span | None = None
    defaulted: bool = False

    @property
    def loopback_only(self) -> bool:
        return self.address in ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True, slots=True)
class ProxyTarget:
    """A `proxy_pass` (or grpc/uwsgi/fastcgi_pass) target.

    `variable` = the target contains `$...` (resolved at request time: cannot tell).
    `upstream` = host names an `upstream` block *of this file*; the deployment model
    resolves upstreams defined in other files by `host`. `port` None = not written.
    """

    text: str
    span: Span
    scheme: str | None = None
    host: str | None = None
    port: int | None = None
    uri: str = ""
    upstream: str | None = None
    variable: bool = False
    unix: str | None = None
    directive: str = "proxy_pass"

    @property
    def effective_port(self) -> int | None:
        """The port connected to when it can be told without an upstream lookup."""
        if self.port is not None or self.variable or self.upstream or self.unix:
            return self.port
        return {"http": 80, "https": 443, "grpc": 80, "grpcs": 443}.get(self.scheme or "")


@dataclass(frozen=True, slots=True)
class LimitRule:
    """`limit_req zone=api burst=20 nodelay` / `limit_conn addr 10`."""

    kind: str  # "req" | "conn"
    zone: str
    args: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class LimitZone:
    """`limit_req_zone $binary_remote_addr zone=api:10m rate=5r/s` (or limit_conn_zone)."""

    kind: str  # "req" | "conn"
    name: str
    key: str
    size: str
    rate: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Return:
    """`return 301 https://$host$request_uri` / `rewrite ^ https://... permanent`."""

    code: int | None
    target: str | None
    span: Span
    directive: str = "return"

    @property
    def redirects_to_https(self) -> bool:
        return (self.target or "").lower().startswith("https://")


@dataclass(frozen=True, slots=True)
class Setting:
    """A single-valued inherited setting (server_tokens, client_max_body_size, ...)."""

    value: str
    span: Span


@dataclass(frozen=True)
class Location:
    modifier: str  # "", "=", "~", "~*", "^~"; "@" for a named location (path is the name)
    path: str
    span: Span
    proxy: ProxyTarget | None = None
    proxy_set_headers: tuple[tuple[str, str, Span], ...] = ()
    limit_req: tuple[LimitRule, ...] = ()  # effective (inherited when unset here)
    limit_conn: tuple[LimitRule, ...] = ()
    returns: tuple[Return, ...] = ()
    client_max_body_size: Setting | None = None  # effective
    directives: tuple[Directive, ...] = ()  # own directives, in order
    locations: tuple[Location, ...] = ()  # nested locations

    def header(self, name: str) -> tuple[str, str, Span] | None:
        """The proxy_set_header for `name` (case-insensitive), as (name, value, span)."""
        return next((h for h in self.proxy_set_headers if h[0].lower() == name.lower()), None)


@dataclass(frozen=True)
class Server:
    span: Span
    listens: tuple[Listen, ...]
    server_names: tuple[str, ...] = ()
    locations: tuple[Location, ...] = ()
    returns: tuple[Return, ...] = ()  # server-level return/rewrite (the HTTP->HTTPS redirect)
    ssl_protocols: Setting | None = None  # effective
    ssl_certificate: Span | None = None  # where ssl_certificate is set (effective)
    ssl_certificate_key: Span | None = None
    server_tokens: Setting | None = None  # effective; None = nginx default "on"
    client_max_body_size: Setting | None = None  # effective; None = nginx default 1m
    limit_req: tuple[LimitRule, ...] = ()  # effective
    limit_conn: tuple[LimitRule, ...] = ()
    directives: tuple[Directive, ...] = ()
    stream: bool = False  # inside `stream {}` (TCP/UDP proxy), not HTTP

    @property
    def ssl(self) -> bool:
        return any(listen.ssl for listen in self.listens)

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(listen.port for listen in self.listens if listen.port is not None)

    def all_locations(self) -> tuple[Location, ...]:
        """Every location, nested ones included, depth first."""
        out: list[Location] = []
        stack = list(reversed(self.locations))
        while stack:
            location = stack.pop()
            out.append(location)
            stack.extend(reversed(location.locations))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class UpstreamServer:
    host: str
    port: int | None  # None = not written (nginx uses 80) or a unix socket
    text: str
    span: Span


@dataclass(frozen=True)
class Upstream:
    name: str
    servers: tuple[UpstreamServer, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Include:
    """`include pattern;` and the block it appears in ("main", "http", "server", ...)."""

    pattern: str
    context: str
    span: Span


@dataclass(frozen=True)
class NginxConfig:
    path: str
    servers: tuple[Server, ...] = ()
    upstreams: tuple[Upstream, ...] = ()
    includes: tuple[Include, ...] = ()
    limit_zones: tuple[LimitZone, ...] = ()
    has_http_block: bool = False
    http_server_tokens: Setting | None = None  # http-level settings, for merging includes
    http_limit_req: tuple[LimitRule, ...] = ()
    http_limit_conn: tuple[LimitRule, ...] = ()
    directives: tuple[Directive, ...] = ()  # top-level (main context) directives
    # The http block's own directives: settings that apply to the servers of included
    # conf.d files (`ssl_protocols` in nginx.conf, servers elsewhere).
    http_directives: tuple[Directive, ...] = ()

    def upstream(self, name: str) -> Upstream | None:
        return next((u for u in self.upstreams if u.name == name), None)


def include_matches(pattern: str, path: str) -> bool:
    """Whether repo path `path` is plausibly what `include pattern` loads.

    Include paths are absolute on the server (/etc/nginx/conf.d/*.conf) or relative to
    its prefix; the repository keeps the same files somewhere else (nginx/conf.d/x.conf).
    So the last two components are compared (glob aware), or the name alone for a
    one-component pattern.
    """
    want = [p for p in pattern.split("/") if p][-2:]
    have = [p for p in path.split("/") if p][-len(want):] if want else []
    return len(have) == len(want) and all(fnmatch.fnmatchcase(h, w)
                                          for h, w in zip(have, want, strict=True))


def resolve_includes(config: NginxConfig, configs: list[NginxConfig]
                     ) -> tuple[list[tuple[Include, NginxConfig]], list[Include]]:
    """(include, parsed config it loads) pairs, and the includes matching no parsed file.

    An unmatched include is a notice for the caller (mime.types, files outside the
    repository), never an error.
    """
    found: list[tuple[Include, NginxConfig]] = []
    missing: list[Include] = []
    for include in config.includes:
        hits = [c for c in configs if c.path != config.path
                and include_matches(include.pattern, c.path)]
        found.extend((include, hit) for hit in hits)
        if not hits:
            missing.append(include)
    return found, missing
