"""Credentials of throwaway CI databases in GitHub Actions workflows.

A job's `services:` containers (`postgres`, `redis`...) start with the job and are
destroyed with it: the password they are given (`POSTGRES_PASSWORD: ci`) and the URLs the
job's steps use to reach them (`postgres://ci:ci@localhost:5432/ci`, or the service's
name as host) guard no data. A credential that reaches any other host, or a value shaped
like a generated token, is still a secret. Read from the YAML structure, not from paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlaudit_rules.secrets._shape import is_uuid, is_words
from mlaudit_rules.secrets._values import LOOPBACK_HOSTS, url_host

# Detector kinds a throwaway credential can show up as; specific token detectors (GitHub,
# Slack, private keys...) are never quieted.
_QUIETABLE = frozenset({"Secret Keyword", "Basic Auth Credentials"})


@dataclass
class CiFixtures:
    """Lines of one workflow: `service_env` lines (a service container's `env:` entries)
    and, per job, its line range and the names its service containers are reached by."""

    service_env: set[int] = field(default_factory=set)
    jobs: list[tuple[range, frozenset[str]]] = field(default_factory=list)

    def quiet(self, line_number: int, line: str, secret_type: str, value: str) -> bool:
        if secret_type not in _QUIETABLE or token_shaped(value):
            return False
        if line_number in self.service_env:
            return True
        host = url_host(line)
        if host is None:
            return False
        for lines, services in self.jobs:
            if line_number in lines:
                return host in LOOPBACK_HOSTS or host in services
        return False


def token_shaped(value: str) -> bool:
    """A value a generator made (16+ characters of letters and digits, not words, or a
    UUID): kept even in a CI service, since such values are often copied from real ones."""
    text = value.strip().strip("'\"")
    if is_uuid(text):
        return True
    return (len(text) >= 16 and any(c.isdigit() for c in text)
            and any(c.isalpha() for c in text) and not is_words(text))


def ci_fixtures(text: str) -> CiFixtures:
    """The throwaway-credential lines of a workflow text; empty when it does not load."""
    from mlaudit.parsers import ParseError
    from mlaudit.parsers.yaml_source import LMap, load

    found = CiFixtures()
    try:
        data = load(text)
    except ParseError:
        return found
    jobs = data.get("jobs") if isinstance(data, LMap) else None
    if not isinstance(jobs, LMap):
        return found
    starts = sorted(jobs.line_of(k) for k in jobs)
    last = len(text.splitlines())
    for job_id, body in jobs.items():
        start = jobs.line_of(job_id)
        end = next((s for s in starts if s > start), last + 1)
        services = body.get("services") if isinstance(body, LMap) else None
        if not isinstance(services, LMap):
            services = LMap()  # the loopback still counts: a database a step started
        names = frozenset(str(n).lower() for n in services)
        found.jobs.append((range(start, end), names))
        for service in services.values():
            env = service.get("env") if isinstance(service, LMap) else None
            if isinstance(env, LMap):
                found.service_env.update(env.line_of(k) for k in env)
    return found

