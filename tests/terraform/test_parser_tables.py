"""The HCL parser comes from tables shipped as JSON: no pickle is ever loaded, and nothing
in the temporary directory (where Lark's own cache would sit) is read or run."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from mlaudit.parsers import hcl_tables
from tests.helpers import FIXTURES

REPO = Path(__file__).resolve().parents[2]


def test_shipped_tables_match_the_installed_grammar() -> None:
    stored = json.loads(hcl_tables.TABLES.read_text(encoding="utf-8"))
    if stored["identity"] != hcl_tables.grammar_identity():
        pytest.skip("python-hcl2 or Lark changed: run `python -m mlaudit.parsers.hcl_tables` "
                    "(until then the parser is built from the grammar, slowly)")
    assert {"identity", "data", "memo"} <= set(stored)


def test_tables_parse_like_the_grammar() -> None:
    shipped = hcl_tables.load_parser()
    built = hcl_tables._build(cache=False)
    files = sorted((FIXTURES / "projects").rglob("*.tf"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8") + "\n"
        assert shipped.parse(text) == built.parse(text), path


class _Plant:
    """Unpickling this writes a marker file: the proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))  # opening for writing creates the marker


def test_a_planted_lark_cache_in_the_temporary_directory_never_runs(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": str(temp),
           "PYTHONPATH": ":".join(str(REPO / d) for d in ("linter", "rules", "reports"))}
    # Let Lark write its own cache where it would look for it (the name it derives from
    # the user, the grammar and the Python version), then replace it with a payload.
    subprocess.run([sys.executable, "-c", "import hcl2.parser; from lark import Lark; "
                    "from hcl2.postlexer import PostLexer; Lark.open('hcl2.lark', "
                    "parser='lalr', rel_to=hcl2.parser.__file__, propagate_positions=False, "
                    "postlex=PostLexer(), cache=True)"], env=env, check=True, timeout=120)
    planted = [p for p in temp.iterdir() if p.name.startswith(".lark_cache")]
    assert planted, "Lark wrote no cache: the test cannot plant one"
    marker = tmp_path / "planted-code-ran"
    for path in planted:  # Lark reads a header line, then unpickles what follows
        header = path.read_bytes().split(b"\n", 1)[0]
        path.write_bytes(header + b"\n" + pickle.dumps(_Plant(marker)))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n',
                                  encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mlaudit", "scan", str(repo), "--root",
                           str(repo), "--no-cache", "--fail-on", "none"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()


def _outcome(parser: object, text: str) -> tuple[str, object]:
    from lark.exceptions import LarkError

    try:
        return "tree", parser.parse(text)  # type: ignore[attr-defined]
    except LarkError as exc:
        return type(exc).__name__, (str(exc), getattr(exc, "line", None),
                                    getattr(exc, "column", None))


_BROKEN = [
    'resource "a" "b" {\n  x = \n}\n',
    'resource "a" "b" {\n',
    'x = [1, 2,, 3]\n',
    'x = "unterminated\n',
    'a = 1 +\n',
    '}\n',
    'x = { a = 1 b = 2 }\n',
    'x = 1 ? 2\n',
    '@@@\n',
    '',
    '\n\n# only a comment\n',
]


def test_the_flattened_parse_loop_builds_lark_s_trees_and_raises_lark_s_errors() -> None:
    """`FastParser` (Lark's loop over a flattened table) against Lark's own loop on the
    same tables: the same tree for every Terraform fixture and templated expression, the
    same exception, message and position for broken input."""
    lark_parser = hcl_tables.load_parser()
    fast = hcl_tables.FastParser(lark_parser)
    texts = [p.read_text(encoding="utf-8") + "\n" for p in sorted(FIXTURES.rglob("*.tf"))]
    assert len(texts) > 50
    texts += [f"_ = {e}\n" for e in ("a.b[0].c", "x ? y : z", "-1 + 2 * 3", "f(a...)",
                                       "[for k, v in m : v if k != \"\"]",
                                       "{ for k in l : k => upper(k) }", "a.*.b", "!x && y")]
    texts += ['x = <<EOT\nhello ${var.a}\nEOT\n', 'x = <<-EOT\n  a\n  b\n  EOT\n']
    for text in texts + _BROKEN:
        assert _outcome(fast, text) == _outcome(lark_parser, text), text[:200]
    assert sum(_outcome(lark_parser, t)[0] != "tree" for t in _BROKEN) >= 8
