"""Python parser: the standard library's `ast`. Scanned code is parsed, never imported.

One walk over the tree records serving facts (apps, routes, launches, model loads, boto3
clients, string literals) with the enclosing function and whether a load is cached. Callee
names are resolved through the module's imports; values through module-level constants and
`os.environ.get(NAME, default)` defaults. Anything else is left unknown ("cannot tell").
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from mlaudit.models.python_source import (
    APP_CLASSES,
    BOOSTER_LOADERS,
    MODEL_LOADERS,
    App,
    Boto3Call,
    CodeLaunch,
    EnvRead,
    Function,
    ModelLoad,
    PythonModule,
    Route,
    RouterInclude,
    StringLiteral,
)
from mlaudit.models.sagemaker import SageMakerDeploys
from mlaudit.parsers import ParseError
from mlaudit.sources import MODEL_ARTIFACT_SUFFIXES, SourceFile
from mlaudit.span import Span

PARSER_VERSION = "12"

_VERBS = {"get", "post", "put", "delete", "patch", "head", "options", "trace"}

_S3_METHODS = {"download_file", "download_fileobj", "get_object"}
# What else a function may do with a downloaded file: unpack it or send it on.
_EXTRACTORS = {"zipfile.ZipFile", "tarfile.open", "tarfile.TarFile", "shutil.unpack_archive",
               "py7zr.SevenZipFile"}
_EXTRACT_COMMANDS = ("unzip", "tar", "7z", "gunzip")
_UPLOADS = {"upload_file", "upload_fileobj", "put_object", "copy", "copy_object",
            "create_commit", "put_file"}
# Web responses that return a file to the client as it is.
_SENDS = {"FileResponse", "send_file", "send_from_directory"}
_CACHE_DECORATORS = {"lru_cache", "cache", "cached", "cached_property", "alru_cache"}
_STARTUP_DECORATORS = {"before_first_request", "before_serving", "on_startup"}
_CREDENTIAL_KWARGS = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}


def _const_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _kw(call: ast.Call, *names: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg in names), None)


def _arg(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    return call.args[index] if len(call.args) > index else _kw(call, *names)


@dataclass
class _Frame:
    name: str | None
    cached: str = ""  # why results of this function persist: lru_cache | startup | ""
    globals: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)


@dataclass
class _Download:
    """An S3 download, a model load only if what it fetches is then used as one."""

    call: str
    span: Span
    function: str | None
    reason: str
    target: str | None
    dest: str | None  # the local file / file object / response it produces (unparsed)
    named_model: bool  # its key or file name looks like a model artifact
    model_archive: bool  # a model archive (model.tar.gz, a weights file): unpacked to load


@dataclass
class _Use:
    """A call that consumes values: `kind` load | extract | upload; `exprs` every
    sub-expression of its arguments (and receiver), unparsed."""

    kind: str
    function: str | None
    exprs: frozenset[str]


@dataclass
class _Site:
    callee: str
    function: str | None
    cached: bool


class _Walker:
    def __init__(self, source: SourceFile, tree: ast.Module) -> None:
        self.path, self.lines = source.path, source.text.splitlines()
        self.aliases: dict[str, str] = {}
        self.imports: list[str] = []
        self.constants: dict[str, ast.expr] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports.append(alias.name)
                    local = alias.asname or alias.name.split(".")[0]
                    self.aliases[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                self.imports.append(node.module)
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.ImportFrom) and node.level:
                # Relative imports keep their dots (`from .models import load` ->
                # ".models.load"): rules resolve them against the importing file.
                base = "." * node.level + (f"{node.module}." if node.module else "")
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = base + alias.name
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
                    stmt.targets[0], ast.Name):
                self.constants[stmt.targets[0].id] = stmt.value
        self.frames: list[_Frame] = [_Frame(None)]
        self.targets: list[ast.expr] = []
        self.main_guard = False
        self.mounts: list[str] = []
        self.sessions: set[str] = set()
        self.startup_names: set[str] = set()
        self.sites: list[_Site] = []
        self.apps: list[App] = []
        self.includes: list[RouterInclude] = []
        self.routes: list[Route] = []
        self.launches: list[CodeLaunch] = []
        self.functions: list[Function] = []
        self.loads: list[ModelLoad] = []
        self.downloads: list[_Download] = []
        self.uses: list[_Use] = []
        self.boto3: list[Boto3Call] = []
        self.strings: list[StringLiteral] = []
        self.env_reads: list[EnvRead] = []

    # -- helpers ---------------------------------------------------------------------
    def span(self, node: ast.AST) -> Span:
        line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        end_line, end_col = getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0)
        return Span(self.path, line, self._chars(line, col) + 1, end_line,
                    self._chars(end_line, end_col or 0) + 1 if end_line else 0)

    def _chars(self, line: int, byte_offset: int) -> int:
        """ast columns are UTF-8 byte offsets; spans count characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))

    def name(self, node: ast.AST) -> str | None:
        """The resolved dotted name of a callee: `T.load` -> "torch.load"."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.name(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            base = self.name(node.func)
            return f"{base}()" if base else None
        return None

    def value(self, node: ast.AST | None, depth: int = 0) -> tuple[str | None, str | None]:
        """(literal value, env var overriding it) of an expression; (None, None) = unknown."""
        if node is None or depth > 5:
            return None, None
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)) and not (
                isinstance(node.value, bool)):
            return str(node.value), None
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.value(self.constants[node.id], depth + 1)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and node.values:
            env = self.env_name(node.values[0])
            return self.value(node.values[-1], depth + 1)[0], env
        if isinstance(node, ast.Call):
            callee = self.name(node.func)
            if callee in ("int", "str", "float") and node.args:
                return self.value(node.args[0], depth + 1)
            env = self.env_name(node)
            if env is not None:
                return self.value(_arg(node, 1, "default"), depth + 1)[0], env
        if isinstance(node, ast.Subscript):
            return None, self.env_name(node)
        return None, None

    def env_name(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Call) and self.name(node.func) in (
                "os.environ.get", "os.getenv", "os.environ.setdefault"):
            return _const_str(_arg(node, 0, "key"))
        if isinstance(node, ast.Subscript) and self.name(node.value) == "os.environ":
            return _const_str(node.slice)
        return None

    @property
    def function(self) -> str | None:
        return self.frames[-1].name

    def persisted(self) -> str:
        """Why the value being computed outlives the call ("" = it does not)."""
        frame = self.frames[-1]
        if frame.cached:
            return frame.cached
        for target in self.targets:
            if isinstance(target, ast.Name) and target.id in frame.globals:
                return "global"
            if isinstance(target, (ast.Attribute, ast.Subscript)):
                return "attribute"
        return ""

    # -- walk ------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.visit_function(node)
            return
        if isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.visit_function(member, node.name)
                else:
                    self.visit(member)
            return
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            self.frames[-1].globals.update(node.names)
        elif isinstance(node, ast.If) and self.function is None and _is_main_test(node.test):
            self.main_guard = True
            for stmt in node.body:
                self.visit(stmt)
            self.main_guard = False
            for other in node.orelse:
                self.visit(other)
            return
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value:
            self.visit_assign(node)
            return
        elif isinstance(node, ast.Call):
            self.visit_call(node)
            return
        elif isinstance(node, ast.Dict):
            for key, val in zip(node.keys, node.values, strict=True):
                self.string(_const_str(key), val, "dict")
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            env = self.env_name(node)
            if env:
                self.env_reads.append(EnvRead(env, None, self.span(node), self.function))
        for child in ast.iter_child_nodes(node):
            self.visit(child)

    def visit_assign(self, node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        assert node.value is not None
        for target in targets:
            if isinstance(target, ast.Subscript) and self.name(target.value) == "os.environ":
                self.string(_const_str(target.slice), node.value, "environ")
            elif not isinstance(target, (ast.Tuple, ast.List)):
                self.string(ast.unparse(target), node.value, "assign")
        if isinstance(node.value, ast.Call):
            callee = self.name(node.value.func) or ""
            framework = APP_CLASSES.get(callee)
            if framework:
                prefix_node = _kw(node.value, "prefix", "url_prefix")
                prefix = self.value(prefix_node)[0] if prefix_node is not None else ""
                if prefix is None:
                    prefix = "?"  # given but not a literal (`prefix=settings.API_PREFIX`)
                guards = _names_in(_kw(node.value, "dependencies"))
                for target in targets:
                    self.apps.append(App(ast.unparse(target), framework, self.span(node),
                                         prefix or "", guards))
            if callee in ("boto3.Session", "boto3.session.Session"):
                self.sessions.update(ast.unparse(t) for t in targets)
        saved, self.targets = self.targets, list(targets)
        self.visit(node.value)
        self.targets = saved
        for target in targets:
            self.visit(target)

    def visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef,
                       class_name: str | None = None) -> None:
        decorators = tuple(self.name(d.func if isinstance(d, ast.Call) else d) or ""
                           for d in node.decorator_list)
        cached = "startup" if node.name == "lifespan" else ""
        for deco, text in zip(node.decorator_list, decorators, strict=True):
            last = text.rsplit(".", 1)[-1]
            if last in _CACHE_DECORATORS:
                cached = "lru_cache"
            elif last in _STARTUP_DECORATORS or last == "asynccontextmanager" or (
                    last == "on_event" and isinstance(deco, ast.Call)
                    and _const_str(_arg(deco, 0)) == "startup"):
                cached = "startup"
            if isinstance(deco, ast.Call):
                self.decorator_route(deco, text, node.name)
        args = node.args
        params = [a.arg for a in (*args.posonlyargs, *args.args)]
        params += [f"*{args.vararg.arg}"] if args.vararg else []
        params += [a.arg for a in args.kwonlyargs]
        params += [f"**{args.kwarg.arg}"] if args.kwarg else []
        positional = [*args.posonlyargs, *args.args]
        for arg, default in zip(positional[len(positional) - len(args.defaults):],
                                args.defaults, strict=True):
            self.string(arg.arg, default, "default")
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                self.string(arg.arg, kw_default, "default")
        for deco in node.decorator_list:
            self.visit(deco)
        frame = _Frame(node.name, cached)
        self.frames.append(frame)
        for stmt in node.body:
            self.visit(stmt)
        self.frames.pop()
        refs: list[str] = []
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            refs += _names_in(arg.annotation)
        for default_node in (*args.defaults, *args.kw_defaults):
            refs += _names_in(default_node)
        depends: list[str] = []
        for part in (*args.defaults, *args.kw_defaults,
                     *(a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))):
            depends += self.providers(part)
        self.functions.append(Function(
            node.name, tuple(params), decorators, self.span(node),
            len(self.frames) == 1 and class_name is None,
            isinstance(node, ast.AsyncFunctionDef), class_name, tuple(frame.calls),
            tuple(dict.fromkeys(refs)), tuple(dict.fromkeys(depends))))

    def providers(self, node: ast.AST | None) -> list[str]:
        """The resolved providers of `Depends(get_model)` / `Security(...)` calls inside a
        parameter default or annotation (`Annotated[Model, Depends(get_model)]`)."""
        found: list[str] = []
        for child in ast.walk(node) if node is not None else ():
            if isinstance(child, ast.Call) and (self.name(child.func) or "").rsplit(
                    ".", 1)[-1] in ("Depends", "Security"):
                given = _arg(child, 0, "dependency")
                provider = self.name(given) if given is not None else None
                if provider:
                    found.append(provider)
        return found

    def string(self, name: str | None, node: ast.AST | None, context: str,
               call: str | None = None) -> None:
        text = _const_str(node)
        if name and text is not None and node is not None:
            self.strings.append(StringLiteral(name, text, self.span(node), context,
                                              self.function is None, call))

    def decorator_route(self, deco: ast.Call, text: str, handler: str) -> None:
        if not isinstance(deco.func, ast.Attribute):
            return
        method, receiver = deco.func.attr, ast.unparse(deco.func.value)
        if method not in _VERBS | {"route", "api_route", "websocket"}:
            return
        path = self.value(_arg(deco, 0, "path", "rule"))[0]
        known = any(a.name == receiver for a in self.apps)
        if not known and not (path or "").startswith("/"):
            return  # `@thing.get(...)` on an unknown object without a URL: not a route
        self.routes.append(Route(path, self.methods(deco, method), handler, receiver,
                                 self.span(deco), path,
                                 guards=_names_in(_kw(deco, "dependencies"))))

    def methods(self, call: ast.Call, method: str) -> tuple[str, ...]:
        if method in _VERBS:
            return (method.upper(),)
        if "websocket" in method.lower():
            return ("WEBSOCKET",)
        listed = _kw(call, "methods")
        if isinstance(listed, (ast.List, ast.Tuple, ast.Set)):
            found = [_const_str(e) for e in listed.elts]
            return tuple(m.upper() for m in found if m)
        return ("GET",)

    def visit_call(self, node: ast.Call) -> None:
        callee = self.name(node.func) or ""
        self.frames[-1].calls.append(callee)
        self.sites.append(_Site(callee, self.function, bool(self.persisted())))
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        receiver = ast.unparse(node.func.value) if isinstance(node.func, ast.Attribute) else ""
        for keyword in node.keywords:
            self.string(keyword.arg, keyword.value, "kwarg", callee)
        env = self.env_name(node)
        if env and callee != "os.environ.setdefault":
            default = _arg(node, 1, "default")
            self.env_reads.append(EnvRead(env, self.value(default)[0] if default else None,
                                          self.span(node), self.function))
        if callee in ("os.environ.setdefault", "os.putenv"):
            self.string(_const_str(_arg(node, 0)), _arg(node, 1), "environ")
        self.model_load(node, callee, attr)
        self.boto3_call(node, callee, attr, receiver)
        self.launch(node, callee, attr, receiver)
        self.route_call(node, callee, attr, receiver)
        mount = self.value(_arg(node, 0, "path"))[0] if callee.endswith(
            "starlette.routing.Mount") else None
        if mount is not None:
            self.mounts.append(mount)
        for child in ast.iter_child_nodes(node):
            self.visit(child)
        if mount is not None:
            self.mounts.pop()

    def model_load(self, node: ast.Call, callee: str, attr: str) -> None:
        kind = MODEL_LOADERS.get(callee)
        if callee in BOOSTER_LOADERS and _kw(node, "model_file") is not None:
            kind = BOOSTER_LOADERS[callee]
        elif attr == "from_pretrained":
            root = callee.split(".")[0]
            kind = root.replace("_", "-") if root in ("diffusers", "sentence_transformers",
                                                      "peft") else "transformers"
        elif callee.startswith("mlflow.") and attr == "load_model":
            kind = "mlflow"
        elif attr == "load_model" and kind is None and callee.split(".")[0] not in (
                "keras", "tensorflow", "mlflow"):
            kind = next((k for k in ("xgboost", "catboost", "lightgbm")
                         if any(i.startswith(k) for i in self.imports)), None)
        elif attr in _S3_METHODS:
            self.download(node, callee, attr)
            return
        self.use(node, callee, attr, kind)
        if kind is None:
            return
        reason = self.persisted()
        target = next((s for s in map(_const_str, [*node.args, *(k.value for k in
                                                                 node.keywords)]) if s), None)
        self.loads.append(ModelLoad(callee, kind, self.span(node), self.function,
                                    bool(reason), reason, target))

    def download(self, node: ast.Call, callee: str, attr: str) -> None:
        if attr == "get_object":  # the response: `obj = s3.get_object(...)`
            dest = ast.unparse(self.targets[-1]) if self.targets else None
        else:  # download_file(Bucket, Key, Filename) / Bucket.download_file(Key, Filename)
            node_dest = _kw(node, "Filename", "Fileobj") or (node.args[-1] if node.args else None)
            dest = ast.unparse(node_dest) if node_dest is not None else None
        reason = self.persisted()
        target = next((s for s in map(_const_str, [*node.args, *(k.value for k in
                                                                 node.keywords)]) if s), None)
        self.downloads.append(_Download(callee, self.span(node), self.function, reason, target,
                                        dest, _mentions_model(node), _model_archive(node)))

    def use(self, node: ast.Call, callee: str, attr: str, load_kind: str | None) -> None:
        kind = "load" if load_kind is not None else _consumer_kind(node, callee, attr)
        if not kind:
            return
        parts: list[ast.AST] = [*node.args, *(k.value for k in node.keywords)]
        if isinstance(node.func, ast.Attribute):
            parts.append(node.func.value)  # ZipFile(path).extractall(), open(p).read()
        exprs = frozenset(ast.unparse(n) for part in parts for n in ast.walk(part)
                          if isinstance(n, ast.expr))
        self.uses.append(_Use(kind, self.function, exprs))

    def boto3_call(self, node: ast.Call, callee: str, attr: str, receiver: str) -> None:
        if callee in ("boto3.client", "boto3.resource"):
            factory = attr
        elif callee in ("boto3.Session", "boto3.session.Session"):
            factory = "Session"
        elif attr in ("client", "resource") and receiver in self.sessions:
            factory = attr
        else:
            return
        service = None if factory == "Session" else _const_str(_arg(node, 0, "service_name"))
        literal = any(k.arg in _CREDENTIAL_KWARGS and _const_str(k.value)
                      for k in node.keywords)
        self.boto3.append(Boto3Call(factory, service, tuple(k.arg for k in node.keywords
                                                            if k.arg), self.span(node),
                                    literal, self.function))

    def launch(self, node: ast.Call, callee: str, attr: str, receiver: str) -> None:
        if callee in ("uvicorn.run", "waitress.serve", "hypercorn.run"):
            server = callee.split(".")[0]
        elif attr == "run" and (any(a.name == receiver and a.framework in ("flask", "quart")
                                    for a in self.apps) or (
                _kw(node, "host", "port") is not None and self.imports_flask())):
            server = "flask"
        else:
            return
        app_node = _arg(node, 0, "app") if server != "flask" else None
        app = (_const_str(app_node) or ast.unparse(app_node)) if app_node else receiver
        host_node = _arg(node, 0, "host") if server == "flask" else _kw(node, "host")
        port_node = _arg(node, 1, "port") if server == "flask" else _kw(node, "port")
        host, host_env = self.value(host_node)
        port_value, port_env = self.value(port_node)
        listen = _const_str(_kw(node, "listen"))
        if listen and server == "waitress":
            host, _, port_value = listen.rpartition(":")
        port = int(port_value) if port_value and port_value.isdigit() else None
        self.launches.append(CodeLaunch(
            server, app, self.span(node), host, port, host_env, port_env,
            ast.unparse(port_node) if port_node is not None and port is None else None,
            ast.unparse(host_node) if host_node is not None and host is None else None,
            self.function, self.main_guard))

    def imports_flask(self) -> bool:
        return any(i.split(".")[0] in ("flask", "quart") for i in self.imports)

    def route_call(self, node: ast.Call, callee: str, attr: str, receiver: str) -> None:
        if attr in ("include_router", "register_blueprint") and node.args:
            prefix_node = _kw(node, "prefix", "url_prefix")
            prefix = None if prefix_node is None else self.value(prefix_node)[0] or "?"
            self.includes.append(RouterInclude(receiver, ast.unparse(node.args[0]), prefix,
                                               self.span(node),
                                               _names_in(_kw(node, "dependencies"))))
        elif attr == "add_event_handler" and _const_str(_arg(node, 0)) == "startup":
            hook_node = _arg(node, 1)
            if isinstance(hook_node, ast.Name):
                self.startup_names.add(hook_node.id)
        if callee.split(".")[-1] in ("FastAPI", "Starlette"):
            for hook in getattr(_kw(node, "on_startup"), "elts", []):
                if isinstance(hook, ast.Name):
                    self.startup_names.add(hook.id)
        style, handler_node = "", None  # type: tuple[str, ast.expr | None]
        if attr in ("add_api_route", "add_route", "add_websocket_route"):
            style, handler_node = "add_api_route", _arg(node, 1, "endpoint", "route")
        elif attr == "add_url_rule":
            style, handler_node = "add_url_rule", _arg(node, 2, "view_func")
        elif callee.endswith(("starlette.routing.Route", "starlette.routing.WebSocketRoute")):
            style, handler_node = "starlette", _arg(node, 1, "endpoint")
        if not style:
            return
        local = self.value(_arg(node, 0, "path", "rule"))[0]
        path = "".join(self.mounts) + local if local is not None else None
        handler = ast.unparse(handler_node) if handler_node is not None else None
        method = "websocket" if "WebSocket" in callee or "websocket" in attr else "route"
        self.routes.append(Route(path, self.methods(node, method), handler,
                                 receiver or None, self.span(node), local, style=style))


def _names_in(node: ast.AST | None) -> tuple[str, ...]:
    """Every dotted name inside an expression (`[Depends(auth.verify)]` -> Depends,
    auth.verify), as written: enough to tell what a dependency list checks."""
    if node is None:
        return ()
    found: list[str] = []
    for child in ast.walk(node):
        if isinstance(child, (ast.Name, ast.Attribute)):
            found.append(ast.unparse(child))
    return tuple(dict.fromkeys(found))


def _is_main_test(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__" and len(test.comparators) == 1
            and _const_str(test.comparators[0]) == "__main__")


def _mentions_model(node: ast.Call) -> bool:
    text = " ".join(ast.unparse(a) for a in [*node.args, *(k.value for k in node.keywords)])
    return "model" in text.lower() or any(s in text.lower() for s in MODEL_ARTIFACT_SUFFIXES)


def _consumer_kind(node: ast.Call, callee: str, attr: str) -> str:
    """extract (an archive opened or unpacked, also by `unzip`/`tar`), upload, or ""."""
    if callee in _EXTRACTORS or attr in ("extractall", "unpack_archive"):
        return "extract"
    if (callee.startswith("subprocess.") or callee == "os.system") and any(
            (_const_str(n) or "").split(" ", 1)[0] in _EXTRACT_COMMANDS
            for n in ast.walk(node) if isinstance(n, ast.Constant)):
        return "extract"
    if attr in _UPLOADS or callee.rsplit(".", 1)[-1] in _SENDS:
        return "upload"  # sent on (stored elsewhere, or returned to the client): not loaded
    return ""


def _model_archive(node: ast.Call) -> bool:
    """Fetches SageMaker's model.tar.gz or a weights file (by a literal name anywhere in
    its arguments: `os.path.join(model_dir, "model.tar.gz")`)."""
    parts = [*node.args, *(k.value for k in node.keywords)]
    names = [v.rsplit("/", 1)[-1].lower() for part in parts for v in map(
        _const_str, ast.walk(part)) if v]
    return any(n == "model.tar.gz" or n.endswith(MODEL_ARTIFACT_SUFFIXES) for n in names)


def _downloads_as_loads(walker: _Walker) -> list[ModelLoad]:
    """The S3 downloads that load a model: what they fetch goes to a model loader in the
    same function; else, unless it is unpacked (seed code, a zipped package) or uploaded
    again (a copy), its key or file name looks like a model artifact."""
    out: list[ModelLoad] = []
    for dl in walker.downloads:
        uses = {u.kind for u in walker.uses
                if u.function == dl.function and dl.dest is not None and dl.dest in u.exprs}
        if "load" in uses:
            loads = True
        elif "upload" in uses or ("extract" in uses and not dl.model_archive):
            loads = False
        else:
            loads = dl.named_model
        if loads:
            out.append(ModelLoad(dl.call, "s3", dl.span, dl.function, bool(dl.reason),
                                 dl.reason, dl.target))
    return out


def _prefixed(walker: _Walker) -> list[Route]:
    """Apply router prefixes resolvable within this module."""
    apps = {a.name: a for a in walker.apps}

    def prefix(name: str | None, seen: frozenset[str] = frozenset()) -> tuple[str, bool]:
        app = apps.get(name or "")
        if app is None or name in seen:
            return "", name is None or app is None
        own = app.prefix
        if own == "?":
            return "", False
        include = next((i for i in walker.includes if i.router == name), None)
        if include is None:
            return own, not app.is_router  # a router mounted elsewhere: prefix unknown
        outer, complete = prefix(include.app, seen | {name or ""})
        if include.prefix == "?":
            return outer + own, False
        return outer + (include.prefix or "") + own, complete

    out = []
    for route in walker.routes:
        if route.style == "starlette" or route.local_path is None:
            out.append(route)
            continue
        head, complete = prefix(route.app)
        out.append(Route(head + route.local_path, route.methods, route.handler, route.app,
                         route.span, route.local_path, complete, route.style, route.guards))
    return out


def _settle_loads(walker: _Walker) -> list[ModelLoad]:
    """A load in a helper that only runs once (called at module scope, from a startup hook,
    or with its result stored globally) is cached too."""
    once = set(walker.startup_names)
    cached_funcs = {f.name for f in walker.functions if f.decorators and any(
        d.rsplit(".", 1)[-1] in _CACHE_DECORATORS for d in f.decorators)}
    changed = True
    while changed:
        changed = False
        for function in {f.name for f in walker.functions} - once:
            sites = [s for s in walker.sites if s.callee == function]
            if sites and all(s.function is None or s.cached or s.function in once
                             or s.function in cached_funcs for s in sites):
                once.add(function)
                changed = True
    return [ModelLoad(m.call, m.kind, m.span, m.function, True, "called-once", m.target)
            if not m.cached and m.function in once else m for m in walker.loads]


def _syntax_error(text: str, exc: SyntaxError) -> ParseError:
    """An error for a broken file; a notice for one written for a newer Python."""
    import sys

    from mlaudit.parsers.python_syntax import NewerSyntax, newer_syntax

    try:
        cause = newer_syntax(text, exc)
    except RecursionError:
        cause = None
    if isinstance(cause, NewerSyntax):
        running = f"{sys.version_info[0]}.{sys.version_info[1]}"
        needs = f"{cause.version[0]}.{cause.version[1]}"
        return ParseError(
            f"uses syntax newer than Python {running} that runs mlaudit ({cause.feature}, "
            f"Python {needs}+); not analysed", cause.line, 1, notice=True,
            code="newer-python-syntax")
    real = cause or exc  # with newer constructs rewritten, the error that remains
    return ParseError(f"Python syntax error: {real.msg}", real.lineno or 1, real.offset or 1)


def parse(source: SourceFile) -> PythonModule:
    try:
        tree = ast.parse(source.text, filename=source.path)
    except SyntaxError as exc:
        raise _syntax_error(source.text, exc) from None
    except ValueError as exc:  # e.g. null bytes
        raise ParseError(f"cannot parse Python: {exc}") from None
    walker = _Walker(source, tree)
    for stmt in tree.body:
        walker.visit(stmt)
    walker.loads.extend(_downloads_as_loads(walker))
    walker.loads.sort(key=lambda ld: (ld.span.line, ld.span.column))
    return PythonModule(
        source.path, tuple(walker.imports), tuple(walker.apps), tuple(walker.includes),
        tuple(_prefixed(walker)), tuple(walker.launches),
        tuple(sorted(walker.functions, key=lambda f: (f.span.line, f.span.column))),
        tuple(_settle_loads(walker)), tuple(walker.boto3), tuple(walker.strings),
        tuple(walker.env_reads), _sagemaker(tree, source))


def _sagemaker(tree: ast.Module, source: SourceFile) -> SageMakerDeploys | None:
    from mlaudit.parsers import sagemaker_sdk

    if not sagemaker_sdk.mentions_sagemaker(source.text):
        return None
    return sagemaker_sdk.extract(tree, source.path, "sdk")
