"""Container image references (`registry/repo:tag@digest`), parsed once for every format."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ImageRef:
    raw: str
    registry: str | None
    repository: str
    tag: str | None
    digest: str | None

    @property
    def is_scratch(self) -> bool:
        return self.repository == "scratch"

    @property
    def has_variable(self) -> bool:
        return "$" in self.raw or "{{" in self.raw

    @property
    def is_latest_or_untagged(self) -> bool:
        """True for `repo` and `repo:latest` without a digest (a mutable reference)."""
        if self.digest or self.is_scratch or self.has_variable:
            return False
        return self.tag in (None, "latest")

    @property
    def family(self) -> str:
        """The last path component of the repository: python, node, nvidia/cuda -> cuda."""
        return self.repository.rsplit("/", 1)[-1]


def parse_image(raw: str) -> ImageRef:
    text = raw.strip()
    digest: str | None = None
    if "@" in text:
        text, digest = text.split("@", 1)
    registry: str | None = None
    first, _, remainder = text.partition("/")
    if remainder and ("." in first or ":" in first or first == "localhost"):
        registry, text = first, remainder
    tag: str | None = None
    last_slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > last_slash:
        text, tag = text[:colon], text[colon + 1 :]
    return ImageRef(raw, registry, text, tag, digest)
