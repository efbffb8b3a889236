"""Baselines: a file of fingerprints of accepted findings, so a scan reports only new ones.

Fingerprints never contain line numbers or secrets (see `finding.fingerprint`), so a
baseline survives edits that move code around.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from mlaudit import __version__
from mlaudit.errors import UsageError
from mlaudit.finding import Finding

BASELINE_VERSION = 1


def write(path: Path, findings: Iterable[Finding]) -> int:
    entries = sorted(
        {(f.fingerprint, f.rule_id, f.location.path or f.location.resource or "") for f in findings}
    )
    document = {
        "version": BASELINE_VERSION,
        "tool": {"name": "mlaudit", "version": __version__},
        "findings": [
            {"fingerprint": fp, "rule": rule, "path": where} for fp, rule, where in entries
        ],
    }
    from mlaudit.atomic import write_text_atomic

    write_text_atomic(path, json.dumps(document, indent=2) + "\n")
    return len(entries)


def read(path: Path) -> set[str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"baseline file {path} does not exist") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"baseline file {path} is not a valid mlaudit baseline: {exc}") from None
    except (UnicodeDecodeError, RecursionError) as exc:
        why = "it is not UTF-8" if isinstance(exc, UnicodeDecodeError) else "nested too deeply"
        raise UsageError(f"baseline file {path} is not a valid mlaudit baseline: {why}") from None
    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
        raise UsageError(f"baseline file {path} has an unsupported format (want version 1)")
    items = document.get("findings", [])
    if not isinstance(items, list):
        raise UsageError(f"baseline file {path}: 'findings' must be a list")
    return {str(item.get("fingerprint")) for item in items if isinstance(item, dict)}
