"""The mutable state the per-format builders share while a Deployment is assembled."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar

from mlaudit.models.deployment import Deployment, Edge, ImageReference, Node
from mlaudit.models.image import ImageRef, parse_image
from mlaudit.project import ParsedProject
from mlaudit.span import Span

N = TypeVar("N", bound=Node)

_ID_UNSAFE = re.compile(r"\s+")


def node_id(*parts: str) -> str:
    """A stable node id: `kind:where[#name]`, never holding a line number when avoidable."""
    return _ID_UNSAFE.sub("_", ":".join(p for p in parts if p))


class Builder:
    """Collects nodes and edges into a `Deployment`; builders call `add` and `link`."""

    def __init__(self, project: ParsedProject, terraform: Any) -> None:
        self.project = project
        self.terraform = terraform
        self.deployment = Deployment(project, terraform=terraform)
        self._edge_keys: set[tuple[str, str, str]] = set()
        # Repository names (last path component, lower case) -> Image ids built as them.
        self.image_names: dict[str, set[str]] = {}
        # (kind, deployed name) -> node ids, e.g. ("ecs-service", "sentiment-api"), so a
        # workflow's `aws ecs update-service --service X` finds what it deploys.
        self.aliases: dict[tuple[str, str], set[str]] = {}
        # (service id, repository name, span) still to be matched to a built Image, once
        # every builder has said which names each image is built as.
        self.wanted_images: list[tuple[str, str, Span | None]] = []
        # The deployment unit nodes added now belong to (set by builders that know it,
        # e.g. the Terraform root of the resource being read); None: decided by file.
        self.current_unit: str | None = None

    @contextmanager
    def in_unit(self, unit: str | None) -> Iterator[None]:
        """Nodes added inside belong to `unit` (a Terraform root's containers, checks)."""
        previous, self.current_unit = self.current_unit, unit
        try:
            yield
        finally:
            self.current_unit = previous

    def add(self, node: N, end_line: int = 0, unit: str | None = None) -> N:
        """Register a node; `end_line` extends its extent for finding matching; `unit`
        names its deployment unit when the builder knows it (else it comes from its file)."""
        unit = unit or self.current_unit
        if unit is not None:
            self.deployment.node_units.setdefault(node.id, unit)
        nodes = self.deployment.nodes
        if node.id in nodes:  # same id from two builders: keep the first, never crash
            existing = nodes[node.id]
            return existing if type(existing) is type(node) else node
        nodes[node.id] = node
        self.deployment.version += 1
        span = node.span
        last = max(end_line, span.end_line, span.line)
        self.deployment.extents[node.id] = (span.path, span.line, last)
        return node

    def update(self, node: N, **changes: Any) -> N:
        """Replace a frozen node with changed fields (keeps its extent)."""
        new = replace(node, **changes)
        self.deployment.nodes[node.id] = new
        self.deployment.version += 1
        return new

    def link(self, source: str, target: str, kind: str, span: Span | None = None) -> None:
        if source == target or (source, target, kind) in self._edge_keys:
            return
        self._edge_keys.add((source, target, kind))
        self.deployment.edges.append(Edge(source, target, kind, span))

    def image_ref(self, raw: str | ImageRef | None, span: Span | None, context: str,
                  owner: str) -> ImageRef | None:
        if raw is None or span is None:
            return None
        ref = raw if isinstance(raw, ImageRef) else parse_image(raw)
        if not ref.repository:
            return None
        self.deployment.image_refs.append(ImageReference(ref, span, context, owner))
        return ref

    def name_image(self, name: str, image_id: str) -> None:
        """Record that the image `image_id` is built/pushed as repository `name`."""
        key = repo_key(name)
        if key:
            self.image_names.setdefault(key, set()).add(image_id)

    def images_named(self, name: str) -> set[str]:
        return set(self.image_names.get(repo_key(name), set()))

    def alias(self, kind: str, name: str, node: str) -> None:
        self.aliases.setdefault((kind, name), set()).add(node)

    def problem(self, message: str) -> None:
        self.deployment.problems.append(message)


def repo_key(name: str) -> str:
    """The comparable part of an image/repository name: last path component, no tag."""
    text = name.strip().lower()
    # A tag from a variable (`repo:${GITHUB_SHA}`) still names the repository.
    if ":" in text.rsplit("/", 1)[-1]:
        text = text.rsplit(":", 1)[0]
    if not text or "$" in text or "{" in text:
        return ""
    ref = parse_image(text)
    return ref.repository.rsplit("/", 1)[-1]
