"""Which lines of a file a pattern matches, in one search over the file."""

from __future__ import annotations

import re


def lines_with(pattern: re.Pattern[str], lines: list[str]) -> list[int]:
    """0-based indexes of the lines on which `pattern` (which never matches a line
    break) matches: one search over the file, not one per line."""
    text = "\n".join(lines)
    if text.count("\n") != max(0, len(lines) - 1):  # a "line" with breaks of its own
        return [i for i, line in enumerate(lines) if pattern.search(line)]
    found: list[int] = []
    index = 0
    counted = 0
    match = pattern.search(text)
    while match is not None:
        start = match.start()
        index += text.count("\n", counted, start)
        found.append(index)
        end = text.find("\n", start)
        if end < 0:
            break
        counted = end
        match = pattern.search(text, end + 1)
    return found
