"""Shared helpers of the live rules: where a live resource is declared, drift findings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mlaudit.finding import Finding, Location
from mlaudit.models.live import LiveState, ManagedRoot
from mlaudit.models.terraform import StateResource
from mlaudit.roles import ALL_ROLES
from mlaudit.rule import RuleContext

# A live resource is running whatever the role of the file declaring it: report it anywhere.
LIVE_ROLES = ALL_ROLES

ADMIN_PORTS = ((22, "SSH"), (3389, "RDP"))
# Layer names that carry an ML framework (a Lambda layer's ARN names the layer).
ML_LAYER_WORDS = ("torch", "pytorch", "tensorflow", "onnx", "sklearn", "scikit", "xgboost",
                  "lightgbm", "transformers", "numpy-scipy", "keras", "jax")


def at(state: LiveState, resource: str, *ids: str) -> tuple[Location, list[Any]]:
    """The finding's location: the `.tf` block declaring the resource when a root's state
    manages it (the ARN kept as the resource), else the resource alone; plus related."""
    anchor = state.anchor(resource, *ids)
    if anchor is None or anchor.span is None:
        return Location(resource=resource), []
    related = [(anchor.state, f"state entry of {anchor.address}")] if anchor.state else []
    return Location(span=anchor.span, resource=resource), related


def report(ctx: RuleContext, state: LiveState, message: str, resource: str,
           *ids: str) -> Finding:
    where, related = at(state, resource, *ids)
    anchor = state.anchor(resource, *ids)
    name = f"{anchor.address}: " if anchor is not None else ""
    return ctx.finding(name + message, where, related=related, key=resource)


def managed(state: LiveState, *types: str) -> Iterator[tuple[ManagedRoot, StateResource]]:
    for root in state.roots:
        for resource in root.resources:
            if resource.type in types and isinstance(resource.values, dict):
                yield root, resource


def region_of(resource: StateResource) -> str:
    """The region in a state resource's ARN ("" when it has none)."""
    arn = resource.values.get("arn") if isinstance(resource.values, dict) else None
    if isinstance(arn, str) and arn.startswith("arn:") and len(arn.split(":")) > 3:
        return arn.split(":")[3]
    return ""


def readable(state: LiveState, resource: StateResource, service: str) -> bool:
    """Whether the live run listed this resource's region and service completely: only
    then can its absence or its values be judged."""
    region = region_of(resource)
    if region and region not in state.facts.regions:
        return False
    regions = [region] if region else list(state.facts.regions)
    return any(state.facts.is_complete(r, service) for r in regions)


def drift(ctx: RuleContext, root: ManagedRoot, resource: StateResource, message: str,
          key: str = "", secrets: Iterable[str] = ()) -> Finding:
    """A drift finding at the `.tf` block declaring the resource (or, when the code no
    longer declares it, at its state entry / the resource address)."""
    span = root.declaration(resource.address)
    related: list[Any] = []
    if root.local:
        related.append((resource.span, f"state of root {root.root}"))
    if span is not None:
        where = Location(span=span, resource=resource.address)
    elif root.local:
        where, related = Location(span=resource.span, resource=resource.address), []
    else:
        where = Location(resource=f"{root.source}#{resource.address}")
    return ctx.finding(f"{resource.address} (root {root.root}): {message}", where,
                       related=related, key=key or f"{root.root}:{resource.address}",
                       secrets=secrets)


def show(value: Any) -> str:
    if value is None or value == "":
        return "(not set)"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def first_block(values: dict[str, Any], name: str) -> dict[str, Any]:
    """State keeps a nested block as a list of objects: its first one, or {}."""
    blocks = values.get(name)
    if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict):
        return blocks[0]
    return blocks if isinstance(blocks, dict) else {}
