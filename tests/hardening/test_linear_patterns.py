"""Every pattern that reads repository text runs in linear time: one crafted worst case
per pattern (issue 17, "Catastrophic backtracking"). Each input took seconds to minutes
with the former pattern; the bound here is generous for a loaded CI machine."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mlaudit.models.workflow import drop_expressions, expressions
from mlaudit.parsers.dockerfile import substitute
from mlaudit.parsers.nginx import looks_like_nginx
from mlaudit.parsers.requirements import _logical_lines
from mlaudit.terraform.functions import _FORMAT_RE
from mlaudit_rules.ci.workflow_script_injection import _dangerous
from mlaudit_rules.secrets._aws import find_aws_keys
from mlaudit_rules.secrets._detect import _NAME_LINE_RE, _allowlisted, _named_random_value
from tests.helpers import scan_dir

N = 40_000
BOUND = 3.0  # seconds; linear code takes milliseconds


def _allowlist_check() -> None:
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.util.code_snippet import get_code_snippet

    line = "password = '" + "#" * N + "pragma" + " " * N
    lines = [line, "x = 1"]
    _allowlisted(is_line_allowlisted, "settings.py", line, get_code_snippet(lines, 1))


CASES: dict[str, Callable[[], object]] = {
    # `^\s*` with re.M rescanned the blank lines below every line start.
    "nginx-sniff": lambda: looks_like_nginx("\n" * N + " " * N + "x"),
    "nginx-sniff-gap": lambda: looks_like_nginx("server " + "a" * N),
    # `(^|\s+)#` retried every split of a run of blanks.
    "requirements-comment": lambda: _logical_lines(("torch" + " " * N + "x\n") * 3),
    # `^\s*[-{]?\s*` and a `...=$` search over the whole prefix per key.
    "aws-value-entry": lambda: find_aws_keys(
        ["aws_secret_access_key:", " " * N + "x" * 41]),
    "aws-key-before": lambda: find_aws_keys(
        [" ".join(["AKIAQ2DKZVZC7EXAMPLE"[:4] + "Q2DKZVZC7ABCDEFG"] * (N // 20))]),
    # `[-+# 0]*\d*` both took the zeros.
    "terraform-format-verbs": lambda: _FORMAT_RE.sub("", ("%" + "0" * 2000 + "x") * 20),
    # `\$\{\{.*?\}\}` rescanned the rest of the line from every unclosed `${{`.
    "workflow-rule-expressions": lambda: _dangerous("${{" * N + "}" ),
    "workflow-builder-expressions": lambda: drop_expressions("${{ " * N),
    # `${A:-[^}]*` from every unclosed default.
    "dockerfile-substitution": lambda: substitute("${A:-" * N, {}),
    # `\s*,?\s*` at the end of the assignment pattern.
    "secret-assignment": lambda: _named_random_value(
        "api_token = Zk8s9Qw2Lp0Vn3Rt7Yb1" + " " * N + "!", "settings.env"),
    "detect-secrets-allowlist": _allowlist_check,
    # `\s*,?\s*` at the end of a `- name: X` line.
    "secret-name-line": lambda: _NAME_LINE_RE.match("  - name: token" + " " * N + "!"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pattern_is_linear_on_its_worst_case(name: str) -> None:
    started = time.perf_counter()
    CASES[name]()
    assert time.perf_counter() - started < BOUND, name


def test_expressions_match_the_former_pattern() -> None:
    import re

    former = re.compile(r"\$\{\{(.*?)\}\}")
    for text in ["a ${{ x }} b ${{y}}", "${{ a\n}} ${{ b }}", "${{ ${{ c }} }}", "${{", "}}",
                 "x ${{ a }", "${{a}}${{b}}", "${{\n${{ d }}"]:
        assert [(m.start(), m.end(), m.group(1)) for m in former.finditer(text)] == \
            expressions(text), text
        assert former.sub("", text) == drop_expressions(text)


def test_costly_ignore_patterns_are_reported_not_run(tmp_path: Path) -> None:
    """pathspec turns globs into backtracking expressions: `*a*a*a*a*b` on a 255-byte
    name took seconds per file."""
    (tmp_path / ".gitignore").write_text("*a*a*a*a*a*b\n**/x/**/x/**/x/**/y\n*.log\n",
                                         encoding="utf-8")
    (tmp_path / ("a" * 200 + ".yml")).write_text("services: {}\n", encoding="utf-8")
    (tmp_path / "debug.log").write_text("x\n", encoding="utf-8")
    started = time.perf_counter()
    result = scan_dir(tmp_path)
    assert time.perf_counter() - started < 30
    bad = [(d.span.line, d.message) for d in result.diagnostics
           if d.code == "bad-ignore-pattern" and d.span]
    assert [line for line, _ in bad] == [1, 2] and "exponential" in bad[0][1]


def test_dockerfile_substitution_matches_the_pattern() -> None:
    import random

    from mlaudit.parsers.dockerfile import _VAR_RE

    def former(text: str, env: dict[str, str]) -> str:
        def repl(match):  # type: ignore[no-untyped-def]
            name = match.group(1) or match.group(3)
            if name in env and env[name] != "":
                return env[name]
            if match.group(2) is not None and "-" in match.group(0):
                return match.group(2)
            return match.group(0)
        return _VAR_RE.sub(repl, text)

    env = {"A": "1", "B": "", "C_2": "three"}
    pieces = ["$", "{", "}", "A", "B", "C_2", ":-", ":+", "-", "+", "x", " ", "9", "$$", "_"]
    rng = random.Random(17)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 14)))
        assert substitute(text, env) == former(text, env), text
