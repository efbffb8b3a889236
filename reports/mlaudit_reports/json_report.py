"""Versioned JSON output (`"version": 1`) with a stable key order, for machines."""

from __future__ import annotations

import json
from typing import Any

from mlaudit import __version__
from mlaudit.engine import ScanResult
from mlaudit.finding import Finding, Location
from mlaudit_reports import ReportContext
from mlaudit_reports.summary import summarise, threshold_name

JSON_VERSION = 1


def _location(loc: Location) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if loc.span is not None:
        out.update(path=loc.span.path, line=loc.span.line, column=loc.span.column)
        if loc.span.end_line:
            out["end_line"] = loc.span.end_line
        if loc.span.end_column:
            out["end_column"] = loc.span.end_column
    if loc.resource:
        out["resource"] = loc.resource
    if loc.symbol:
        out["symbol"] = loc.symbol
    return out


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule": finding.rule_id,
        "name": finding.rule_name,
        "severity": finding.severity.value,
        "message": finding.message,
        "location": _location(finding.location),
        "related": [
            {"location": _location(r.location), "note": r.note} for r in finding.related
        ],
        "fingerprint": finding.fingerprint,
        "origin": finding.origin.value,
    }
    if finding.suppression is not None:
        data["suppression"] = {
            "kind": finding.suppression.kind.value,
            "reason": finding.suppression.reason,
        }
    return data


def render(result: ScanResult, ctx: ReportContext) -> str:
    summary = summarise(result, ctx.fail_on)
    document = {
        "version": JSON_VERSION,
        "tool": {"name": "mlaudit", "version": __version__},
        "summary": {
            "files": summary.files,
            "findings": summary.total,
            "by_severity": {s.value: n for s, n in summary.by_severity.items()},
            "suppressed": summary.suppressed,
            "baselined": summary.baselined,
            "fail_on": threshold_name(ctx.fail_on),
            "failing": summary.failing,
            **({"notes": list(result.notes)} if result.notes else {}),
        },
        "findings": [finding_to_dict(f) for f in result.findings
                     if ctx.include_suppressed or f.suppression is None],
        "diagnostics": [
            {
                "level": d.level.value,
                "code": d.code,
                "message": d.message,
                **({"location": {"path": d.span.path, "line": d.span.line,
                                 "column": d.span.column}} if d.span else {}),
            }
            for d in result.diagnostics
        ],
    }
    return json.dumps(document, indent=2) + "\n"
