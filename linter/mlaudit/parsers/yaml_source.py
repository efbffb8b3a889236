"""Line-aware safe YAML (and JSON) loading, shared by every YAML-based parser.

PyYAML's composer (the libyaml C one when available: ~14x faster) builds a node tree
with marks; we convert it ourselves into dict/list subclasses that remember where each
key and item starts. Nothing is ever constructed from an arbitrary tag: CloudFormation
short forms (`!Ref x`, `!GetAtt a.b`, `!Sub ...`) become their long-form dicts
(`{"Ref": "x"}`), any other tag yields its plain value. Aliases are converted once and
shared, so an alias bomb costs linear time. JSON is valid YAML 1.2 flow syntax and goes
through the same path, which gives JSON files line numbers too.
"""

from __future__ import annotations

from typing import Any

import yaml

from mlaudit import limits
from mlaudit.parsers import ParseError

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader

_SCALARS = yaml.constructor.SafeConstructor()

# CloudFormation intrinsic short forms -> long-form key.
_CFN_TAGS = {
    "!Ref": "Ref", "!Condition": "Condition", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr",
    "!FindInMap": "Fn::FindInMap", "!GetAtt": "Fn::GetAtt", "!GetAZs": "Fn::GetAZs",
    "!ImportValue": "Fn::ImportValue", "!Join": "Fn::Join", "!Select": "Fn::Select",
    "!Split": "Fn::Split", "!Sub": "Fn::Sub", "!Transform": "Fn::Transform", "!And": "Fn::And",
    "!Equals": "Fn::Equals", "!If": "Fn::If", "!Not": "Fn::Not", "!Or": "Fn::Or",
    "!ToJsonString": "Fn::ToJsonString", "!Length": "Fn::Length",
}


class LMap(dict[Any, Any]):
    """A mapping that knows the line/column (1-based) of itself and of each key."""

    line: int = 1
    column: int = 1
    end_line: int = 1

    def __init__(self) -> None:
        super().__init__()
        self.key_pos: dict[Any, tuple[int, int]] = {}
        self.value_pos: dict[Any, tuple[int, int]] = {}

    def line_of(self, key: Any) -> int:
        return self.key_pos.get(key, (self.line, self.column))[0]

    def column_of(self, key: Any) -> int:
        return self.key_pos.get(key, (self.line, self.column))[1]

    def value_line(self, key: Any) -> int:
        return self.value_pos.get(key, self.key_pos.get(key, (self.line, 1)))[0]


class LList(list[Any]):
    """A sequence that knows the line/column (1-based) of itself and of each item."""

    line: int = 1
    column: int = 1
    end_line: int = 1

    def __init__(self) -> None:
        super().__init__()
        self.item_pos: list[tuple[int, int]] = []

    def line_of(self, index: int) -> int:
        return self.item_pos[index][0] if 0 <= index < len(self.item_pos) else self.line


