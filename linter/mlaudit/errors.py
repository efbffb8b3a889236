"""Errors that end a run with exit code 2 and a one-line explanation (never a traceback)."""


class UsageError(Exception):
    """Bad command line or configuration: exit 2 with this message."""
