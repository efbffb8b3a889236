"""The compiled decoders build positions, text references and nested objects inline (the
warm path's hot loop): every inline path rejects what the generic one rejects, and builds
exactly what the constructors build."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from mlaudit.cache import Invalid, decode, encode
from mlaudit.parsers.terraform_hcl import parse_text
from mlaudit.span import Span

TEXT = 'resource "aws_s3_bucket" "logs" {\n  bucket = "company-logs"\n  tags = { a = var.x }\n}\n'
PATH = "main.tf"


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(encode(parse_text(PATH, TEXT), TEXT, PATH)))
    return document


def _block(document: dict[str, Any]) -> list[Any]:
    blocks = document["value"][2]  # TerraformFile(path, blocks)
    assert blocks[0] == "t"
    block: list[Any] = blocks[1]
    return block


def test_the_round_trip_is_exact() -> None:
    model = parse_text(PATH, TEXT)
    assert decode(_document(), TEXT, PATH) == model


def test_positions_are_clamped_like_the_constructor() -> None:
    document = _document()
    block = _block(document)
    assert block[5][0] == "s"  # Block.span, a position in the file itself
    block[5] = ["s", 0, -3, 0, 0]
    built = decode(document, TEXT, PATH)
    assert built.blocks[0].span == Span(PATH, 0, -3) == Span(PATH, 1, 1)


@pytest.mark.parametrize("where, value", [
    ("span", ["s", "1", 1, 0, 0]),          # a line that is not an int
    ("span", ["s", 1, 1, 0]),               # too short: not a position, and not anything
    ("span", ["s", True, 1, 0, 0]),         # a bool is no line number
    ("name", ["r", 5, 2]),                  # reversed offsets
    ("name", ["r", 0, 10 ** 6]),            # past the end of the file
    ("name", ["r", -1, 2]),
    ("name", ["s", 1, 1, 0, 0]),            # a position where a string belongs
    ("attributes", ["t", [-1, "x"]]),       # a negative class index: no wrapping round
    ("attributes", ["t", [99, "x"]]),       # past the class table
    ("attributes", ["t", []]),              # an empty node
    ("attributes", ["t", "bucket"]),        # a string where objects belong
    ("attributes", ["l"]),                  # a list where a tuple belongs
    ("attributes", []),
    ("span", [0, PATH, 1, 1, 0, 0]),        # another class (the file) where a Span belongs
])
def test_tampered_nodes_on_the_inline_paths_are_misses(where: str, value: Any) -> None:
    document = _document()
    block = copy.deepcopy(_block(document))
    slot = {"name": 1, "attributes": 3, "span": 5}[where]
    block[slot] = value
    document["value"][2][1] = block
    with pytest.raises(Invalid):
        decode(document, TEXT, PATH)
