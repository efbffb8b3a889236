"""No planted fixture secret reaches any output format (or the baseline file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlaudit import baseline
from mlaudit.engine import ScanResult
from mlaudit.severity import Severity
from mlaudit_reports import REPORTERS, ReportContext, renderer
from tests.helpers import FIXTURES, REGISTRY, REPO, scan_dir
from tests.planted_secrets import planted_secrets


@pytest.fixture(scope="module")
def fixtures_scan() -> ScanResult:
    return scan_dir(FIXTURES, root=REPO, paths=[FIXTURES])


def test_rule_docs_hold_no_planted_secret() -> None:
    """Rule docs become SARIF help text: their examples must not carry key-shaped values."""
    documented = "\n".join(rule.docs for rule in REGISTRY.rules)
    assert not [s for s in planted_secrets() if s in documented]


def _outputs(result: ScanResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
             ) -> dict[str, str]:
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    outputs: dict[str, str] = {}
    for include in (False, True):
        # show_source: the text report's source excerpts are masked too.
        ctx = ReportContext(fail_on=Severity.HIGH, include_suppressed=include,
                            rules=list(REGISTRY.rules), verbose=True, show_source=True)
        for name in REPORTERS:
            outputs[f"{name}-{include}"] = renderer(name)(result, ctx)
    outputs["step-summary"] = summary.read_text(encoding="utf-8")
    baseline_file = tmp_path / "baseline.json"
    baseline.write(baseline_file, result.findings)
    outputs["baseline"] = baseline_file.read_text(encoding="utf-8")
    return outputs


def test_planted_secrets_are_found() -> None:
    secrets = planted_secrets()
    assert "ASIAY34FZKBOKMUTVV7A" in secrets  # fixtures/rules/MLA101/bad_dockerfile_env
    assert "AKIAIOSFODNN7EXAMPLE" not in secrets
    assert len(secrets) >= 5


def test_no_output_format_leaks_a_planted_secret(
        fixtures_scan: ScanResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = planted_secrets()
    # The test means something only if secrets were actually found and reported.
    assert any(f.rule_id == "MLA101" for f in fixtures_scan.findings)
    outputs = _outputs(fixtures_scan, tmp_path, monkeypatch)
    leaks = []
    for name, text in outputs.items():
        for secret in secrets:
            if secret in text:
                leaks.append((name, secret))
    assert not leaks, f"secrets leaked into outputs: {sorted(leaks)}"
