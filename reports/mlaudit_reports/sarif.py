"""SARIF 2.1.0 for GitHub code scanning (`--format sarif`).

The shape follows what code scanning ingests, not only what the schema allows (see the
interface notes): one run; every enabled rule described; one location per result with a
percent-encoded repo-relative URI; `security-severity` as a numeric *string*; a `results`
array even when empty; `executionSuccessful: true` whenever the scan finished (a false
flag makes GitHub discard the run and keep stale alerts open). Suppressed findings are
left out unless asked for, because GitHub ignores `suppressions` and would open them.
Output is deterministic so that two runs over the same tree produce the same bytes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from mlaudit import __version__
from mlaudit.engine import ScanResult
from mlaudit.errors import UsageError
from mlaudit.finding import Diagnostic, Finding, Location, SuppressionKind
from mlaudit.rule import Rule
from mlaudit.severity import Confidence, Severity
from mlaudit.span import Span
from mlaudit_reports import ReportContext
from mlaudit_reports.markdown import RULES_DOC_URL, rule_help_uri

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/mlaudit/mlaudit"
MAX_RESULTS = 25_000  # GitHub rejects a run with more
FINGERPRINT_KEY = "mlaudit/v1"
SRCROOT = "%SRCROOT%"
LIVE_FINDING_CODE = "finding-without-file"
MAX_DESCRIPTION = 1024  # shortDescription / fullDescription, GitHub's hard limit
MAX_NAME = 255

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# Values well inside GitHub's bands (critical > 9.0, high 7.0-8.9, medium 4.0-6.9,
# low 0.1-3.9), written as strings: a JSON number makes the upload fail.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}
PROBLEM_SEVERITY = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "recommendation",
    Severity.INFO: "recommendation",
}
PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}


def truncate(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _help(rule: Rule[Any]) -> tuple[str, str]:
    """(plain text, Markdown) help: what it flags, why, how to fix, and the examples."""
    docs = rule.parsed_docs
    sections = [("What it flags", docs.flags), ("Why it matters", docs.rationale),
                ("How to fix", docs.fix)]
    text = [f"{rule.id} {rule.name}: {rule.title}"]
    markdown = [f"**{rule.title}** ({rule.id} `{rule.name}`)"]
    for heading, body in sections:
        if body:
            text.append(f"{heading}:\n{body}")
            markdown.append(f"## {heading}\n\n{body}")
    fence = docs.example_language
    for label, example in (("Bad", docs.bad_example), ("Good", docs.good_example)):
        if example.strip():
            text.append(f"{label} example:\n{example.rstrip()}")
            markdown.append(f"### {label}\n\n```{fence}\n{example.rstrip()}\n```")
    if rule_help_uri(rule):
        text.append(f"Documentation: {rule_help_uri(rule)}")
    else:
        text.append(f"Origin: {rule.origin}")
    return "\n\n".join(text), "\n\n".join(markdown)


def descriptor(rule: Rule[Any]) -> dict[str, Any]:
    """A rule's `reportingDescriptor`, generated from its declaration and docstring."""
    help_text, help_markdown = _help(rule)
    properties: dict[str, Any] = {
        "tags": list(dict.fromkeys(rule.all_tags()))[:10],
        "precision": PRECISION[rule.confidence],
    }
    if rule.is_security and rule.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    else:
        properties["problem.severity"] = PROBLEM_SEVERITY[rule.severity]
    out = {
        "id": rule.id,
        "name": truncate(rule.name, MAX_NAME),
        "shortDescription": {"text": truncate(rule.title or rule.id, MAX_DESCRIPTION)},
        "fullDescription": {
            "text": truncate(rule.parsed_docs.rationale or rule.title or rule.id,
                             MAX_DESCRIPTION)},
        "help": {"text": help_text, "markdown": help_markdown},
        "helpUri": rule_help_uri(rule),
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": properties,
    }
    if not out["helpUri"]:  # a policy or plugin rule: its help text is all there is
        del out["helpUri"]
    return out


