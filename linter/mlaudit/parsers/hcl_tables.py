"""python-hcl2's LALR parser, built from tables shipped with mlaudit as plain JSON data.

Building the grammar takes seconds, so python-hcl2 and Lark cache the built parser, as a
pickle: Lark's `cache=True` under a predictable name in the shared temporary directory,
which whoever writes it first turns into code run by the next scan. mlaudit never loads
a pickle: the tables ship in `hcl_tables.json` (generated from the grammar of the
python-hcl2 release it depends on, `python -m mlaudit.parsers.hcl_tables` rewrites it),
and are decoded with `json`. When the installed grammar or Lark differs from the one the
tables were built from, the parser is built from the grammar instead (slow, never
cached on disk).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

TABLES = Path(__file__).with_name("hcl_tables.json")


def grammar_identity() -> dict[str, str]:
    """What the tables depend on: the installed grammar text and Lark's version."""
    import hcl2.parser
    import lark

    grammar = Path(hcl2.parser.__file__).with_name("hcl2.lark").read_bytes()
    return {"grammar_sha256": hashlib.sha256(grammar).hexdigest(), "lark": lark.__version__}


def _encode(value: Any) -> Any:
    """JSON has no tuples, sets or non-string keys: tag them so `_decode` restores them."""
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"__map__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"__set__": [_encode(v) for v in sorted(value, key=repr)]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} in the parser tables")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "__map__" in obj:
            return {key: value for key, value in obj["__map__"]}
        if "__tuple__" in obj:
            return tuple(obj["__tuple__"])
        if "__set__" in obj:
            return set(obj["__set__"])
    return obj


def _build(**options: Any) -> Any:
    import hcl2.parser
    from hcl2.postlexer import PostLexer
    from lark import Lark

    return Lark.open("hcl2.lark", parser="lalr", rel_to=hcl2.parser.__file__,
                     propagate_positions=False, postlex=PostLexer(), **options)


def tables_data() -> dict[str, Any]:
    """The parser, built from the installed grammar, as storable data."""
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = _build(cache=False).memo_serialize([TerminalDef, Rule])
    data["options"].pop("postlex", None)  # an object: given again when loading
    return {"identity": grammar_identity(), "data": _encode(data), "memo": _encode(memo)}


def load_parser() -> Any:
    """The parser from the shipped tables; built from the grammar when they do not match
    the installed python-hcl2 and Lark (never from, or into, a disk cache)."""
    from hcl2.postlexer import PostLexer
    from lark import Lark

    try:
        stored = json.loads(TABLES.read_text(encoding="utf-8"), object_hook=_decode)
    except (OSError, ValueError):
        stored = None
    if isinstance(stored, dict) and stored.get("identity") == grammar_identity():
        load: Any = Lark._load_from_dict  # untyped in Lark: the documented standalone loader
        return load(stored["data"], stored["memo"], postlex=PostLexer())
    return _build(cache=False)


class FastParser:
    """Lark's LALR parse loop over the same lexer, tables and tree callbacks, with the
    parse table flattened for the loop.

    Lark's loop looks up each reduction's tree callback in a dict keyed by `Rule` objects
    whose `__hash__`/`__eq__` are Python methods (the table's rules are other objects than
    the callbacks' keys, so every lookup compares them), and tests every shifted token's
    type against that same dict: a third of the parse of a Terraform file. Here each table
    entry is either the next state (a shift) or (size, goto symbol, callback) (a
    reduction), resolved once. The tokens (Lark's contextual lexer and python-hcl2's
    post-lexer, driven by this loop's state stack as by Lark's) and the trees (Lark's own
    callbacks) are the same; on any error the text is parsed again by Lark itself, so the
    exception and its message are Lark's.
    """

    def __init__(self, lark: Any) -> None:
        from lark.parsers.lalr_analysis import Shift
        from lark.parsers.lalr_parser_state import ParseConf

        self.lark = lark
        frontend = lark.parser
        inner = frontend.parser.parser  # LALR_Parser -> _Parser
        callbacks = inner.callbacks
        self.frontend = frontend
        self.conf = ParseConf(inner.parse_table, callbacks, frontend._verify_start(None))
        self.end_state = self.conf.end_state
        self.token_callbacks = {k: v for k, v in callbacks.items() if isinstance(k, str)}
        rows: dict[Any, dict[str, Any]] = {}
        for state, actions in self.conf.states.items():
            row: dict[str, Any] = {}
            for symbol, (action, arg) in actions.items():
                if action is Shift:
                    if not isinstance(arg, int):
                        raise TypeError("a parse table with non-integer states")
                    row[symbol] = arg
                else:
                    row[symbol] = (len(arg.expansion), arg.origin.name, callbacks[arg])
            rows[state] = row
        self.rows = rows

    def parse(self, text: str) -> Any:
        from lark.exceptions import LarkError

        try:
            return self._parse(text)
        except (LarkError, KeyError, IndexError, ValueError):
            # Errors are rare: Lark's own loop raises its own exception for them.
            return self.lark.parse(text)

    def _parse(self, text: str) -> Any:
        from lark.parsers.lalr_parser_state import ParserState

        stream = self.frontend._make_lexer_thread(text)
        state = ParserState(self.conf, stream)  # the contextual lexer reads its position
        stack = state.state_stack
        values = state.value_stack
        rows = self.rows
        on_token = self.token_callbacks
        for token in stream.lex(state):
            kind = token.type
            while True:
                action = rows[stack[-1]][kind]  # KeyError: not expected, Lark reports it
                if type(action) is int:
                    stack.append(action)
                    values.append(token if kind not in on_token else on_token[kind](token))
                    break
                size, origin, callback = action
                if size:
                    children = values[-size:]
                    del stack[-size:]
                    del values[-size:]
                else:
                    children = []
                values.append(callback(children))
                stack.append(rows[stack[-1]][origin])
        # The end of input: reduce until the start symbol is complete.
        end_state = self.end_state
        while True:
            action = rows[stack[-1]]["$END"]
            if type(action) is int:
                raise ValueError("shift at the end of input")
            size, origin, callback = action
            if size:
                children = values[-size:]
                del stack[-size:]
                del values[-size:]
            else:
                children = []
            values.append(callback(children))
            stack.append(rows[stack[-1]][origin])
            if stack[-1] == end_state:
                return values[-1]


def main() -> int:
    """Rewrite the shipped tables from the installed python-hcl2 (a maintainer's step when
    the dependency's grammar changes)."""
    TABLES.write_text(json.dumps(tables_data(), separators=(",", ":")) + "\n",
                      encoding="utf-8")
    print(f"wrote {TABLES.name} for {grammar_identity()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
