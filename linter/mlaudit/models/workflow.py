"""The GitHub Actions workflow model: triggers, permissions, jobs and steps with exact lines.

Values are kept as the workflow wrote them (expressions like `${{ secrets.X }}` stay
text): evaluating expressions needs the run-time context, so rules treat an expression
they cannot read as "cannot tell".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mlaudit.span import Span

_SHA_RE = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True, slots=True)
class Value:
    """A scalar setting with its place: `name: value` (env var, `with:` input, secret)."""

    name: str
    value: str  # booleans as "true"/"false", null as ""
    span: Span  # the key's line


@dataclass(frozen=True, slots=True)
class Trigger:
    event: str  # push, pull_request_target, workflow_call, ...
    filters: dict[str, Any]  # branches/paths/types/inputs..., plain data; {} when none
    span: Span


@dataclass(frozen=True, slots=True)
class Permissions:
    """A `permissions:` block. `preset` is read-all/write-all; otherwise `scopes`."""

    span: Span
    preset: str | None = None
    scopes: dict[str, str] = field(default_factory=dict)  # scope -> read/write/none
    known: bool = True  # False for an expression or a value GitHub would reject

    def grants(self, scope: str, level: str = "write") -> bool | None:
        """Whether the token gets `level` on `scope`; None when it cannot be told."""
        if not self.known:
            return None
        if self.preset == "write-all":
            return True
        if self.preset == "read-all":
            return level == "read"
        have = self.scopes.get(scope, "none")
        return have == "write" or (level == "read" and have == "read")


@dataclass(frozen=True, slots=True)
class ActionRef:
    """A `uses:` reference: `owner/repo[/path]@ref`, a local `./path`, or `docker://image`."""

    raw: str
    span: Span
    kind: str  # "repository", "local" or "docker"
    owner: str = ""  # lower case, for matching
    repo: str = ""  # lower case
    path: str = ""  # sub-directory or workflow file inside the repository
    ref: str = ""  # tag, branch or SHA; for docker: the image reference

    @property
    def name(self) -> str:
        """`owner/repo[/path]` in lower case (what rules compare against)."""
        base = f"{self.owner}/{self.repo}"
        return f"{base}/{self.path.lower()}" if self.path else base

    @property
    def pinned(self) -> bool:
        """A full commit SHA, a docker digest or a local path: immutable references."""
        if self.kind == "local":
            return True
        if self.kind == "docker":
            return "@sha256:" in self.ref
        return bool(_SHA_RE.match(self.ref.lower()))

    def is_action(self, *names: str) -> bool:
        return self.kind == "repository" and self.name in names


@dataclass(frozen=True, slots=True)
class RunScript:
    """A `run:` script. `lines` are the source lines of the script body (number, text)."""

    text: str  # the script as YAML delivers it to the shell
    span: Span  # the `run:` key
    body_line: int  # first source line of the script body (the line after `run: |`)
    lines: tuple[tuple[int, str], ...]  # (source line, raw source text minus indentation)

    def line_of(self, needle: str) -> int:
        """The source line holding `needle`, else the body's first line."""
        for number, text in self.lines:
            if needle in text:
                return number
        return self.body_line


@dataclass(frozen=True)
class Step:
    index: int  # 0-based position in the job
    span: Span  # the list item (`- name: ...`)
    id: str | None = None
    name: str | None = None
    uses: ActionRef | None = None
    with_: tuple[Value, ...] = ()
    run: RunScript | None = None
    env: tuple[Value, ...] = ()
    if_condition: str | None = None
    continue_on_error: str | None = None  # "true"/"false" or an expression
    shell: str | None = None
    working_directory: str | None = None
    if_span: Span | None = None  # the `if:` key

    def input(self, name: str) -> Value | None:
        """A `with:` input by name (GitHub matches input names case-insensitively)."""
        for item in self.with_:
            if item.name.lower() == name.lower():
                return item
        return None

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.id:
            return self.id
        if self.uses is not None:
            return self.uses.raw
        return f"step {self.index + 1}"


