"""Python written for a newer interpreter is a notice naming both versions; a real syntax
error, with or without newer constructs around it, is an error at its own line."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from mlaudit.parsers import ParseError
from mlaudit.parsers.python_source import parse
from mlaudit.parsers.python_syntax import NewerSyntax, newer_syntax
from mlaudit.sources import FileKind, SourceFile

RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"
FSTRING_PEP701 = 'd = {"k": 1}\nprint(f"{d["k"]}")\n'

# (source, the construct's feature, the version that accepts it, its line)
NEWER = [
    ("import os\ntype Vector = list[float]\n", "PEP 695 type statement", (3, 12), 2),
    ("type Pair[T] = tuple[T, T]\n", "PEP 695 type statement", (3, 12), 1),
    ("def first[T](xs: list[T]) -> T:\n    return xs[0]\n", "type parameter list", (3, 12), 1),
    ("class Box[T: (int, str)](Base):\n    pass\n", "type parameter list", (3, 12), 1),
    ("async def f[T](x: T) -> T:\n    return x\n", "type parameter list", (3, 12), 1),
    ("def f[\n    T,\n    U,\n](x: T) -> U:\n    return x\n", "type parameter list", (3, 12), 1),
    ("def f[T = int](x: T) -> T:\n    return x\n", "PEP 696", (3, 13), 1),
    (FSTRING_PEP701, "PEP 701 f-string", (3, 12), 2),
    ('x = f"{f"{f"{1}"}"}"\n', "PEP 701 f-string", (3, 12), 1),
    ("x = f\"{'\\n'.join(a)}\"\n", "PEP 701 f-string", (3, 12), 1),
    ("x = f'''{\n    a  # a comment\n}'''\n", "PEP 701 f-string", (3, 12), 1),
    ('name = "x"\ngreeting = t"hello {name}"\n', "PEP 750 t-string", (3, 14), 2),
    ("try:\n    pass\nexcept ValueError, TypeError:\n    pass\n", "PEP 758", (3, 14), 3),
]

BROKEN = [
    "def f(:\n    pass\n",
    'x = f"{a +}"\n',  # an f-string expression no Python accepts
    'x = f"{}"\n',
    "type = 3\nprint(type)\nx y\n",  # `type` as a name, then a real error
    "try:\n    pass\nexcept ValueError, TypeError as e:\n    pass\n",  # needs parentheses
    "def f[T](x:\n",  # newer syntax, but truncated
]


def _fails(source: str) -> SyntaxError:
    with pytest.raises(SyntaxError) as info:
        ast.parse(source)
    return info.value


@pytest.mark.parametrize(("source", "feature", "version", "line"),
                         [case for case in NEWER if case[2] > sys.version_info[:2]])
def test_newer_syntax_is_recognised(source: str, feature: str, version: tuple[int, int],
                                    line: int) -> None:
    found = newer_syntax(source, _fails(source))
    assert isinstance(found, NewerSyntax), found
    assert feature in found.feature and found.version == version and found.line == line


@pytest.mark.parametrize("source", BROKEN)
def test_real_errors_are_not_newer_syntax(source: str) -> None:
    assert not isinstance(newer_syntax(source, _fails(source)), NewerSyntax)


def test_except_star_is_newer_than_310() -> None:
    source = "try:\n    pass\nexcept* ValueError:\n    pass\n"
    error = SyntaxError("invalid syntax", ("<unknown>", 3, 7, "except* ValueError:\n", 3, 8))
    found = newer_syntax(source, error, running=(3, 10))
    if sys.version_info >= (3, 11):  # the rewritten file must parse here too
        assert isinstance(found, NewerSyntax) and found.version == (3, 11) and found.line == 3


def test_a_real_error_among_newer_syntax_is_reported_at_its_line() -> None:
    source = "type Score = float\n\n\ndef predict(:\n    return 1.0\n"
    if sys.version_info >= (3, 12):
        pytest.skip("the type statement parses here")
    remaining = newer_syntax(source, _fails(source))
    assert isinstance(remaining, SyntaxError) and remaining.lineno == 4


def _parse(tmp_path: Path, text: str) -> object:
    path = tmp_path / "mod.py"
    path.write_text(text, encoding="utf-8")
    return parse(SourceFile("mod.py", path, FileKind.PYTHON))


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="PEP 695 parses here")
def test_parser_raises_a_notice_naming_both_versions(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as info:
        _parse(tmp_path, "import os\n\ntype Vector = list[float]\n")
    error = info.value
    assert error.notice and error.code == "newer-python-syntax" and error.line == 3
    assert error.message == (f"uses syntax newer than Python {RUNNING} that runs mlaudit "
                             "(a PEP 695 type statement, Python 3.12+); not analysed")


def test_parser_raises_an_error_for_a_real_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as info:
        _parse(tmp_path, "x = 1\ndef predict(payload)\n    return payload\n")
    assert not info.value.notice and info.value.code == "parse-error"
    assert info.value.line == 2 and info.value.message.startswith("Python syntax error")
