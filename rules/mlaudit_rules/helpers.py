"""Small predicates shared by several rules. Keep it small: logic that belongs to one
format belongs in its parser or model."""

from __future__ import annotations

import re

PLACEHOLDER_RE = re.compile(
    r"^(?:<[^>]*>|\{\{.*\}\}|\$\{.*\}|\$[A-Za-z_]\w*|x{4,}|\*+|\.{3,}|"
    r"(?:your|my|some|the)[-_ ]?\w*|changeme|change[-_]?me|replace[-_]?me|todo|tbd|none|null|"
    r"dummy|example\w*|placeholder|redacted|secret|password|test|fake\w*|sample\w*)$",
    re.I,
)


def is_placeholder(value: str) -> bool:
    """True for values that are obviously not real secrets (placeholders, references)."""
    text = value.strip().strip("'\"")
    if not text:
        return True
    if PLACEHOLDER_RE.match(text):
        return True
    lowered = text.lower()
    return "example" in lowered or "xxxx" in lowered or "placeholder" in lowered


def is_public_cidr(cidr: str) -> bool:
    return cidr.strip() in ("0.0.0.0/0", "::/0")