@dataclass(frozen=True)
class ServiceContainer:
    """A job's `services:` entry: a container started with the job, reached by `name`."""

    name: str
    span: Span
    env: tuple[Value, ...] = ()
    image: Value | None = None  # `image:`, as written


@dataclass(frozen=True)
class Job:
    id: str
    span: Span  # the job's key
    name: str | None = None
    needs: tuple[str, ...] = ()
    needs_span: Span | None = None
    if_condition: str | None = None
    permissions: Permissions | None = None  # None: the key is absent
    env: tuple[Value, ...] = ()
    runs_on: Any = None  # a label, a list of labels or a group mapping (plain data)
    uses: ActionRef | None = None  # a reusable workflow call
    with_: tuple[Value, ...] = ()  # inputs of the reusable workflow call
    secrets: tuple[Value, ...] = ()
    secrets_inherit: bool = False
    matrix: Any = None  # strategy.matrix as plain data
    environment: Value | None = None  # name: the environment's name
    steps: tuple[Step, ...] = ()
    continue_on_error: str | None = None
    services: tuple[ServiceContainer, ...] = ()
    if_span: Span | None = None  # the `if:` key
    container: Value | None = None  # the job container's image (`container:` or its `image:`)

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Workflow:
    path: str
    name: str | None
    triggers: tuple[Trigger, ...]
    triggers_span: Span  # the `on:` key
    permissions: Permissions | None  # None: the key is absent
    env: tuple[Value, ...]
    jobs: tuple[Job, ...]

    @property
    def events(self) -> frozenset[str]:
        return frozenset(t.event for t in self.triggers)

    def trigger(self, event: str) -> Trigger | None:
        for item in self.triggers:
            if item.event == event:
                return item
        return None

    def job(self, job_id: str) -> Job | None:
        for item in self.jobs:
            if item.id == job_id:
                return item
        return None

    def needs_closure(self, job_id: str) -> frozenset[str]:
        """Every job `job_id` waits for, directly or transitively (unknown ids skipped)."""
        seen: set[str] = set()
        start = self.job(job_id)
        pending = list(start.needs) if start is not None else []
        while pending:
            current = pending.pop()
            if current in seen or current == job_id:
                continue
            found = self.job(current)
            if found is None:
                continue
            seen.add(current)
            pending.extend(found.needs)
        return frozenset(seen)

    @property
    def job_order(self) -> tuple[str, ...]:
        """Job ids in an order that respects `needs` (declaration order breaks ties).

        Jobs caught in a `needs` cycle (GitHub rejects those) come last, in file order.
        """
        order: list[str] = []
        placed: set[str] = set()
        known = {j.id for j in self.jobs}
        progress = True
        while progress:
            progress = False
            for item in self.jobs:
                if item.id in placed:
                    continue
                if all(n in placed or n not in known for n in item.needs):
                    order.append(item.id)
                    placed.add(item.id)
                    progress = True
        order.extend(j.id for j in self.jobs if j.id not in placed)
        return tuple(order)


def expressions(text: str) -> list[tuple[int, int, str]]:
    """The `${{ ... }}` expressions of a line: (start, end, inner text), left to right,
    as `\\$\\{\\{(.*?)\\}\\}` finds them, in linear time (that pattern rescanned the rest
    of the line from every unclosed `${{`)."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    while True:
        start = text.find("${{", pos)
        if start < 0:
            return out
        end = text.find("}}", start + 3)
        if end < 0:
            return out  # no `}}` after this one: none after any later `${{` either
        newline = text.find("\n", start + 3, end)
        if newline >= 0:  # `.` stops at a line break: every start before it fails too
            pos = newline + 1
            continue
        out.append((start, end + 2, text[start + 3:end]))
        pos = end + 2


def drop_expressions(text: str) -> str:
    """The text with every `${{ ... }}` expression removed."""
    pieces: list[str] = []
    pos = 0
    for start, end, _ in expressions(text):
        pieces.append(text[pos:start])
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)
