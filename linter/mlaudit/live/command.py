"""Entry points for `mlaudit live` and `mlaudit scan --live`.

`hook(args)` checks that boto3 is installed and which regions to read, then returns the
function the engine calls once the deployment model is built: it reads each S3-backed
root's state, collects the live facts, and hands the rules one `LiveState`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from mlaudit.errors import UsageError
from mlaudit.finding import Diagnostic
from mlaudit.live import INSTALL_HINT

Hook = Callable[[Any], tuple[list[Any], list[Diagnostic]]]


def require_boto3() -> None:
    try:
        import boto3  # noqa: F401
    except ImportError:
        raise UsageError(f"live mode needs boto3, which is not installed: run "
                         f"`{INSTALL_HINT}`") from None


def regions(args: argparse.Namespace) -> list[str]:
    """--region (repeatable, or comma-separated), else the environment or profile's."""
    given = [r.strip() for value in (getattr(args, "region", None) or [])
             for r in value.split(",") if r.strip()]
    if given:
        return list(dict.fromkeys(given))
    found = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not found:
        import boto3
        import botocore.exceptions

        try:
            found = boto3.Session(profile_name=getattr(args, "profile", None)).region_name
        except botocore.exceptions.ProfileNotFound:
            raise UsageError(f"AWS profile {args.profile!r} is not configured") from None
    if not found:
        raise UsageError("no region: pass --region (repeatable) or set AWS_REGION")
    return [found]


def hook(args: argparse.Namespace, page_size: int | None = None) -> Hook:
    require_boto3()
    wanted = regions(args)
    quiet = bool(getattr(args, "quiet", False))

    def run(deployment: Any) -> tuple[list[Any], list[Diagnostic]]:
        from mlaudit.live.collect import StderrProgress, collect
        from mlaudit.live.roots import assemble, fetch_remote, terraform_roots
        from mlaudit.live.session import open_session

        clients = open_session(getattr(args, "profile", None), getattr(args, "role_arn", None),
                               getattr(args, "endpoint_url", None), wanted[0])
        check_identity(clients, wanted[0])
        progress = StderrProgress() if sys.stderr.isatty() and not quiet else None
        diagnostics: list[Diagnostic] = []
        try:
            roots = terraform_roots(deployment)
            remote = fetch_remote(roots, s3_reader(clients, wanted[0], diagnostics),
                                  diagnostics)
            facts = collect(clients, wanted, progress, page_size)
        finally:
            if progress is not None:
                progress.clear()
        state, notes = assemble(facts, deployment, remote)
        return [state], diagnostics + notes

    return run


def check_identity(clients: Any, region: str) -> None:
    """Fail early, with exit 2 and no traceback, when there are no usable credentials or
    the endpoint cannot be reached (sts:GetCallerIdentity needs no permission)."""
    import botocore.exceptions

    from mlaudit.live.session import NO_CREDENTIALS

    try:
        clients.client("sts", region).get_caller_identity()
    except botocore.exceptions.NoCredentialsError:
        raise UsageError(NO_CREDENTIALS) from None
    except (botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectTimeoutError) as exc:
        raise UsageError(f"cannot reach the AWS endpoint ({type(exc).__name__})") from None
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise UsageError(f"AWS rejected the credentials ({code})") from None


def s3_reader(clients: Any, default_region: str,
              diagnostics: list[Diagnostic]) -> Callable[[Any], str | None]:
    """Reads a backend's state object with s3:GetObject (the only S3 call mlaudit makes)."""
    from mlaudit.live.collect import Reader
    from mlaudit.live.roots import _notice

    def read(backend: Any) -> str | None:
        reader = Reader(clients, home=backend.region or default_region)
        response = reader.read(backend.region or default_region, "s3", "GetObject",
                               quiet=("NoSuchKey", "NoSuchBucket"), Bucket=backend.bucket,
                               Key=backend.key)
        diagnostics.extend(_notice(n) for n in reader.notices)
        if not isinstance(response, dict):
            if not reader.notices:
                diagnostics.append(Diagnostic(
                    f"no state at s3://{backend.bucket}/{backend.key}: drift for this root "
                    "uses a local state if any", backend.span, code="live-state"))
            return None
        body: bytes = response["Body"].read()
        return body.decode("utf-8", errors="replace")

    return read
