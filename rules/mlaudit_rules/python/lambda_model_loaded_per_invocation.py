"""Lambda handler loads the model on every invocation

## What it flags
A model load (`torch.load`, `*.from_pretrained`, `pipeline(...)`, `joblib.load`,
`pickle.load`, `load_model`, `onnxruntime.InferenceSession`, `SentenceTransformer(...)`, an
S3 download of the model) that runs inside a Lambda handler on every call: in the handler
itself, or in a helper function the handler calls, up to four calls deep, in the same
module or another module of the package (`from .models import load_classifier`,
`from app import models`). The handler is the one the configuration names (Terraform `handler`, SAM
`Handler`, Serverless `handler`, resolved to the file in the function's code directory);
for a file no configuration names, a function `lambda_handler` or one taking
`(event, context)`.

An S3 download (`download_file`, `download_fileobj`, `get_object`) counts as a model load
when what it fetches goes to a model loader in the same function, or else when its key or
file name looks like a model artifact (`.pt`, `.onnx`, `.joblib`, `.pkl`, `.safetensors`,
`model.tar.gz`, "model" in the key).

Not flagged: a download that is unpacked (`zipfile`, `tarfile`, `shutil.unpack_archive`,
`unzip`) or uploaded again (`upload_file`, `put_object`, `create_commit`) and never given to
a model loader, such as a CloudFormation custom resource seeding a repository with
`model-build.zip` (an unpacked `model.tar.gz` or weights file still counts); loads at
module scope; loads behind a cache (a global checked for None,
`functools.lru_cache`, an attribute), also when the cache is in a helper between the
handler and the load; loads in functions the handler does not call (a
training script next to the handler); class methods.

## Why it matters
A Lambda execution environment is reused across invocations, and module scope runs once
per environment. A load inside the handler reads and deserialises the weights on every
request: seconds of latency and memory churn each time, and a timeout under load.

## How to fix
Load at module scope, or behind a module-level cache, so warm invocations reuse it.

## Example
```python
import joblib

def handler(event, context):
    model = joblib.load("/opt/model.joblib")
    return {"score": float(model.predict([event["x"]])[0])}
```

```python
import joblib

MODEL = joblib.load("/opt/model.joblib")

def handler(event, context):
    return {"score": float(MODEL.predict([event["x"]])[0])}
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.python_source import Function, ModelLoad, PythonModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.python._lambda import lambda_functions

RULE = Rule(
    id="MLA601", name="lambda-model-loaded-per-invocation",
    title="Lambda handler loads the model on every invocation",
    severity=Severity.HIGH, category=Category.SERVERLESS, target=PythonModule,
    kind=Kind.RELIABILITY, confidence=Confidence.HIGH, tags=("lambda", "latency"),
    docs=__doc__ or "",
)


def _owner(module: PythonModule, load: ModelLoad) -> Function | None:
    """The innermost function whose body holds the load (names alone are ambiguous)."""
    line = load.span.line
    found = [f for f in module.functions
             if f.span.line <= line <= max(f.span.end_line, f.span.line)]
    return max(found, key=lambda f: f.span.line, default=None)


def _per_call(module: PythonModule, fn: Function) -> list[ModelLoad]:
    return [ld for ld in module.model_loads if ld.per_call and _owner(module, ld) == fn]


def _callee(module: PythonModule, name: str, modules: dict[str, PythonModule]
            ) -> tuple[PythonModule, Function] | None:
    if "." not in name:  # a function of this module (or one nested in the handler)
        found = module.function(name)
        return (module, found) if found is not None and found.class_name is None else None
    if name.startswith("."):  # `from .models import load` -> ".models.load"
        level = len(name) - len(name.lstrip("."))
        mod, _, func = name[level:].rpartition(".")
        base = posixpath.dirname(module.path)
        for _ in range(level - 1):
            base = posixpath.dirname(base)
        stem = posixpath.join(base, mod.replace(".", "/")) if mod else base
        other = modules.get(stem + ".py") or modules.get(posixpath.join(stem, "__init__.py"))
    else:
        mod, func = name.rsplit(".", 1)  # `from model import load` resolves to model.load
        # The package root on sys.path is the code directory, some ancestor of this file.
        base, other = posixpath.dirname(module.path), None
        while other is None:
            other = modules.get(posixpath.join(base, mod.replace(".", "/") + ".py"))
            if not base:
                break
            base = posixpath.dirname(base)
    found = other.function(func) if other is not None else None
    return (other, found) if other is not None and found is not None and found.module_level \
        else None


# A function that keeps what it computes across calls: what it calls runs once.
_CACHE_DECORATORS = ("functools.lru_cache", "functools.cache", "lru_cache", "cache",
                     "functools.cached_property", "cachetools.cached", "cached")
_KEEPS = re.compile(r"^\s*(?:global|nonlocal)\s|\bhasattr\(|\w*cache\w*\s*\[|"
                    r"^\s*[A-Za-z_][\w.]*\.\w+\s*=\s*[A-Za-z_][\w.]*\(", re.IGNORECASE)
_DEPTH = 4  # helper calls followed from the handler


def _keeps_result(fn: Function, lines: list[str] | None) -> bool:
    if any(d.split("(")[0] in _CACHE_DECORATORS for d in fn.decorators):
        return True
    if lines is None:
        return True  # cannot read the body: assume it may cache
    body = lines[fn.span.line:max(fn.span.end_line, fn.span.line)]
    return any(_KEEPS.search(line) for line in body)


def _reached(module: PythonModule, handler: Function, modules: dict[str, PythonModule],
             read: Callable[[str], str | None]
             ) -> list[tuple[PythonModule, Function, Function | None]]:
    """Functions the handler calls, directly or through helpers, up to _DEPTH calls deep,
    with the first helper of the chain; calls made by a function that caches (a global
    checked for None, lru_cache) are not followed: they run once."""
    texts: dict[str, list[str] | None] = {}

    def lines(mod: PythonModule) -> list[str] | None:
        if mod.path not in texts:
            text = read(mod.path)
            texts[mod.path] = text.splitlines() if text is not None else None
        return texts[mod.path]

    out: list[tuple[PythonModule, Function, Function | None]] = []
    seen = {(module.path, handler.name)}
    frontier: list[tuple[PythonModule, Function, Function | None]] = [(module, handler, None)]
    for _ in range(_DEPTH):
        following: list[tuple[PythonModule, Function, Function | None]] = []
        for mod, fn, first in frontier:
            if _keeps_result(fn, lines(mod)):
                continue
            for name in dict.fromkeys(fn.calls):
                callee = _callee(mod, name, modules)
                if callee is None or (callee[0].path, callee[1].name) in seen:
                    continue
                seen.add((callee[0].path, callee[1].name))
                if any(d.split("(")[0] in _CACHE_DECORATORS for d in callee[1].decorators):
                    continue
                item = (callee[0], callee[1], first or callee[1])
                out.append(item)
                following.append(item)
        frontier = following
    return out


@RULE.check
def check(module: PythonModule, ctx: RuleContext) -> Iterator[Finding]:
    functions = lambda_functions(ctx.deployment) if ctx.deployment is not None else []
    named = [(fn, module.function(fn.handler_function or "")) for fn in functions
             if fn.handler_file() == module.path]
    handlers: list[tuple[Function, Span | None]] = [
        (h, fn.handler_span or fn.span) for fn, h in named
        if h is not None and h.module_level]
    if not named:  # no configuration names this file: the conventional handler shapes
        handlers = [(f, None) for f in module.functions if f.module_level and (
            f.name == "lambda_handler" or f.params[:2] == ("event", "context"))]
    modules = ctx.deployment.project.by_path(PythonModule) \
        if ctx.deployment is not None else {module.path: module}
    for handler, config in handlers:
        related: list[tuple[Span, str]] = [(handler.span, f"Lambda handler {handler.name}")]
        if config is not None:
            related.append((config, "the configuration names this handler"))
        hits = [(module, ld, "") for ld in _per_call(module, handler)]
        read = ctx.deployment.project.read_text if ctx.deployment is not None else (
            lambda _path: None)
        for where, fn, first in _reached(module, handler, modules, read):
            loads = _per_call(where, fn)
            hits += [(where, ld, fn.name) for ld in loads]
            if loads and first is not None and first is not fn:
                related.append((first.span, f"the handler calls {first.name}(), which "
                                f"reaches {fn.name}()"))
        # A download and the load of what it fetched a few lines later are one fact (one
        # fix, caching, removes both): the load joins the download's finding. Two
        # different models loaded are two findings.
        findings: list[tuple[PythonModule, Any, str, list[Any]]] = []
        for where, load, helper in hits:
            previous = findings[-1] if findings else None
            if previous is not None and previous[0].path == where.path and \
                    previous[2] == helper and "download" in previous[1].call and \
                    not previous[3] and "download" not in load.call:
                previous[3].append(load)
                continue
            findings.append((where, load, helper, []))
        for where, load, helper, joined in findings:
            via = f" through {helper}()" if helper else ""
            notes = related + ([(h.span, f"{helper}() loads uncached") for h in
                                [where.function(helper)] if h is not None] if helper else [])
            notes += [(other.span, f"then {other.call} loads it") for other in joined]
            yield ctx.finding(
                f"Lambda handler {handler.name}() calls {load.call}{via} on every "
                "invocation, reloading the model each request; load it at module scope "
                "or cache it", load.span, related=notes,
                key=f"{module.path}:{handler.name}:{helper}:{load.call}")
