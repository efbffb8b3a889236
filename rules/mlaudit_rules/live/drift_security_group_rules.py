"""Security group rules differ from the Terraform state

## What it flags
A security group a Terraform root manages whose live ingress rules differ from the ones
its state records: rules added outside Terraform (console, CLI, another tool) and rules
removed. Inline `ingress` blocks, `aws_security_group_rule` (type `ingress`) and
`aws_vpc_security_group_ingress_rule` are all read. The finding sits on the `.tf` block
declaring the group and lists each added and removed rule (protocol, ports, source).

Not flagged: egress rules; groups whose region or EC2 listing was not read.

## Why it matters
A rule added by hand during an incident is invisible in code review and survives until
the next apply silently removes it (breaking whatever came to depend on it) or, if the
group is never applied again, stays open for good.

## How to fix
Either write the rule into the Terraform and apply, or remove it from the group; then
run `terraform plan -refresh-only` to confirm there is no drift left.

## Example
```text
state: tcp 443 from 10.0.0.0/16; live: tcp 443 from 10.0.0.0/16, tcp 8000 from 0.0.0.0/0
```

```text
state and live: tcp 443 from 10.0.0.0/16
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
    id="MLA850",
    name="drift-security-group-rules",
    title="Security group rules differ from the Terraform state",
    severity=Severity.HIGH,
    category=Category.DRIFT,
    target=LiveState,
    kind=Kind.SECURITY,
    tags=("live", "drift", "terraform", "aws", "security-group"),
    roles=LIVE_ROLES,
    docs=__doc__ or "",
)

Perm = tuple[str, int | None, int | None, str]


def _protocol(value: Any) -> str:
    text = str(value).lower()
    return {"6": "tcp", "17": "udp", "1": "icmp", "all": "-1", "-1": "-1"}.get(text, text)


def _perm(protocol: Any, low: Any, high: Any, source: str) -> Perm:
    proto = _protocol(protocol)
    if proto == "-1":
        return ("-1", None, None, source)
    return (proto, int(low) if low is not None else None,
            int(high) if high is not None else None, source)


def _inline(values: dict[str, Any]) -> set[Perm]:
    out: set[Perm] = set()
    for rule in values.get("ingress") or []:
        if not isinstance(rule, dict):
            continue
        sources = [*(rule.get("cidr_blocks") or []), *(rule.get("ipv6_cidr_blocks") or []),
                   *(rule.get("security_groups") or []), *(rule.get("prefix_list_ids") or [])]
        if rule.get("self"):
            sources.append(str(values.get("id")))
        out.update(_perm(rule.get("protocol"), rule.get("from_port"), rule.get("to_port"),
                         str(s)) for s in sources)
    return out


def _standalone(state: LiveState) -> dict[str, set[Perm]]:
    """Rules of `aws_security_group_rule` / `aws_vpc_security_group_ingress_rule`."""
    out: dict[str, set[Perm]] = {}
    for _, res in managed(state, "aws_security_group_rule"):
        v = res.values
        if v.get("type") != "ingress":
            continue
        sources = [*(v.get("cidr_blocks") or []), *(v.get("ipv6_cidr_blocks") or []),
                   *(v.get("prefix_list_ids") or [])]
        if v.get("source_security_group_id"):
            sources.append(v["source_security_group_id"])
        if v.get("self"):
            sources.append(v.get("security_group_id"))
        out.setdefault(str(v.get("security_group_id")), set()).update(
            _perm(v.get("protocol"), v.get("from_port"), v.get("to_port"), str(s))
            for s in sources)
    for _, res in managed(state, "aws_vpc_security_group_ingress_rule"):
        v = res.values
        source = (v.get("cidr_ipv4") or v.get("cidr_ipv6") or v.get("prefix_list_id")
                  or v.get("referenced_security_group_id"))
        if source:
            out.setdefault(str(v.get("security_group_id")), set()).add(
                _perm(v.get("ip_protocol"), v.get("from_port"), v.get("to_port"), str(source)))
    return out


def _text(perm: Perm) -> str:
    proto, low, high, source = perm
    if proto == "-1":
        return f"all traffic from {source}"
    ports = f"{low}" if low == high else f"{low}-{high}"
    return f"{proto} {ports} from {source}"


@RULE.check
def check(state: LiveState, ctx: RuleContext) -> Iterator[Finding]:
    live = {g.id: g for g in state.facts.security_groups}
    extra = _standalone(state)
    for root, res in managed(state, "aws_security_group"):
        group = live.get(str(res.values.get("id")))
        if group is None or not readable(state, res, "ec2"):
            continue
        declared = _inline(res.values) | extra.get(group.id, set())
        actual = {_perm(r.protocol, r.from_port, r.to_port, r.source) for r in group.ingress}
        added, removed = sorted(actual - declared, key=str), sorted(declared - actual, key=str)
        if not added and not removed:
            continue
        parts = []
        if added:
            parts.append("added outside Terraform: " + ", ".join(_text(p) for p in added))
        if removed:
            parts.append("removed outside Terraform: " + ", ".join(_text(p) for p in removed))
        yield drift(ctx, root, res, f"security group {group.id} ingress differs from state; "
                    + "; ".join(parts))