def fallback_descriptor(finding: Finding) -> dict[str, Any]:
    """For a finding whose rule is not in the registry: GitHub needs every ruleId described."""
    title = truncate(finding.rule_name or finding.rule_id, MAX_DESCRIPTION)
    return {
        "id": finding.rule_id,
        "name": truncate(finding.rule_name or finding.rule_id, MAX_NAME),
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "help": {"text": title},
        "helpUri": RULES_DOC_URL,
        "defaultConfiguration": {"level": LEVEL[finding.severity]},
    }


def artifact_uri(path: str) -> str:
    """Percent-encode a repo-relative POSIX path as a URI reference.

    Spaces, `%`, non-ASCII and `:` must be encoded: an unencoded colon in the first
    segment reads as a URI scheme and GitHub rejects the upload.
    """
    return quote(path.lstrip("/"), safe="/")


def region(span: Span) -> dict[str, int]:
    out = {"startLine": span.line, "startColumn": span.column}
    end_line = span.end_line or span.line
    if end_line < span.line:  # a span that ends before it starts: keep the start only
        return out
    if span.end_line:
        out["endLine"] = end_line
    if span.end_column and (end_line > span.line or span.end_column >= span.column):
        out["endColumn"] = span.end_column
    return out


def physical(span: Span) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": artifact_uri(span.path), "uriBaseId": SRCROOT},
        "region": region(span),
    }


