"""Rule lookup and selection: ids, id prefixes, names and categories; most specific wins."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Generic, Protocol, TypeVar

from mlaudit.errors import UsageError
from mlaudit.severity import Category

_CATEGORIES = {c.value for c in Category}
# An id prefix: letters then digits (MLA2, ORG00). Built-in ids are MLA + 3 digits; policy
# and plugin ids are their authors' (ORG001, ACME-12).
_PREFIX_RE = re.compile(r"^[A-Z][A-Z]+[-_]?[0-9]*$")


class RuleLike(Protocol):
    """What selection needs: a full `Rule`, or a `RuleRef` from the index."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def category(self) -> Category: ...


R = TypeVar("R", bound=RuleLike)


class Registry(Generic[R]):
    def __init__(self, rules: Sequence[R]) -> None:
        self.rules = tuple(sorted(rules, key=lambda r: r.id))
        self.by_id = {r.id: r for r in self.rules}
        self.by_name = {r.name: r for r in self.rules}

    def get(self, ref: str) -> R | None:
        return self.by_id.get(ref.upper()) or self.by_name.get(ref.lower())

    def resolve(self, ref: str) -> R:
        rule = self.get(ref)
        if rule is None:
            raise UsageError(f"unknown rule {ref!r}{self._suggest(ref)}")
        return rule

    def _suggest(self, ref: str) -> str:
        if ref.strip().lower() in _CATEGORIES or ref.strip().upper() == "ALL":
            return f" ({ref.strip()!r} is a category, not one rule)"
        candidates = list(self.by_id) + list(self.by_name) + sorted(_CATEGORIES)
        import difflib  # only for a reference naming no rule

        close = difflib.get_close_matches(ref, candidates, n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""

    def suggest(self, ref: str) -> str:
        """` (did you mean 'MLA201'?)` for a mistyped rule id or name, else ''."""
        return self._suggest(ref)

    def names_rules(self, selector: str) -> bool:
        """True when `selector` is a valid id, name, id prefix, category or ALL."""
        return self._specificity(selector, None) is not None

    def validate_selector(self, selector: str) -> None:
        if self._specificity(selector, None) is None:
            raise UsageError(
                f"unknown rule, prefix or category {selector!r}{self._suggest(selector)}"
            )

    def _specificity(self, selector: str, rule: R | None) -> int | None:
        """How specifically `selector` names `rule` (None: not at all / not valid).

        Exact id or name: 100. Id prefix (MLA2, MLA20, ORG): its length. Category: 2.
        ALL: 1.
        With rule=None, answers whether the selector names any rule at all.
        """
        sel = selector.strip()
        rules: Iterable[R] = [rule] if rule is not None else self.rules
        best: int | None = None
        for r in rules:
            score: int | None = None
            if sel.upper() == r.id or sel.lower() == r.name:
                score = 100
            elif sel.upper() == "ALL":
                score = 1
            elif sel.lower() == r.category.value:
                score = 2
            elif _PREFIX_RE.match(sel.upper()) and r.id.startswith(sel.upper()) and (
                    sel.upper().startswith("MLA") or not r.id.startswith("MLA")):
                score = len(sel)  # MLA2, MLA20; a policy or plugin family: ORG, ORG00
            if score is not None and (best is None or score > best):
                best = score
        if rule is None and best is None and sel.lower() in _CATEGORIES:
            return 2  # a valid category with no rules yet
        return best

    def select(self, select: Sequence[str], ignore: Sequence[str]) -> list[R]:
        for selector in [*select, *ignore]:
            self.validate_selector(selector)
        chosen = []
        for rule in self.rules:
            sel = max((s for s in (self._specificity(x, rule) for x in select) if s), default=0)
            ign = max((s for s in (self._specificity(x, rule) for x in ignore) if s), default=0)
            if not select:
                sel = max(sel, 1)
            if sel > ign:  # a tie goes to ignore: it is the more deliberate wish
                chosen.append(rule)
        return chosen
