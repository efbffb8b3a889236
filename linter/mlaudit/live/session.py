"""Read-only AWS clients.

Credentials come only from boto3's standard chain (environment, shared profile, SSO,
instance or web-identity role); mlaudit never takes them on the command line or from
config, and never prints them. Every client shares one botocore event hook that refuses
any operation that is not a read (Describe*, List*, Get*) before its request is built:
mlaudit cannot change an account, whatever a future check calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlaudit.errors import UsageError

READ_PREFIXES = ("Describe", "List", "Get")
# Reads that do not look like reads: assuming the audit role changes nothing in the account.
READ_EXCEPTIONS = frozenset({("sts", "AssumeRole")})

CONNECT_TIMEOUT = 5  # seconds, per call
READ_TIMEOUT = 30
MAX_ATTEMPTS = 8  # adaptive mode: retries throttling with back-off and a client-side rate


class ReadOnlyViolation(RuntimeError):
    """An attempt to call an operation that could change the account."""


def refuse_writes(model: Any = None, **_: Any) -> None:
    """`before-parameter-build` hook: runs before any request is serialised or sent."""
    name = getattr(model, "name", "")
    service = getattr(getattr(model, "service_model", None), "endpoint_prefix", "")
    if name.startswith(READ_PREFIXES) or (service, name) in READ_EXCEPTIONS:
        return
    raise ReadOnlyViolation(f"mlaudit is read-only: refused {service}:{name}")


@dataclass
class Clients:
    """Makes read-only clients for one set of options; one client per (service, region)."""

    session: Any
    endpoint_url: str | None = None
    _made: dict[tuple[str, str], Any] = field(default_factory=dict)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._made:
            from botocore.config import Config

            config = Config(
                retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS},
                connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                user_agent_extra="mlaudit-live",
            )
            self._made[key] = self.session.client(service, region_name=region,
                                                  endpoint_url=self.endpoint_url,
                                                  config=config)
        return self._made[key]


def open_session(profile: str | None = None, role_arn: str | None = None,
                 endpoint_url: str | None = None, region: str | None = None) -> Clients:
    """A guarded session from the standard credential chain, optionally as `role_arn`."""
    import boto3
    import botocore.exceptions

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound:
        raise UsageError(f"AWS profile {profile!r} is not configured") from None
    guard(session)
    clients = Clients(session, endpoint_url)
    if role_arn:
        sts = clients.client("sts", region or session.region_name or "us-east-1")
        try:
            creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="mlaudit-live",
                                    DurationSeconds=3600)["Credentials"]
        except botocore.exceptions.NoCredentialsError:
            raise UsageError(NO_CREDENTIALS) from None
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise UsageError(f"cannot assume {role_arn} ({code}): mlaudit needs "
                             "sts:AssumeRole on it") from None
        session = boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                                aws_secret_access_key=creds["SecretAccessKey"],
                                aws_session_token=creds["SessionToken"], region_name=region)
        guard(session)
        clients = Clients(session, endpoint_url)
    return clients


def guard(session: Any) -> None:
    """Install the read-only hook on every client this boto3 session will make."""
    session.events.register("before-parameter-build", refuse_writes,
                            unique_id="mlaudit-read-only")


NO_CREDENTIALS = ("no AWS credentials found: mlaudit reads them only from boto3's standard "
                  "chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or --profile, "
                  "SSO, an instance or web-identity role)")


__all__ = ["Clients", "ReadOnlyViolation", "open_session", "refuse_writes"]
