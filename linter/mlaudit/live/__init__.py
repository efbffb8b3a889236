"""Live AWS verification and drift (`mlaudit live`, `mlaudit scan --live`).

The only code in mlaudit that talks to AWS, and the only code that imports boto3 (an
optional extra: `pip install 'mlaudit[live]'`). A static scan never imports this package.

- `session`: read-only clients (a botocore hook refuses any non-read operation), adaptive
  retries, per-call timeouts, endpoint override, optional audit-role assumption.
- `collect`: the API calls, per region in parallel, each failure a `Notice`.
- `roots`: each Terraform root's state (local, show JSON, S3 backend), joined with the
  facts into the `LiveState` the live rules read.
- `command`: the `mlaudit live` / `scan --live` entry points.
"""

INSTALL_HINT = "pip install 'mlaudit[live]'"
