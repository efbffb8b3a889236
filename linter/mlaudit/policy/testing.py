"""`mlaudit policy test [PATH...]`: run the policies' own unit tests, as `opa test` and
`conftest verify` do. A test is a rule named `test_*`; it passes when it evaluates to true.
Tests mock the input with `with input as {...}`.

Exit codes: 0 every test passed; 1 a test failed; 2 a policy does not compile, a test
raised an error or ran past the time limit, the Rego engine is missing, or no test was
found.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from mlaudit.policy import PolicyError
from mlaudit.policy.rules import PolicySet, timeout_from
from mlaudit.policy.source import PolicyFile, collect, read

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2



def run_tests(paths: Sequence[Path], timeout: float | None, verbose: bool) -> int:
    from mlaudit.policy.runner import run

    try:
        files = [read(p) for p in collect(paths, tests=True)]
        limit = timeout_from(timeout)
    except PolicyError as exc:
        print(f"mlaudit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    problems = PolicySet(files).problems  # metadata a scan would reject
    tests = [(f"{f.shown}:{line}:{name}", f"{f.package.replace('.', '/')}/{name}", f)
             for f in files for name, line in f.tests]
    for problem in problems:
        print(f"ERROR {problem}")
    if not tests:
        print("mlaudit: error: no test_ rules found in " + ", ".join(str(p) for p in paths),
              file=sys.stderr)
        return EXIT_ERROR
    outcome = run(files, tests, None, limit)
    if outcome.fatal:
        print(f"mlaudit: error: {outcome.fatal}", file=sys.stderr)
        return EXIT_ERROR
    for error in outcome.module_errors:
        print(f"ERROR {error.describe()}")
    passed = failed = errors = 0
    for test_id, _, _ in tests:
        where, _, name = test_id.rpartition(":")
        if test_id in outcome.errors:
            errors += 1
            print(f"ERROR {where}: {name}: {_explain(outcome.errors[test_id])}")
        elif outcome.values.get(test_id) is True:
            passed += 1
            if verbose:
                print(f"PASS  {where}: {name}")
        else:
            failed += 1
            print(f"FAIL  {where}: {name}")
    errors += len(problems) + len(outcome.module_errors)
    print(f"{passed} passed, {failed} failed, {errors} error{'s' if errors != 1 else ''}")
    if errors:
        return EXIT_ERROR
    return EXIT_FAILED if failed else EXIT_OK


def _explain(message: str) -> str:
    if "has no field" in message:  # rego-cpp's internal compiler error around `with`
        return (f"{message} (the Rego engine could not compile a `with` here: mock the "
                "input with an object literal, `with input as {\"nodes\": [...]}`, or per "
                "key, `with input.nodes as [...]`)")
    return message


__all__ = ["PolicyFile", "run_tests"]
