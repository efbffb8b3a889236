"""Content-addressed parse cache, like ruff's: an unchanged file is never parsed twice.

The cache is safe to share (CI caches restored across branches and pull requests):
- Entries are plain JSON data, never pickle: loading one builds only the frozen model
  dataclasses of `mlaudit.models` (and `Span`, `FileKind`, the cached parse error), each
  from an allow-list, each field checked against its annotation. Nothing in an entry can
  name a function or a module to import; a corrupt, tampered or ill-typed entry is a miss,
  the file is parsed again and the entry rewritten.
- No text of the scanned file is stored (so no secret it holds): a string of the model
  that occurs in the file is stored as its offsets into the file, and the text comes from
  the file itself on every scan (the key is a hash of the file's bytes, so the offsets
  always point into the same text). Only strings that are not in the file (computed by a
  parser) and fragments too short to be a secret are stored as they are.
- The directory is 0700 and entries 0600, in a directory owned by the user; a cache
  directory owned by someone else is not used.

Key: sha256 of (cache schema, mlaudit version, a fingerprint of the engine's own source
files, parser id and version, repo path, file bytes). The source fingerprint (size and
mtime of every module of the `mlaudit` package) means a changed model class never receives
an entry of its old shape, even when nobody bumped a PARSER_VERSION.
Entries are written to a temporary file and renamed into place, so concurrent runs never
see a half-written entry. Layout: `<dir>/data-v<SCHEMA>/<key[:2]>/<key>.json`; the
pickles of earlier versions (`<dir>/v<version>/`) are never opened.
The cache lives outside the scanned tree (a pre-commit hook must not write into the
repository): --cache-dir, else $MLAUDIT_CACHE_DIR, else $XDG_CACHE_HOME/mlaudit, else
~/.cache/mlaudit.
"""

from __future__ import annotations

import dataclasses
import enum
import gc
import hashlib
import importlib
import json
import os
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlaudit import __version__
from mlaudit.span import Span

SCHEMA = 1  # bump when the entry format below changes