def _pos(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _convert(node: yaml.Node, memo: dict[Any, Any], depth: int = 0) -> Any:
    if depth > 200:
        raise ParseError("YAML nested too deeply", _pos(node.start_mark)[0])
    cached = memo.get(id(node))
    if cached is not None:
        return cached
    tag = node.tag or ""
    if isinstance(node, yaml.ScalarNode):
        if tag.startswith("!") and not tag.startswith("!!"):
            value: Any = node.value
        else:
            try:
                value = _SCALARS.construct_object(node)
            except (yaml.YAMLError, ValueError):  # ValueError: an int past the digit limit
                value = node.value
        if tag in _CFN_TAGS:
            key = _CFN_TAGS[tag]
            result = LMap()
            result.line, result.column = _pos(node.start_mark)
            result.end_line = node.end_mark.line + 1
            result[key] = value.split(".", 1) if key == "Fn::GetAtt" and isinstance(value, str) \
                else value
            result.key_pos[key] = result.value_pos[key] = (result.line, result.column)
            return result
        return value
    if isinstance(node, yaml.SequenceNode):
        seq = LList()
        seq.line, seq.column = _pos(node.start_mark)
        seq.end_line = node.end_mark.line + 1
        memo[id(node)] = seq
        _spend(memo, len(node.value), node)
        for item in node.value:
            seq.append(_convert(item, memo, depth + 1))
            seq.item_pos.append(_pos(item.start_mark))
        return _wrap_tag(tag, seq, node)
    if isinstance(node, yaml.MappingNode):
        mapping = LMap()
        mapping.line, mapping.column = _pos(node.start_mark)
        mapping.end_line = node.end_mark.line + 1
        memo[id(node)] = mapping
        for key_node, value_node in _merged_pairs(node, memo):
            key = _convert(key_node, memo, depth + 1)
            if isinstance(key, (dict, list)):
                key = str(key)
            mapping[key] = _convert(value_node, memo, depth + 1)
            mapping.key_pos[key] = _pos(key_node.start_mark)
            mapping.value_pos[key] = _pos(value_node.start_mark)
        return _wrap_tag(tag, mapping, node)
    return None


def _wrap_tag(tag: str, value: Any, node: yaml.Node) -> Any:
    if tag in _CFN_TAGS:
        key = _CFN_TAGS[tag]
        result = LMap()
        result.line, result.column = _pos(node.start_mark)
        result.end_line = node.end_mark.line + 1
        result[key] = value
        result.key_pos[key] = result.value_pos[key] = (result.line, result.column)
        return result
    return value


def _merged_pairs(node: yaml.MappingNode, memo: dict[Any, Any] | None = None
                  ) -> list[tuple[yaml.Node, yaml.Node]]:
    """Key/value node pairs with YAML merge keys (`<<: *base`) applied, local keys winning.

    Computed once per mapping node and deduplicated by key (only the last pair of a key
    counts): merges of merges otherwise grow exponentially (a 900-byte file of
    `<<: [*x, *x]` levels reaches gigabytes)."""
    memo = {} if memo is None else memo
    key = ("merged", id(node))
    cached = memo.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    memo[key] = []  # a merge cycle sees an empty mapping
    pairs: list[tuple[yaml.Node, yaml.Node]] = []
    local: list[tuple[yaml.Node, yaml.Node]] = []
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [
                value_node]
            for source in sources:
                if isinstance(source, yaml.MappingNode):
                    pairs.extend(_merged_pairs(source, memo))
        else:
            local.append((key_node, value_node))
    pairs += local
    last: dict[Any, int] = {}
    for index, (key_node, _) in enumerate(pairs):
        last[_key_identity(key_node)] = index
    out = [pair for index, pair in enumerate(pairs) if last[_key_identity(pair[0])] == index]
    _spend(memo, len(out), node)
    memo[key] = out
    return out


def _key_identity(node: yaml.Node) -> Any:
    return (node.tag, node.value) if isinstance(node, yaml.ScalarNode) else id(node)


def _spend(memo: dict[Any, Any], count: int, node: yaml.Node) -> None:
    """Charge `count` converted nodes to the document's budget (aliases and merge keys
    can make a small file stand for a huge value)."""
    spent = memo.get("spent", 0) + count
    memo["spent"] = spent
    if spent > memo.get("budget", limits.MAX_YAML_NODES):
        raise ParseError(f"YAML expands to over {limits.MAX_YAML_NODES} nodes through "
                         "aliases and merge keys; the file is skipped",
                         _pos(node.start_mark)[0], notice=True, code="limit-exceeded")


def load_documents(text: str) -> list[Any]:
    """All documents of a YAML stream, converted. Raises ParseError with the line."""
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = _pos(mark) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise ParseError(f"invalid YAML: {problem}", line, column) from None
    except yaml.YAMLError as exc:
        raise ParseError(f"invalid YAML: {exc}") from None
    # A document without aliases has fewer nodes than characters: only expansion can
    # pass this budget, whatever the file's size.
    budget = max(limits.MAX_YAML_NODES, len(text))
    memo: dict[Any, Any] = {"budget": budget}
    documents = [_convert(node, memo) for node in nodes if node is not None]
    sizes: dict[int, int] = {}
    if sum(_expanded(d, sizes, budget) for d in documents) > budget:
        # Aliases are shared, not copied, but every reader that walks the value (the
        # secrets rules, the models) would walk each use: a billion laughs.
        raise ParseError(f"YAML expands to over {budget} nodes through aliases and merge "
                         "keys; the file is skipped", notice=True,
                         code="limit-exceeded")
    return documents


def _expanded(value: Any, sizes: dict[int, int], budget: int) -> int:
    """Nodes of the value as a tree (each alias use counted), in time linear in the
    distinct nodes (sizes memoised by identity)."""
    if not isinstance(value, (dict, list)):
        return 1
    known = sizes.get(id(value))
    if known is not None:
        return known
    sizes[id(value)] = 1  # a recursive alias counts once
    children = value.values() if isinstance(value, dict) else value
    total = 1
    for child in children:
        total += _expanded(child, sizes, budget)
        if total > budget:
            break
    sizes[id(value)] = total
    return total


def load(text: str) -> Any:
    """The first document of a YAML (or JSON) text, or None for an empty stream."""
    documents = load_documents(text)
    return documents[0] if documents else None
