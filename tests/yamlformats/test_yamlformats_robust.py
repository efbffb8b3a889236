"""Odd shapes never crash a parser: every node of each fixture is replaced by odd values.

A parser may return a model or raise ParseError; any other exception would reach the user as
an "internal parser error" diagnostic, which is a bug.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mlaudit.parsers import ParseError, compose, ecs_task_definition, sam, serverless
from mlaudit.parsers.yaml_source import load
from mlaudit.span import Span
from tests.yamlformats.formats_support import FORMATS

ODD: list[Any] = [None, 7, "x:y", True, [], {}, [1, "a"], {"Ref": "P"}, {"k": [None]}]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    clone = copy.deepcopy(data)
    target = clone
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return clone


def _ecs(path: str, data: Any) -> Any:
    return ecs_task_definition.task_definition_from_data(data, path, Span(path))


CASES: list[tuple[str, Callable[[str, Any], Any]]] = [
    ("compose/docker-compose.yml", compose.from_document),
    ("ecs/api-task-def.json", _ecs),
    ("sam/template.yaml", sam.from_document),
    ("serverless/serverless.yml", serverless.from_document),
]


@pytest.mark.parametrize(("relative", "build"), CASES, ids=[c[0] for c in CASES])
def test_odd_values_never_crash(relative: str, build: Callable[[str, Any], Any]) -> None:
    data = load((FORMATS / relative).read_text(encoding="utf-8"))
    checked = 0
    for path in _paths(data):
        for odd in ODD:
            with contextlib.suppress(ParseError):
                build(relative, _replaced(data, path, odd))
            checked += 1
    assert checked > 100