def default_cache_dir() -> Path:
    explicit = os.environ.get("MLAUDIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlaudit"


def code_fingerprint(package: Path | None = None) -> str:
    """Size and mtime of every module of an installed package (default: `mlaudit`),
    hashed; once per process (the parse cache and the incremental record both ask)."""
    package = package or Path(__file__).resolve().parent
    known = _FINGERPRINTS.get(package)
    if known is None:
        known = _FINGERPRINTS[package] = _fingerprint(package)
    return known


_FINGERPRINTS: dict[Path, str] = {}


def _fingerprint(package: Path) -> str:
    digest = hashlib.sha256()
    for module in sorted(package.rglob("*.py")):
        try:
            stat = module.stat()
        except OSError:
            continue
        digest.update(f"{module.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class CachedError:
    """A file that failed to parse: cached too, so a broken file is not re-parsed."""

    path: str
    message: str
    line: int
    column: int
    notice: bool = False  # the file is fine, mlaudit could not read it (newer syntax)
    code: str = "parse-error"


class Invalid(Exception):
    """An entry that is not what this version of mlaudit writes: treated as a miss."""


# A compiled constructor: entry node -> instance. What it needs of the entry being
# decoded (the file's text and path, the entry's class table, the generic `build`) is
# set in its module namespace by `decode`: one argument per call, on the hottest path.
_Maker = Callable[[list[Any]], Any]


# --- the allow-list: the only classes an entry can build --------------------------------

_ALLOWED_MODULES = ("mlaudit.span", "mlaudit.sources", "mlaudit.cache")
_MODELS_PACKAGE = "mlaudit.models."


def _allowed_module(name: str) -> bool:
    if name in _ALLOWED_MODULES:
        return True
    # Only the model modules that ship with mlaudit: a dotted name cannot climb out.
    tail = name[len(_MODELS_PACKAGE):] if name.startswith(_MODELS_PACKAGE) else ""
    return bool(tail) and tail.isidentifier() and (
        Path(__file__).resolve().parent / "models" / f"{tail}.py").is_file()


class _Schema:
    """How to build one class from an entry: a constructor that checks every argument.

    The checks are compiled from the class's own field annotations (never from entry
    data) into one function per class: a warm run builds hundreds of thousands of model
    objects, and a generic checker walking the annotations per value costs several times
    more."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.is_enum = issubclass(cls, enum.Enum)
        self.names: tuple[str, ...] = ()
        self.make: _Maker = _not_a_dataclass
        self.namespace: dict[str, Any] = {}
        if not self.is_enum:
            fields = [f for f in dataclasses.fields(cls) if f.init]
            try:
                hints = typing.get_type_hints(cls)
            except Exception as exc:  # an annotation that does not resolve: never cached
                raise Invalid(f"{cls.__name__}: {exc}") from None
            self.names = tuple(f.name for f in fields)
            self.make, self.namespace = _compile(cls, [hints.get(f.name, Any) for f in fields])


def _not_a_dataclass(node: list[Any]) -> Any:
    raise Invalid("enum used as a class")


_SCHEMAS: dict[str, _Schema] = {}


def _schema(name: str) -> _Schema:
    found = _SCHEMAS.get(name)
    if found is not None:
        return found
    module_name, _, qualname = name.partition(":")
    if not _allowed_module(module_name) or not qualname.isidentifier():
        raise Invalid(f"class {name!r} is not a model class")
    module = importlib.import_module(module_name)
    cls = module.__dict__.get(qualname)
    if not isinstance(cls, type) or cls.__module__ != module_name or not (
            dataclasses.is_dataclass(cls) or issubclass(cls, enum.Enum)):
        raise Invalid(f"class {name!r} is not a model class")
    if dataclasses.is_dataclass(cls) and not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise Invalid(f"class {name!r} is not frozen")
    schema = _SCHEMAS[name] = _Schema(cls)
    return schema


def _class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


class _Expr:
    """Builds a Python expression that is true when a value matches an annotation."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {"Invalid": Invalid}
        self.depth = 0

    def bind(self, value: Any) -> str:
        for name, bound in self.names.items():
            if bound is value:
                return name
        name = f"_c{len(self.names)}"
        self.names[name] = value
        return name

    def each(self, hint: Any, collection: str) -> str:
        types = _plain_types(hint)
        if types is not None:
            # Every member's exact type in a set, checked in C: no generator per member.
            return f"{self.bind(types)}.issuperset(map(type, {collection}))"
        self.depth += 1
        var = f"_x{self.depth}"
        body = self.expr(hint, var)
        self.depth -= 1
        return "True" if body == "True" else f"all({body} for {var} in {collection})"

    def expr(self, hint: Any, v: str) -> str:
        if hint is Any or hint is object:
            return "True"
        if hint is None or hint is type(None):
            return f"{v} is None"
        if hint is int:
            return f"type({v}) is int"
        if hint is float:
            return f"type({v}) in (int, float)"
        if hint in (str, bool):
            return f"type({v}) is {hint.__name__}"
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if isinstance(hint, type) and origin is None:
            plain = _plain_types(hint)
            if plain is None:  # an abstract type (Mapping): a dict is one without being one
                return f"isinstance({v}, {self.bind(hint)})"
            return f"type({v}) in {self.bind(plain)}"
        if origin is typing.Union or origin is types.UnionType:
            plain = _plain_types(hint)
            if plain is not None:  # a union of classes (Expr): one set lookup
                return f"type({v}) in {self.bind(plain)}"
            options = [self.expr(a, v) for a in args]
            return "True" if "True" in options else "(" + " or ".join(options) + ")"
        if origin is typing.Literal:
            return f"{v} in {self.bind(tuple(args))}"
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return f"(type({v}) is tuple and {self.each(args[0], v)})"
            if not args:
                return f"type({v}) is tuple"
            parts = [self.expr(a, f"{v}[{i}]") for i, a in enumerate(args)]
            return (f"(type({v}) is tuple and len({v}) == {len(args)} and "
                    + " and ".join(parts) + ")")
        if origin in (list, frozenset, set):
            item = self.each(args[0], v) if args else "True"
            return f"(type({v}) is {origin.__name__} and {item})"
        if origin is dict:
            if not args:
                return f"type({v}) is dict"
            keys, values = self.each(args[0], v), self.each(args[1], f"{v}.values()")
            return f"(type({v}) is dict and {keys} and {values})"
        if isinstance(origin, type):
            return f"isinstance({v}, {self.bind(origin)})"
        return "True"  # a TypeVar or a construct the models do not use


# Span fields of a position in the file itself arrive as ["s", line, column, end_line,
# end_column] and strings of the file as ["r", start, end]: the commonest nodes by far, so
# the makers below build them inline instead of through `build` and the generic checks.
_SPAN_SLOTS = tuple(Span.__dict__[n].__set__ for n in
                    ("path", "line", "column", "end_line", "end_column"))


def _setters(cls: type) -> tuple[Callable[[Any, Any], None], ...] | None:
    """The slot setters of a frozen dataclass whose generated `__init__` does nothing but
    store its arguments (no `__post_init__`, every field in `__init__`): such an object is
    built by storing each field through its slot, half the cost of the constructor (a
    warm run builds hundreds of thousands). None: build it with its constructor."""
    if hasattr(cls, "__post_init__") or "__slots__" not in cls.__dict__:
        return None
    fields = dataclasses.fields(cls)
    if not all(f.init for f in fields):
        return None
    found = []
    for f in fields:
        slot = getattr(cls, f.name, None)
        if not isinstance(slot, types.MemberDescriptorType):
            return None
        found.append(slot.__set__)
    return tuple(found)


_SPAN_CODE = ("_, x, y, z, w = {v}",
              "if not (type(x) is int and type(y) is int and type(z) is int and type(w) is int):",
              "    raise Invalid('bad position')",
              "{v} = _new(_Span)",
              # What Span.__post_init__ does: positions are at least 1.
              "_sp({v}, p); _sl({v}, x if x > 0 else 1); _sc({v}, y if y > 0 else 1); "
              "_sel({v}, z); _sec({v}, w)")
_REF_CODE = ("_, x, y = {v}",
             "if type(x) is not int or type(y) is not int or not 0 <= x <= y <= len(t):",
             "    raise Invalid('bad text reference')",
             "{v} = t[x:y]")


def _classes_only(hint: Any) -> bool:
    """True when every value of `hint` is a dataclass instance (encoded `[index, ...]`)."""
    plain = _plain_types(hint)
    return bool(plain) and all(dataclasses.is_dataclass(c) for c in plain or ())


def _decoder_lines(hint: Any, v: str, indent: str) -> list[str]:
    """Statements turning the encoded list in `v` into its value, for a field of `hint`:
    the common nodes inline, the rest through the generic `b` (build)."""
    plain = _plain_types(hint) or frozenset()
    out: list[str] = []
    if str in plain or hint is Any:
        out += [f"{indent}if len({v}) == 3 and {v}[0] == 'r':"]
        out += [f"{indent}    {line.format(v=v)}" for line in _REF_CODE]
        out += [f"{indent}el"]
    if Span in plain:
        out += [f"{indent}if len({v}) == 5 and {v}[0] == 's':"]
        out += [f"{indent}    {line.format(v=v)}" for line in _SPAN_CODE]
        out += [f"{indent}el"]
    if plain and any(dataclasses.is_dataclass(c) for c in plain):
        # A class node: its maker straight away (index checked: negative would wrap).
        out += [f"{indent}if type({v}[0]) is int and {v}[0] >= 0:",
                f"{indent}    {v} = m[{v}[0]]({v})",
                f"{indent}el"]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and _classes_only(args[0]):
        # A tuple of objects, the shape of every body and argument list.
        out += [f"{indent}if {v}[0] == 't':",
                f"{indent}    {v} = tuple([m[x[0]](x) if type(x[0]) is int and x[0] >= 0 "
                f"else b(x) for x in {v}[1:]])",
                f"{indent}el"]
    if not out:
        return [f"{indent}{v} = b({v})"]
    out[-1] += "se:"
    out.append(f"{indent}    {v} = b({v})")
    return _join_elif(out)


def _join_elif(lines: list[str]) -> list[str]:
    """A line that is just "el" joins the next: "if ..." -> "elif ...", "se:" -> "else:"."""
    joined: list[str] = []
    pending = False
    for line in lines:
        if line.endswith("el") and line.strip() == "el":
            pending = True
            continue
        if pending:
            stripped = line.lstrip()
            joined.append(line[:len(line) - len(stripped)] + "el" + stripped)
            pending = False
        else:
            joined.append(line)
    return joined


def _compile(cls: type, hints: list[Any]) -> tuple[_Maker, dict[str, Any]]:
    """`make(node)`: the instance of `cls` from its entry node `[index, *fields]` (a field
    that is a list is built first), or Invalid when a field does not match; and the
    namespace `decode` sets the entry's context in."""
    exprs = _Expr()
    exprs.names.update(zip(("_sp", "_sl", "_sc", "_sel", "_sec"), _SPAN_SLOTS, strict=True))
    exprs.names.update(_new=object.__new__, _Span=Span)
    args = [f"a{i}" for i in range(len(hints))]
    klass = exprs.bind(cls)
    lines = ["def make(node):",
             f"    if len(node) != {len(args) + 1}:",
             f"        raise Invalid('{cls.__name__}: wrong number of fields')"]
    if args:
        lines.append(f"    _, {', '.join(args)}, = node")
    bad = f"raise Invalid('{cls.__name__}: ill-typed field')"
    for hint, arg in zip(hints, args, strict=True):
        check = exprs.expr(hint, arg)
        if _scalar(hint):  # int, bool, None: never encoded as a list
            if check != "True":
                lines.append(f"    if not ({check}): {bad}")
            continue
        lines.append(f"    if type({arg}) is list:")
        lines += _decoder_lines(hint, arg, "        ")
        if check != "True":
            # Checked after building too: a node can build any allowed class.
            lines += [f"        if not ({check}): {bad}", f"    elif not ({check}): {bad}"]
    setters = _setters(cls)
    if setters is None:
        lines.append(f"    return {klass}({', '.join(args)})")
    else:
        exprs.names["_set"] = setters
        lines.append(f"    o = _new({klass})")
        lines += [f"    _set[{i}](o, {arg})" for i, arg in enumerate(args)]
        lines.append("    return o")
    namespace = dict(exprs.names)
    namespace.update(t="", p="", m=(), b=None)
    # The source is built from the model classes' annotations only, never from an entry.
    exec(compile("\n".join(lines) + "\n", f"<mlaudit cache: {cls.__name__}>", "exec"),
         namespace)
    make: _Maker = namespace["make"]
    return make, namespace


def _plain_types(hint: Any) -> frozenset[type] | None:
    """The exact types a value of `hint` may have, when `hint` is a class or a union of
    classes (subclasses included); None for generics that need a deeper check."""
    if hint is None or hint is type(None):
        return frozenset({type(None)})
    if hint is int:
        return frozenset({int})  # not bool: True is no line number
    if hint is float:
        return frozenset({int, float})
    if hint in (str, bool, bytes):
        return frozenset({hint})
    if isinstance(hint, type) and typing.get_origin(hint) is None and (
            dataclasses.is_dataclass(hint) or issubclass(hint, enum.Enum)):
        found: set[type] = set()
        pending = [hint]
        while pending:
            cls = pending.pop()
            if cls not in found:
                found.add(cls)
                pending.extend(cls.__subclasses__())
        return frozenset(found)
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        parts = [_plain_types(a) for a in typing.get_args(hint)]
        if all(p is not None for p in parts):
            return frozenset().union(*[p for p in parts if p is not None])
    return None


def _scalar(hint: Any) -> bool:
    """True for annotations whose values are never encoded as a list (int, bool, None)."""
    if hint in (int, float, bool, type(None), None):
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return all(_scalar(a) for a in typing.get_args(hint))
    return False


# --- encoding ---------------------------------------------------------------------------

# A string that is not in the file as a whole is stored as runs: each token of it that is
# in the file as its offsets, the rest (separators, computed text) as it is.
_TOKEN = re.compile(r"[^\s\"'`,;(){}\[\]<>|]{4,}")
_PIECE = re.compile(r"[^=:@/?&#%+]{4,}")
_SHORT = 4  # shorter strings are stored as they are: too short to be a secret


class _Encoder:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.hint = 0
        self.classes: dict[type, int] = {}
        self.strings: dict[str, Any] = {}

    def cls(self, cls: type) -> int:
        index = self.classes.get(cls)
        if index is None:
            index = self.classes[cls] = len(self.classes)
        return index

    def string(self, value: str) -> Any:
        if len(value) < _SHORT:
            return value
        known = self.strings.get(value)
        if known is not None:
            return known
        text = self.text
        at = text.find(value, self.hint)
        if at < 0:
            at = text.find(value)
        if at >= 0:
            # Most strings appear in file order: search from the last hit first.
            self.hint = at
            encoded: Any = ["r", at, at + len(value)]
        else:
            encoded = self.runs(value)
        self.strings[value] = encoded
        return encoded

    def runs(self, value: str) -> Any:
        """`value` as literal runs and references to the tokens of it that are in the file.

        A token not in the file as a whole (`KEY=value` built from `KEY: value`) is split
        again at the separators of assignments and URLs, and its pieces looked up."""
        text = self.text
        parts: list[Any] = ["c"]
        last = 0
        found = False
        for match in _TOKEN.finditer(value):
            token = match.group()
            where = text.find(token)
            if where >= 0:
                pieces = [(match.start(), where, len(token))]
            else:
                pieces = []
                for sub in _PIECE.finditer(token):
                    at = text.find(sub.group())
                    if at >= 0:
                        pieces.append((match.start() + sub.start(), at, len(sub.group())))
            for start, where, length in pieces:
                if start > last:
                    parts.append(value[last:start])
                parts.append([where, where + length])
                last = start + length
                found = True
        if not found:
            return value
        if last < len(value):
            parts.append(value[last:])
        return parts

    def encode(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return self.string(value)
        if value is None or kind is bool or kind is int or kind is float:
            return value
        if kind is tuple:
            return ["t", *[self.encode(v) for v in value]]
        if kind is list:
            return ["l", *[self.encode(v) for v in value]]
        if kind is dict:
            out: list[Any] = ["d"]
            for key, item in value.items():
                out.append(self.encode(key))
                out.append(self.encode(item))
            return out
        if kind is frozenset:
            return ["f", *[self.encode(v) for v in value]]
        if isinstance(value, enum.Enum):
            return ["e", self.cls(kind), self.encode(value.value)]
        if kind is Span and value.path == self.path:
            # The commonest object by far: a position in the file itself, stored as 4 ints.
            return ["s", value.line, value.column, value.end_line, value.end_column]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = _schema(_class_name(kind)).names
            return [self.cls(kind), *[self.encode(getattr(value, n)) for n in names]]
        raise Invalid(f"cannot cache a {kind.__name__}")


def encode(value: Any, text: str, path: str = "") -> dict[str, Any]:
    """The JSON document of an entry for the file at repo path `path` holding `text`;
    raises Invalid for a value it cannot represent."""
    encoder = _Encoder(text, path)
    body = encoder.encode(value)
    classes = [_class_name(c) for c, _ in sorted(encoder.classes.items(), key=lambda i: i[1])]
    return {"schema": SCHEMA, "size": len(text), "classes": classes, "value": body}


def decode(document: Any, text: str, path: str = "") -> Any:
    """Rebuild the value of an entry. Raises Invalid for anything this version did not write."""
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise Invalid("not an entry of this cache schema")
    if document.get("size") != len(text):
        raise Invalid("entry of another file")
    names = document.get("classes")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise Invalid("bad class table")
    schemas = [_schema(n) for n in names]
    makers = [s.make for s in schemas]
    count = len(schemas)
    size = len(text)

    def ref(a: Any, b: Any) -> str:
        if type(a) is not int or type(b) is not int or not 0 <= a <= b <= size:
            raise Invalid("bad text reference")
        return text[a:b]

    def build(node: Any) -> Any:
        # Leaves (str, int, float, bool, None) are returned by the callers without a call:
        # only lists reach here. Hot: a warm run of a large repository comes through here
        # a million times.
        tag = node[0] if node else None
        if type(tag) is int:
            if not 0 <= tag < count:
                raise Invalid("bad class index")
            return makers[tag](node)
        if tag == "s":
            if len(node) != 5:
                raise Invalid("bad position")
            _, line, column, end_line, end_column = node
            if not (type(line) is int and type(column) is int and type(end_line) is int
                    and type(end_column) is int):
                raise Invalid("bad position")
            return Span(path, line, column, end_line, end_column)
        if tag == "r":
            if len(node) != 3:
                raise Invalid("bad text reference")
            a, b = node[1], node[2]
            if type(a) is not int or type(b) is not int or not 0 <= a <= b <= size:
                raise Invalid("bad text reference")
            return text[a:b]
        if tag == "t":
            return tuple([x if type(x) is not list else build(x) for x in node[1:]])
        if tag == "c":
            return "".join([x if type(x) is str else ref(*x) if type(x) is list and len(x) == 2
                            else _bad(x) for x in node[1:]])
        if tag == "l":
            return [x if type(x) is not list else build(x) for x in node[1:]]
        if tag == "d":
            items = [x if type(x) is not list else build(x) for x in node[1:]]
            if len(items) % 2:
                raise Invalid("odd mapping")
            return dict(zip(items[::2], items[1::2], strict=True))
        if tag == "f":
            return frozenset([x if type(x) is not list else build(x) for x in node[1:]])
        if tag == "e":
            if len(node) != 3 or type(node[1]) is not int or not 0 <= node[1] < count:
                raise Invalid("bad enum")
            schema = schemas[node[1]]
            if not schema.is_enum:
                raise Invalid("class used as an enum")
            try:
                return schema.cls(node[2])
            except (ValueError, TypeError):
                raise Invalid("bad enum value") from None
        raise Invalid("unknown tag")

    value = document.get("value")
    if type(value) is dict:
        raise Invalid("unexpected object")
    context = {"t": text, "p": path, "m": makers, "b": build}
    for schema in schemas:
        schema.namespace.update(context)
    try:
        return build(value) if type(value) is list else value
    except (TypeError, IndexError, RecursionError) as exc:
        # An unhashable key, a nested JSON object, an empty node or a class index past
        # the table.
        raise Invalid(str(exc)) from None


def _bad(part: Any) -> str:
    raise Invalid("bad string part")


# --- the store --------------------------------------------------------------------------


def _private_directory(root: Path, directory: Path) -> bool:
    """Create `directory` (mlaudit's own, inside the chosen cache `root`) 0700; False when
    it is not the user's alone.

    The root is created 0700 when missing but never changed when it exists: it is whatever
    the user named (it may be /tmp). What is private is mlaudit's directory inside it: a
    copy planted there by another user (or a link to one) is not used at all."""
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        directory.mkdir(exist_ok=True, mode=0o700)
        stat = directory.stat()
        if hasattr(os, "geteuid") and stat.st_uid != os.geteuid():
            return False  # someone else's directory: whatever is in it is not ours to trust
        if stat.st_mode & 0o077:
            directory.chmod(0o700)
    except OSError:
        return False
    return True


class ParseCache:
    def __init__(self, directory: Path | None) -> None:
        self.root = directory
        self.directory = directory / f"data-v{SCHEMA}" if directory is not None else None
        self.code = code_fingerprint() if directory is not None else ""
        self._usable: bool | None = None

    def _ready(self) -> bool:
        if self._usable is None:
            assert self.root is not None and self.directory is not None
            self._usable = _private_directory(self.root, self.directory)
        return self._usable

    def key(self, parser_id: str, path: str, content: bytes) -> str:
        digest = hashlib.sha256()
        for part in (str(SCHEMA).encode(), __version__.encode(), self.code.encode(),
                     parser_id.encode(), path.encode()):
            digest.update(part)
            digest.update(b"\0")
        digest.update(content)
        return digest.hexdigest()

    def _file(self, key: str) -> Path | None:
        if self.directory is None or not self._ready():
            return None
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, text: str, path: str) -> Any | None:
        target = self._file(key)
        if target is None:
            return None
        # No garbage collection while an entry is built: it allocates hundreds of objects
        # and frees none, and every collection the allocations would trigger walks the
        # models of all the files loaded before it (a third of the time of a warm run).
        collecting = gc.isenabled()
        gc.disable()
        try:
            with target.open("rb") as handle:
                document = json.loads(handle.read())
            return decode(document, text, path)
        except (OSError, ValueError, Invalid):
            return None  # missing, corrupt, tampered or stale: a miss, parsed again
        finally:
            if collecting:
                gc.enable()

    def put(self, key: str, value: Any, text: str, path: str) -> None:
        target = self._file(key)
        if target is None:
            return
        try:
            data = json.dumps(encode(value, text, path), separators=(",", ":"), ensure_ascii=False,
                              check_circular=False)
        except (Invalid, ValueError, RecursionError):
            return  # a value the format cannot hold is simply not cached
        from mlaudit.atomic import write_private

        write_private(target, data)
