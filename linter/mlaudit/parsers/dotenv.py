""".env parser: python-dotenv's own tokenizer (the format compose and most apps read).

Only `dotenv.parser.parse_stream` is used: it tokenises and unquotes, and never expands
`${VAR}` or runs anything. Invalid lines are recorded and skipped, never fatal.
"""

from __future__ import annotations

import io
import re

from mlaudit.models.dotenv import DotEnv, DotEnvEntry
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "1"

_EXPORT_RE = re.compile(r"^\s*export\s+")


def parse(source: SourceFile) -> DotEnv:
    from dotenv.parser import parse_stream

    entries: list[DotEnvEntry] = []
    invalid: list[Span] = []
    for binding in parse_stream(io.StringIO(source.text)):
        original = binding.original.string
        # The binding's `original` starts with any blank lines before it: skip them to
        # report the line the assignment is really on.
        body = original.lstrip()
        leading = original[: len(original) - len(body)]
        line = binding.original.line + leading.count("\n")
        column = len(leading) - (leading.rfind("\n") + 1) + 1
        if binding.error:
            invalid.append(Span(source.path, line, column))
            continue
        if binding.key is None:
            continue  # a comment or blank line
        exported = bool(_EXPORT_RE.match(body))
        name_at = body.find(binding.key)
        entries.append(DotEnvEntry(binding.key, binding.value,
                                   Span(source.path, line, column + max(name_at, 0)), exported))
    return DotEnv(source.path, tuple(entries), tuple(invalid))
