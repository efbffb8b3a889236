"""Rules of this family, listed explicitly (one rule per module)."""

from __future__ import annotations

from typing import Any

from mlaudit.rule import Rule

RULES: tuple[Rule[Any], ...] = ()
