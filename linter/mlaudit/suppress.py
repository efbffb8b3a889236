"""Inline suppressions: `# mlaudit: ignore[MLA101,hardcoded-aws-key] reason`.

One syntax for every text format mlaudit reads (`#` comments; `//` also in HCL). A comment
after code applies to its own line; a comment on a line of its own applies to the next
line that is not blank or a comment (the only workable placement in a Dockerfile, as in
hadolint). `# mlaudit: ignore-file[ID]` covers the whole file. JSON cannot hold comments:
suppress findings in JSON inputs through config (`per-path-ignores`) or the baseline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mlaudit.span import Span

_DIRECTIVE_RE = re.compile(
    r"(?P<lead>#|//)\s*mlaudit:\s*(?P<scope>ignore-file|ignore)\[(?P<ids>[^\]]*)\](?P<reason>[^\n]*)"
)
_EXPECT_MARKER = "mlaudit-expect"


@dataclass
class InlineSuppression:
    rule_refs: tuple[str, ...]
    reason: str
    span: Span  # the comment itself
    target_line: int  # 0 for file-wide
    used: set[str] = field(default_factory=set)

    @property
    def file_wide(self) -> bool:
        return self.target_line == 0


def _is_comment_only(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(("#", "//")) or not stripped


_MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _fenced_lines(lines: list[str]) -> set[int]:
    """Indexes of the lines inside Markdown code fences (the fences included)."""
    inside: set[int] = set()
    opener: str | None = None
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if opener is None:
            if match:
                opener = match.group(1)
                inside.add(index)
        else:
            inside.add(index)
            # A fence closes with the same character, at least as long, and nothing else.
            if match and match.group(1)[0] == opener[0] and len(match.group(1)) >= len(
                    opener) and not line.strip().strip(opener[0]):
                opener = None
    return inside


def parse_suppressions(path: str, lines: list[str]) -> list[InlineSuppression]:
    found: list[InlineSuppression] = []
    # In Markdown, code fences hold examples (a README showing how to suppress a rule),
    # not directives.
    fenced = _fenced_lines(lines) if path.lower().endswith(_MARKDOWN_SUFFIXES) else set()
    for index, line in enumerate(lines):
        if "mlaudit:" not in line or index in fenced:
            continue
        match = _DIRECTIVE_RE.search(line)
        if match is None:
            continue
        before = line[: match.start()]
        if before.strip() and not re.search(r"\s$", before):
            continue  # e.g. a URL fragment `a#mlaudit:`; a real comment follows blank space
        refs = tuple(r.strip() for r in match.group("ids").split(",") if r.strip())
        reason = match.group("reason").strip().lstrip("-:—").strip()
        span = Span(path, index + 1, match.start() + 1, index + 1, match.end() + 1)
        if match.group("scope") == "ignore-file":
            target = 0
        elif before.strip():
            target = index + 1
        else:
            target = _next_code_line(lines, index + 1)
        found.append(InlineSuppression(refs, reason, span, target))
    return found


def _next_code_line(lines: list[str], start: int) -> int:
    for index in range(start, len(lines)):
        if not _is_comment_only(lines[index]):
            return index + 1
    return len(lines) + 1
