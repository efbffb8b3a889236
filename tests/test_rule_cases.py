"""One parametrised test over fixtures/rules/<RULE-ID>/<case>/.

Each case is scanned as its own repository with only its rule (plus MLA001, so a fixture
that suppresses must suppress something). The set of (rule, path, line) found must equal
the expectations: `# mlaudit-expect: ID ["message substring"]` marks the next code line;
JSON inputs use an `expect.toml` sidecar. `good_*` cases must expect nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import expectations, rule_cases, scan_dir

CASES = rule_cases()


@pytest.mark.parametrize(("rule_id", "case"), CASES,
                         ids=[f"{r}/{c.name}" for r, c in CASES])
def test_rule_case(rule_id: str, case: Path) -> None:
    result = scan_dir(case, rules=[rule_id, "MLA001"])
    expected = expectations(case)
    if case.name.startswith("good"):
        assert not expected, "good_* cases must not carry mlaudit-expect markers"
    elif case.name.startswith("bad"):
        assert expected, "bad_* cases need at least one mlaudit-expect marker"
    errors = [d for d in result.diagnostics if d.level.value == "error"]
    assert not errors or case.name.startswith(("bad_malformed", "malformed")), (
        f"fixture does not parse: {[d.describe() for d in errors]}"
    )
    actual = {(f.rule_id, f.location.path or "", f.location.line) for f in result.active}
    wanted = {(rule, path, line) for rule, path, line, _ in expected}
    missing = sorted(wanted - actual)
    extra = sorted(actual - wanted)
    detail = "\n".join(
        [f"  missing: {m}" for m in missing]
        + [f"  unexpected: {e} {_message(result, e)}" for e in extra]
    )
    assert not missing and not extra, f"{case.relative_to(case.parents[2])}:\n{detail}"
    for rule, path, line, substring in expected:
        if substring:
            messages = [f.message for f in result.active
                        if (f.rule_id, f.location.path or "", f.location.line)
                        == (rule, path, line)]
            assert any(substring in m for m in messages), (rule, path, line, messages)


def _message(result: object, key: tuple[str, str, int]) -> str:
    for finding in getattr(result, "active", []):
        if (finding.rule_id, finding.location.path, finding.location.line) == key:
            return repr(finding.message)
    return ""
