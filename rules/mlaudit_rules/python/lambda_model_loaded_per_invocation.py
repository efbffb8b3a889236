"""Lambda handler loads the model on every invocation

## What it flags
A model load (`torch.load`, `torch.jit.load`, `*.from_pretrained`, `pipeline(...)`,
`joblib.load`, `pickle.load`, `tf.keras.models.load_model`, `onnxruntime.InferenceSession`,
`xgboost.Booster().load_model`, `Booster(model_file=...)`, `SentenceTransformer(...)`, an
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

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.python_source import Function, PythonModule
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.python._calls import join_downloads, per_call, reached
from mlaudit_rules.python._lambda import LambdaFunction, lambda_functions

RULE = Rule(
    id="MLA601", name="lambda-model-loaded-per-invocation",
    title="Lambda handler loads the model on every invocation",
    severity=Severity.HIGH, category=Category.SERVERLESS, target=PythonModule,
    kind=Kind.RELIABILITY, confidence=Confidence.HIGH, tags=("lambda", "latency"),
    docs=__doc__ or "",
)


@RULE.check
def check(module: PythonModule, ctx: RuleContext) -> Iterator[Finding]:
    every = lambda_functions(ctx.deployment) if ctx.deployment is not None else []
    functions = ctx.deployment.memo(  # by handler file, once per scan (asked per module)
        ("MLA601", "by-handler"), lambda: _by_handler(every)).get(module.path, []) \
        if ctx.deployment is not None else every
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
        hits = [(module, ld, "") for ld in per_call(module, handler)]
        read = ctx.deployment.project.read_text if ctx.deployment is not None else (
            lambda _path: None)
        for where, fn, first in reached(module, handler, modules, read):
            loads = per_call(where, fn)
            hits += [(where, ld, fn.name) for ld in loads]
            if loads and first is not None and first is not fn:
                related.append((first.span, f"the handler calls {first.name}(), which "
                                f"reaches {fn.name}()"))
        findings = join_downloads(hits)
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


def _by_handler(functions: list[LambdaFunction]) -> dict[str | None, list[LambdaFunction]]:
    out: dict[str | None, list[LambdaFunction]] = {}
    for fn in functions:
        out.setdefault(fn.handler_file(), []).append(fn)
    return out
