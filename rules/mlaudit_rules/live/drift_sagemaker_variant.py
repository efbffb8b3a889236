"""SageMaker endpoint variants differ from the Terraform state

## What it flags
A SageMaker endpoint a Terraform root manages that runs another endpoint configuration
than its state's `endpoint_config_name`, or whose production variants run another
instance type or instance count than the state's `aws_sagemaker_endpoint_configuration`
declares (`instance_type`, `initial_instance_count`).

Not flagged: the instance count of a variant registered with Application Auto Scaling
(scaling changes it on purpose); endpoints whose region or SageMaker listing was not read.

## Why it matters
An endpoint moved by hand to a cheaper instance type, or scaled down to one instance
"for the weekend", serves slower or not at all under load, and the code still shows the
reviewed capacity.

## How to fix
Update the endpoint from the Terraform (`terraform apply`), or commit the new capacity.

## Example
```text
state: 2 x ml.m5.xlarge; live: 1 x ml.t2.medium
```

```text
state and live: 2 x ml.m5.xlarge
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.live import LiveState
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.live._live import LIVE_ROLES, drift, managed, readable

RULE = Rule(
    id="MLA855",
    name="drift-sagemaker-variant",
    title="SageMaker endpoint variants differ from the Terraform state",
    severity=Severity.MEDIUM,
    category=Category.DRIFT,
    target=LiveState,
    kind=Kind.RELIABILITY,
    tags=("live", "drift", "terraform", "aws", "sagemaker"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    live = {e.name: e for e in state.facts.endpoints}
    configs: dict[str, list[dict[str, Any]]] = {}
    for _, res in managed(state, "aws_sagemaker_endpoint_configuration"):
        variants = res.values.get("production_variants")
        if isinstance(variants, list):
            configs[str(res.values.get("name"))] = [v for v in variants if isinstance(v, dict)]
    for root, res in managed(state, "aws_sagemaker_endpoint"):
        endpoint = live.get(str(res.values.get("name") or res.values.get("id")))
        if endpoint is None or not readable(state, res, "sagemaker"):
            continue
        parts = []
        declared_config = str(res.values.get("endpoint_config_name") or "")
        if declared_config and declared_config != endpoint.config_name:
            parts.append(f"endpoint_config_name declared {declared_config}, live "
                         f"{endpoint.config_name}")
        scaled = set(endpoint.scalable_variants or ())
        by_name = {v.name: v for v in endpoint.variants}
        for declared in configs.get(declared_config, []):
            variant = by_name.get(str(declared.get("variant_name")))
            if variant is None:
                continue
            kind = declared.get("instance_type")
            if kind and variant.instance_type and kind != variant.instance_type:
                parts.append(f"variant {variant.name} instance_type declared {kind}, live "
                             f"{variant.instance_type}")
            count = declared.get("initial_instance_count")
            now = variant.desired_count if variant.desired_count is not None \
                else variant.current_count
            if isinstance(count, int) and now is not None and count != now and \
                    variant.name not in scaled:
                parts.append(f"variant {variant.name} instance count declared {count}, live "
                             f"{now}")
        if parts:
            yield drift(ctx, root, res, f"SageMaker endpoint {endpoint.name}: "
                        + "; ".join(parts))
