"""Credentials of throwaway CI databases in GitHub Actions workflows.

A job's `services:` containers (`postgres`, `redis`...) start with the job and are
destroyed with it: the password they are given (`POSTGRES_PASSWORD: ci`) and the URLs the
job's steps use to reach them (`postgres://ci:ci@localhost:5432/ci`, or the service's
name as host) guard no data. A credential that reaches any other host, or a value shaped
like a generated token, is still a secret. Read from the parsed workflow (its jobs'
`services:`), not from paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlaudit_rules.secrets._shape import is_uuid, is_words
from mlaudit_rules.secrets._values import LOOPBACK_HOSTS, url_host

if TYPE_CHECKING:  # the caller has one: a scan without workflows never imports the model
    from mlaudit.models.workflow import Workflow

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


def ci_fixtures(workflow: Workflow, line_count: int) -> CiFixtures:
    """The throwaway-credential lines of a parsed workflow: its service containers' `env:`
    entries, and each job's line range with the names its services are reached by."""
    found = CiFixtures()
    starts = sorted(job.span.line for job in workflow.jobs)
    for job in workflow.jobs:
        start = job.span.line
        end = next((s for s in starts if s > start), line_count + 1)
        names = frozenset(service.name.lower() for service in job.services)
        found.jobs.append((range(start, end), names))
        for service in job.services:
            found.service_env.update(value.span.line for value in service.env)
    return found
