"""Organisation policies: rules written in Rego against the deployment model.

A policy is a `.rego` file whose `# METADATA` annotation names it (`custom.id`) and whose
`deny` set reports what it finds. mlaudit reads the files and their metadata itself (no
Rego engine needed for that); evaluation runs in a worker process with `regopy`, the
optional extra `mlaudit[policy]` (see `mlaudit.policy.runner`), so a slow or crashing
policy can be stopped without taking the scan with it.

Layers: `source` (files, packages, metadata), `input` (the documented input document),
`runner` (the worker protocol, time limit, errors), `rules` (policies as ordinary
`Rule`s), `testing` (`mlaudit policy test`).
"""

from __future__ import annotations

INSTALL_HINT = "pip install 'mlaudit[policy]'"
INPUT_SCHEMA = "mlaudit.policy-input/v1"
DEFAULT_TIMEOUT = 30.0  # seconds per policy; --policy-timeout / MLAUDIT_POLICY_TIMEOUT


class PolicyError(Exception):
    """A policy that cannot be used (unreadable, no id, bad metadata): exit 2."""
