"""Findings of rules that read module instances, reported once per module line.

A local module is evaluated once per instance (each call, each `count`/`for_each` key), so
a rule run per instance finds the same module line once per instance. Here:

- a finding on a module attribute whose value comes from the caller (`x = var.y`, the
  caller passing `y`) moves to the caller's input line: two callers passing different
  values are judged apart, and the fix goes where the value is written;
- the findings left on one module line merge into one, with the `module` blocks of the
  roots that instantiate it as related locations.

Instances that create nothing (`count = 0`, `create = false`) produce no finding, so they
add nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from mlaudit.finding import Finding, Location, Related
from mlaudit.models.terraform import TerraformModule, TerraformProject
from mlaudit.models.terraform_syntax import Attribute, Block, Ref, TerraformFile, walk_expr
from mlaudit.span import Span

_MAX_HOPS = 8


def merge_instance_findings(pairs: list[tuple[Any, Finding]], tf: TerraformProject | None,
                            models: dict[str, Any]) -> list[Finding]:
    if tf is None:
        return [f for _, f in pairs]
    by_instance = {(m.root, m.module_address): m for m in tf.modules}
    groups: dict[tuple[Any, ...], list[tuple[TerraformModule | None, Finding]]] = {}
    for owner, finding in pairs:
        module = owner if isinstance(owner, TerraformModule) and not owner.is_root else None
        origin, span = module, finding.location.span
        if module is not None and span is not None:
            moved = _to_caller(module, finding, span, by_instance, models)
            if moved is not None:
                finding, module = moved, None
        key = finding.key  # the same fact in every instance: drop the instance's address
        if origin is not None and key.startswith(origin.module_address + "."):
            key = key[len(origin.module_address) + 1:]
        at = finding.location.span
        marker = (finding.rule_id, at.path, at.line, at.column, key) if at is not None \
            else (finding.rule_id, id(finding))
        groups.setdefault(marker, []).append((module, finding))
    out = []
    for items in groups.values():
        first = items[0][1]
        related = list(first.related)
        for module, finding in items:
            related.extend(r for r in finding.related if r not in related)
            if module is not None:
                item = tf.instance(module)
                calls = [c for c in tf.callers(module.path)
                         if item is not None and c[1] == item.module_address and
                         c[0] == item.root]
                for root, address, call in calls:
                    note = f"instantiated by {address} in " + (
                        f"root module {root}" if root else "the repository's root module")
                    extra = Related(Location(call), note)
                    if extra not in related:
                        related.append(extra)
        out.append(replace(first, related=tuple(related)) if len(related) != len(
            first.related) else first)
    return out


def _to_caller(module: TerraformModule, finding: Finding, span: Span,
               by_instance: dict[tuple[str, str], TerraformModule],
               models: dict[str, Any]) -> Finding | None:
    """The finding moved to the caller's line that sets the value it judges, or None when
    the value is the module's own (written there, a default) or cannot be traced."""
    attribute = _attribute_at(models.get(span.path), span)
    if attribute is None:
        return None
    at: Span | None = None
    current: TerraformModule | None = module
    expr = attribute.expr
    for _ in range(_MAX_HOPS):
        if current is None or current.is_root:
            break  # a root's own inputs (tfvars) are per environment: stop at its call
        names = {str(n.parts[1]) for n in walk_expr(expr)
                 if isinstance(n, Ref) and n.parts[0] == "var" and len(n.parts) > 1}
        given = [current.variables[n] for n in sorted(names) if n in current.variables
                 and current.variables[n].value_span is not None]
        if len(given) != 1:
            break  # written in the module, from defaults, or from several inputs
        at = given[0].value_span
        if at is None:
            break
        input_attr = _attribute_at(models.get(at.path), at)
        if input_attr is None:
            break
        expr = input_attr.expr
        parent = current.module_address.rpartition(".module.")[0]
        current = by_instance.get((current.root, parent)) if parent else by_instance.get(
            (current.root, ""))
    if at is None:
        return None
    where = f"module {module.path}" if module.path else "the module"
    related = (Related(Location(span), f"used here in {where} ({module.module_address})"),
               *finding.related)
    return replace(finding, location=replace(finding.location, span=at), related=related)


def _attribute_at(model: Any, span: Span) -> Attribute | None:
    if not isinstance(model, TerraformFile):
        return None
    for block in model.blocks:
        found = _find(block, span)
        if found is not None:
            return found
    return None


def _find(block: Block, span: Span) -> Attribute | None:
    if block.end_line and not block.span.line <= span.line <= block.end_line:
        return None
    for attribute in block.attributes:
        if attribute.span.line == span.line and attribute.span.column == span.column:
            return attribute
    for child in _children(block):
        found = _find(child, span)
        if found is not None:
            return found
    return None


def _children(block: Block) -> Iterator[Block]:
    yield from block.blocks