def _escape_text(text: str) -> str:
    """SARIF message text treats `[text](n)` as a link: escape brackets we did not write."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _message(finding: Finding, linked: list[tuple[int, Location, str]]) -> str:
    text = _escape_text(finding.message.strip()) or finding.rule_id
    if linked:
        parts = [f"[{_escape_text(loc.describe())}]({i}): {_escape_text(note)}"
                 for i, loc, note in linked]
        text += "\nRelated: " + "; ".join(parts)
    return text


def _result(finding: Finding, index: int, ctx: ReportContext) -> dict[str, Any]:
    assert finding.location.span is not None
    linked: list[tuple[int, Location, str]] = []
    related: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in finding.related:
        span = item.location.span
        if span is None or not span.path:
            continue
        marker = json.dumps([physical(span), item.note])
        if marker in seen:  # relatedLocations is uniqueItems in the schema
            continue
        seen.add(marker)
        number = len(related) + 1
        linked.append((number, item.location, item.note))
        related.append({"id": number, "physicalLocation": physical(span),
                        "message": {"text": item.note or item.location.describe()}})
    out: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": LEVEL[finding.severity],
        "message": {"text": _message(finding, linked)},
        "locations": [{"physicalLocation": physical(finding.location.span)}],
    }
    if related:
        out["relatedLocations"] = related
    if finding.fingerprint:
        out["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.suppression is not None:
        sup = finding.suppression
        entry: dict[str, Any] = {
            "kind": "inSource" if sup.kind is SuppressionKind.INLINE else "external",
            "status": "accepted",
            "justification": sup.reason or "No reason given",
        }
        if sup.span is not None:
            entry["location"] = {"physicalLocation": physical(sup.span)}
        out["suppressions"] = [entry]
    return out


def _notification(diag: Diagnostic, codes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "level": diag.level.value,
        "message": {"text": diag.message or diag.code},
        "descriptor": {"id": diag.code, "index": codes.index(diag.code)},
    }
    if diag.span is not None and diag.span.path:
        out["locations"] = [{"physicalLocation": physical(diag.span)}]
    return out


def _live_notification(finding: Finding, index: int, codes: list[str]) -> dict[str, Any]:
    """A finding with no file: a result would need a location GitHub can show."""
    where = finding.location.resource or "an unknown resource"
    out: dict[str, Any] = {
        "level": LEVEL[finding.severity],
        "message": {"text": f"{finding.rule_id}: {finding.message} ({where})"},
        "descriptor": {"id": LIVE_FINDING_CODE, "index": codes.index(LIVE_FINDING_CODE)},
        "associatedRule": {"id": finding.rule_id, "index": index},
    }
    if finding.location.resource:
        out["locations"] = [{"logicalLocations": [
            {"fullyQualifiedName": finding.location.resource, "kind": "resource"}]}]
    return out


_CODE_TEXT = {
    LIVE_FINDING_CODE: "A finding about a resource that no scanned file declares.",
    "parse-error": "A file could not be parsed; the rest of the repository was scanned.",
    "newer-python-syntax": "A Python file uses syntax newer than the Python that runs "
                           "mlaudit; it was not analysed.",
    "symlink-broken": "A symbolic link to a missing target, or a link loop; skipped.",
    "bad-ignore-pattern": "A .gitignore line (or config exclude) is no valid pattern; "
                          "that line is ignored, the others apply.",
}


def _notification_descriptor(code: str) -> dict[str, Any]:
    # GitHub's ingestion checks want the same descriptions on these as on rules.
    text = _CODE_TEXT.get(code, f"mlaudit diagnostic {code}.")
    return {"id": code, "shortDescription": {"text": text},
            "fullDescription": {"text": text}, "help": {"text": text},
            "helpUri": RULES_DOC_URL}


def _rules(result: ScanResult, ctx: ReportContext, shown: list[Finding]) -> list[Rule[Any]]:
    """Every enabled rule, then any rule a finding names that the context did not list."""
    known = {r.id: r for r in result.rules}
    rules: dict[str, Rule[Any]] = {}
    for rule in [*ctx.rules, *(known[f.rule_id] for f in shown if f.rule_id in known)]:
        rules.setdefault(rule.id, rule)
    return list(rules.values())


def build(result: ScanResult, ctx: ReportContext) -> dict[str, Any]:
    """The SARIF log as a dict (render() serialises it)."""
    shown = sorted(
        (f for f in result.findings if ctx.include_suppressed or f.suppression is None),
        key=lambda f: (*f.sort_key(), f.message, f.fingerprint),
    )
    rules = _rules(result, ctx, shown)
    descriptors = [descriptor(r) for r in rules]
    index = {r.id: i for i, r in enumerate(rules)}
    for finding in shown:  # a finding of a rule nobody described (defensive)
        if finding.rule_id not in index:
            index[finding.rule_id] = len(descriptors)
            descriptors.append(fallback_descriptor(finding))
    with_file: list[Finding] = []
    without_file: list[Finding] = []
    for finding in shown:
        has_file = finding.location.span is not None and bool(finding.location.span.path)
        (with_file if has_file else without_file).append(finding)
    if len(with_file) > MAX_RESULTS:
        raise UsageError(
            f"SARIF: {len(with_file)} results exceed GitHub's limit of {MAX_RESULTS:,} per "
            "run; narrow the scan (--select, a baseline, or fewer paths)")
    diagnostics = sorted(result.diagnostics, key=lambda d: (
        d.span.path if d.span else "", d.span.line if d.span else 0, d.code, d.message))
    codes = sorted({d.code for d in diagnostics}
                   | ({LIVE_FINDING_CODE} if without_file else set()))
    notifications = [_notification(d, codes) for d in diagnostics]
    notifications += [_live_notification(f, index[f.rule_id], codes) for f in without_file]
    driver: dict[str, Any] = {
        "name": "mlaudit",
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": descriptors,
    }
    if codes:
        driver["notifications"] = [_notification_descriptor(c) for c in codes]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if ctx.sarif_category:
        run["automationDetails"] = {"id": ctx.sarif_category.rstrip("/") + "/"}
    run["invocations"] = [invocation]
    run["columnKind"] = "unicodeCodePoints"
    run["results"] = [_result(f, index[f.rule_id], ctx) for f in with_file]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: ScanResult, ctx: ReportContext) -> str:
    return json.dumps(build(result, ctx), indent=2, ensure_ascii=False) + "\n"
