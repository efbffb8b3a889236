"""Shared helpers of the nginx rules: the configuration set and what `include` pulls in.

The configuration set is every nginx file of the repository. A parser reads one file, so
`include` is resolved here: a file the repository holds contributes its top-level
directives where it is included; a well-known distribution file (proxy_params,
mime.types, ...) contributes what it is known to set; anything else is "cannot tell".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mlaudit import limits
from mlaudit.models.nginx import Directive, Location, NginxConfig, Server, include_matches

# Distribution files whose content is known. Values: the proxy headers they set.
KNOWN_INCLUDES: dict[str, tuple[str, ...]] = {
    "proxy_params": ("Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"),
    "mime.types": (), "fastcgi_params": (), "fastcgi.conf": (), "uwsgi_params": (),
    "scgi_params": (), "koi-utf": (), "koi-win": (), "win-utf": (),
    "fastcgi-php.conf": (), "modules-enabled": (),
}
# App-server upstreams: the pass directives that hand a request to an application.
PASS_DIRECTIVES = ("proxy_pass", "grpc_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass")
_IP_RE = re.compile(r"^(?:\d{1,3}\.){3}\d{1,3}$|:")


class ConfigSet(list[NginxConfig]):
    """Every parsed nginx file of the repository (the configuration set), plus the paths
    of the repository's other files, which an include may load without their content
    being modelled (a `.conf` holding only `server_tokens off;` is not sniffed as nginx)."""

    unparsed: tuple[str, ...] = ()


def configs_of(ctx: Any) -> ConfigSet:
    """The repository's configuration set, computed once per scan (asked per config:
    rebuilding it each time is quadratic). Callers must not change it."""
    deployment = getattr(ctx, "deployment", None)
    if deployment is None:
        return ConfigSet()
    memo = getattr(deployment, "memo", None)
    if memo is None:
        return _config_set(deployment)
    found: ConfigSet = memo("nginx-config-set", lambda: _config_set(deployment))
    return found


def _config_set(deployment: Any) -> ConfigSet:
    out = ConfigSet()
    out.extend(sorted(deployment.models(NginxConfig), key=lambda c: c.path))
    parsed = {c.path for c in out}
    files = getattr(getattr(deployment, "project", None), "files", ())
    out.unparsed = tuple(f.path for f in files if f.path not in parsed)
    return out


@dataclass
class Pulled:
    """What the `include`s among some directives bring in."""

    directives: list[Directive] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)  # from known distribution files
    unknown: bool = False  # an include that can be neither resolved nor recognised


def pulled(directives: Iterable[Directive], configs: list[NginxConfig], here: str,
           glob_is_servers: bool = False) -> Pulled:
    """Resolve the `include`s among `directives` (one level deep).

    `glob_is_servers`: at http level, an unresolved glob (`conf.d/*.conf`,
    `sites-enabled/*`) loads server files, not settings, so it is not "unknown".
    """
    out = Pulled()
    pulled_in = 0
    for d in directives:
        if d.name != "include" or not d.args:
            continue
        pattern = d.args[0]
        hits = [c for c in configs if c.path != here and include_matches(pattern, c.path)]
        if pulled_in + len(hits) > limits.MAX_NGINX_INCLUDES:
            # Include fan-out is bounded: past it, what is included is unknown.
            limits.notice(d.span.path, d.span.line,
                          f"includes pull in over {limits.MAX_NGINX_INCLUDES} files; the "
                          "rest is not read")
            out.unknown = True
            break
        pulled_in += len(hits)
        for hit in hits:
            out.directives.extend(hit.directives)
        unparsed = getattr(configs, "unparsed", ())
        if any(include_matches(pattern, path) for path in unparsed):
            out.unknown = True  # a repository file whose content is not modelled
        base = pattern.rstrip("/").rsplit("/", 1)[-1]
        if hits:
            continue
        if base in KNOWN_INCLUDES:
            out.headers.extend(KNOWN_INCLUDES[base])
        elif not (glob_is_servers and "*" in pattern):
            out.unknown = True
    return out


def http_parents(config: NginxConfig, configs: list[NginxConfig]) -> list[NginxConfig]:
    """The configs whose `http {}` holds this file's servers.

    A file with an http block holds its own. A conf.d snippet belongs to the repository's
    nginx.conf that includes it at http level; [] when none does (the image's stock
    nginx.conf, which sets none of the settings the rules look for).
    """
    if config.has_http_block:
        return [config]
    return [c for c in configs if c.path != config.path and any(
        i.context == "http" and include_matches(i.pattern, config.path) for i in c.includes)]


def http_directives(parent: NginxConfig, configs: list[NginxConfig]) -> Pulled:
    """What the http-level includes of `parent` bring in."""
    incs = [Directive("include", (i.pattern,), i.span) for i in parent.includes
            if i.context == "http"]
    return pulled(incs, configs, parent.path, glob_is_servers=True)


def is_internal(server: Server) -> bool:
    """Listens only on loopback or unix sockets: not reachable from outside the host."""
    return bool(server.listens) and all(
        listen.unix is not None or listen.loopback_only for listen in server.listens)


def server_label(server: Server) -> str:
    names = [n for n in server.server_names if n not in ("_", "")]
    ports = ",".join(str(p) for p in server.ports) or "80"
    return f"{names[0] if names else 'server'}:{ports}"


def proxied_locations(server: Server) -> list[Location]:
    return [loc for loc in server.all_locations() if loc.proxy is not None]


def is_external_host(host: str) -> bool:
    """An FQDN or an IP literal: not a service name of this repository."""
    return "." in host or bool(_IP_RE.search(host))


def behind_sagemaker_endpoint(ctx: Any, config: NginxConfig) -> bool:
    """The config belongs to a SageMaker serving container that nothing else in the
    repository runs: SageMaker's HTTPS endpoint (SigV4 auth, throttling, TLS) fronts it,
    and this nginx only relays /ping and /invocations to the app inside the container."""
    finder = getattr(getattr(ctx, "deployment", None), "sagemaker_container_of", None)
    container = finder(config.path) if finder is not None else None
    return container is not None and container.serves and container.behind_endpoint_only
