"""Any other YAML file: sniffed for a SAM/CloudFormation template, a Serverless Framework
service or a compose file under an unusual name. Everything else yields no model.

Also holds the small node helpers the YAML/JSON format parsers share: spans from the
line-aware `LMap`/`LList` of `yaml_source` (or a fallback span for plain dicts, e.g. data
decoded from a Terraform `jsonencode`), scalar coercion and repo-relative path resolution.
"""

from __future__ import annotations

import posixpath
from typing import Any

from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "2"


def key_span(path: str, node: Any, key: Any, fallback: Span | None = None) -> Span:
    """The span of `key` inside mapping `node` (its own line when line-aware)."""
    positions = getattr(node, "key_pos", None)
    if positions is not None and key in positions:
        line, column = positions[key]
        return Span(path, line, column)
    return node_span(path, node, fallback)


def item_span(path: str, seq: Any, index: int, fallback: Span | None = None) -> Span:
    """The span of item `index` of sequence `seq`."""
    positions = getattr(seq, "item_pos", None)
    if positions is not None and 0 <= index < len(positions):
        line, column = positions[index]
        return Span(path, line, column)
    return node_span(path, seq, fallback)


def node_span(path: str, node: Any, fallback: Span | None = None) -> Span:
    """Where a mapping/sequence starts, else `fallback`, else line 1."""
    if hasattr(node, "key_pos") or hasattr(node, "item_pos"):
        return Span(path, int(node.line), int(node.column))
    return fallback if fallback is not None else Span(path)


def as_str(value: Any) -> str | None:
    """A scalar as the text a tool would see; None for mappings, lists and null."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def as_int(value: Any) -> int | None:
    """An integer, or a string of digits; None for anything unresolved."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def as_list(value: Any) -> list[Any]:
    """`value` when it is a sequence, else [] (a scalar where a list belongs: cannot tell)."""
    return value if isinstance(value, list) else []


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def is_intrinsic(value: Any) -> bool:
    """A CloudFormation intrinsic function (`{"Ref": x}`, `{"Fn::Sub": ...}`)."""
    return isinstance(value, dict) and len(value) == 1 and any(
        isinstance(k, str) and (k == "Ref" or k.startswith("Fn::") or k == "Condition")
        for k in value)


def resolve_path(base_dir: str, relative: str) -> str | None:
    """`relative` (as written in a file in `base_dir`) as a repo-relative POSIX path.

    None for URLs, absolute paths, unresolved variables and anything outside the repository.
    """
    text = relative.strip()
    if not text or "://" in text or text.startswith(("git@", "/", "~")) or "$" in text:
        return None
    joined = posixpath.normpath(posixpath.join(base_dir, text))
    if joined == ".." or joined.startswith("../"):
        return None
    return joined


def directory_of(path: str) -> str:
    return posixpath.dirname(path) or "."


def load_yaml(source: SourceFile, skip_templates: bool = False) -> Any:
    """The first document of a YAML file, line-aware; None for an empty file.

    A syntax error found at the end of the stream is reported on the last line, not past
    it. With `skip_templates`, a file that fails to load and holds `{{`/`{%` markers (Helm,
    Jinja, cookiecutter) yields None: it is not YAML until rendered, so it is no error of
    the user's; used for generic names (`*.yaml`, `template.yaml`).
    """
    from mlaudit.parsers import ParseError
    from mlaudit.parsers.yaml_source import load

    try:
        return load(source.text)
    except ParseError as exc:
        if skip_templates and ("{{" in source.text or "{%" in source.text):
            return None
        last = max(1, len(source.lines))
        if exc.line > last:
            raise ParseError(exc.message, last, 1) from None
        raise


def parse(source: SourceFile) -> Any:
    """Sniff a YAML file; random YAML (Kubernetes manifests, app config) yields None."""
    from mlaudit.parsers.yaml_source import LMap

    if _kubernetes_claims(source):  # manifests, kustomization.yaml, Helm chart files
        from mlaudit.parsers import kubernetes

        return kubernetes.parse(source)
    data = load_yaml(source, skip_templates=True)
    if not isinstance(data, LMap):
        return None
    return sniff_mapping(source.path, data)


def _kubernetes_claims(source: SourceFile) -> bool:
    """Kubernetes files, by name (Kustomize, Helm) or content (`apiVersion` + `kind`)."""
    import re

    name = source.name
    if name.lower() in ("kustomization.yaml", "kustomization.yml") or \
            name in ("Chart.yaml", "Chart.yml") or re.match(r"values(?:[.-][\w.-]+)?\.ya?ml$",
                                                             name, re.I):
        return True
    text = source.text
    return bool(re.search(r"(?m)^apiVersion:[ \t]*\S", text)
                and re.search(r"(?m)^kind:[ \t]*\S", text))


def sniff_mapping(path: str, data: dict[Any, Any]) -> Any:
    """The model for a loaded YAML/JSON mapping, or None when it is none of our formats."""
    from mlaudit.parsers import compose, sam, serverless

    if sam.looks_like_template(data):
        return sam.from_document(path, data)
    if serverless.looks_like_service(data):
        return serverless.from_document(path, data)
    if compose.looks_like_compose(data):
        return compose.from_document(path, data)
    return None
