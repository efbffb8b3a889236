"""Lambda function configuration differs from the Terraform state

## What it flags
A Lambda function a Terraform root manages whose live memory size, timeout, runtime or
set of environment variable names differs from its state. Only variable names are
compared and shown, never their values.

Not flagged: changes to environment variable values (they are secrets, not compared);
functions whose region or Lambda listing was not read.

## Why it matters
Memory and timeout raised by hand to get through an incident hide a capacity problem from
the code and vanish at the next apply; an environment variable added in the console (a
new model URI, a feature flag) changes behaviour no review saw.

## How to fix
Commit the setting to the Terraform and apply, or apply the code to restore it.

## Example
```text
state: memory_size 3008, timeout 60; live: MemorySize 1024, Timeout 60, + variable DEBUG
```

```text
state and live: memory_size 3008, timeout 60, variables MODEL_URI
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, drift, first_block, managed, readable

RULE = Rule(
    id="MLA853",
    name="drift-lambda-configuration",
    title="Lambda function configuration differs from the Terraform state",
    severity=Severity.MEDIUM,
    category=Category.DRIFT,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "drift", "terraform", "aws", "lambda"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    live = {f.name: f for f in state.facts.functions}
    for root, res in managed(state, "aws_lambda_function"):
        function = live.get(str(res.values.get("function_name") or res.values.get("id")))
        if function is None or not readable(state, res, "lambda"):
            continue
        parts = []
        for name, after in (("memory_size", function.memory), ("timeout", function.timeout),
                            ("runtime", function.runtime)):
            before = res.values.get(name)
            if before not in (None, "") and after not in (None, "") and before != after:
                parts.append(f"{name} declared {before}, live {after}")
        variables = first_block(res.values, "environment").get("variables") or {}
        declared = set(variables) if isinstance(variables, dict) else set()
        added = sorted(set(function.environment) - declared)
        removed = sorted(declared - set(function.environment))
        if added:
            parts.append("environment variables added outside Terraform: " + ", ".join(added))
        if removed:
            parts.append("environment variables removed outside Terraform: "
                         + ", ".join(removed))
        if parts:
            yield drift(ctx, root, res, f"Lambda function {function.name}: " + "; ".join(parts))
