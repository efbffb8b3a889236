"""The Python source model: facts about serving code, extracted with `ast` (never imported).

Every fact carries a `Span` at the exact node. Names of callees are *resolved* through the
module's imports (`import torch as T; T.load()` -> "torch.load"), so rules compare against
canonical dotted names. `function` fields name the enclosing function (None = module
scope, including `if __name__ == "__main__":` blocks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlaudit.models.command import ServerLaunch
from mlaudit.models.sagemaker import SageMakerDeploys
from mlaudit.span import Span

HEALTH_SEGMENT_RE = re.compile(
    r"^(?:health|healthz|healthcheck|health[-_]check|ready|readyz|readiness|live|livez"
    r"|liveness|ping|status)$", re.I)

# Constructors of web application / router objects -> framework name.
APP_CLASSES: dict[str, str] = {"fastapi.FastAPI": "fastapi", "fastapi.APIRouter": "fastapi-router",
         "fastapi.routing.APIRouter": "fastapi-router", "flask.Flask": "flask",
         "flask.Blueprint": "flask-blueprint", "quart.Quart": "quart",
         "starlette.applications.Starlette": "starlette"}
# Resolved callee -> ModelLoad.kind. `*.from_pretrained`, `mlflow.*.load_model`, a
# `.load_model()` method with xgboost/catboost/lightgbm imported and S3 downloads (fed to a
# loader, or named like a model and neither unpacked nor uploaded again) are recognised by
# shape in the parser.
MODEL_LOADERS: dict[str, str] = {
    "torch.load": "torch", "torch.jit.load": "torch", "torch.hub.load": "torch",
    "torch.export.load": "torch", "safetensors.torch.load_file": "torch",
    "joblib.load": "joblib", "pickle.load": "pickle", "pickle.loads": "pickle",
    "cloudpickle.load": "pickle", "dill.load": "pickle",
    "tensorflow.keras.models.load_model": "keras", "keras.models.load_model": "keras",
    "keras.saving.load_model": "keras", "tf_keras.models.load_model": "keras",
    "tensorflow.saved_model.load": "tensorflow", "onnxruntime.InferenceSession": "onnxruntime",
    "sentence_transformers.SentenceTransformer": "sentence-transformers",
    "sentence_transformers.CrossEncoder": "sentence-transformers",
    "transformers.pipeline": "transformers", "spacy.load": "spacy",
    "fasttext.load_model": "other", "llama_cpp.Llama": "other", "vllm.LLM": "other",
}
# Recognised only with `model_file=` (a bare Booster() is not a load).
BOOSTER_LOADERS: dict[str, str] = {"xgboost.Booster": "xgboost", "lightgbm.Booster": "lightgbm"}


def is_health_path(path: str) -> bool:
    """True when any segment of a URL path is a health/readiness/liveness endpoint name."""
    return any(HEALTH_SEGMENT_RE.match(s) for s in path.split("/") if s)


@dataclass(frozen=True, slots=True)
class App:
    """`app = FastAPI()` / `Flask(__name__)` / `Starlette()` / `APIRouter(prefix=...)` /
    `Blueprint(..., url_prefix=...)`. framework: fastapi|flask|starlette|quart|
    fastapi-router|flask-blueprint. `prefix` is the object's own prefix ("" = none)."""

    name: str  # the variable bound (dotted for attributes: "self.app")
    framework: str
    span: Span
    prefix: str = ""
    guards: tuple[str, ...] = ()  # names inside `dependencies=[...]`: checks on every route

    @property
    def is_router(self) -> bool:
        return self.framework in ("fastapi-router", "flask-blueprint")


@dataclass(frozen=True, slots=True)
class RouterInclude:
    """`app.include_router(router, prefix="/v1")` / `app.register_blueprint(bp, ...)`.
    prefix None = not given; "?" = given but not a resolvable literal."""

    app: str
    router: str  # the router expression as written: "router", "users.router"
    prefix: str | None
    span: Span
    guards: tuple[str, ...] = ()  # names inside the call's `dependencies=[...]`


@dataclass(frozen=True, slots=True)
class Route:
    """One HTTP (or websocket) route.

    `path` has the prefixes that could be resolved in this module applied; `local_path` is
    the path as written; `path_complete` is False when a prefix was not a literal. methods
    are upper case; websocket routes have ("WEBSOCKET",). `path` None = not a literal.
    """

    path: str | None
    methods: tuple[str, ...]
    handler: str | None
    app: str | None  # the object the route is registered on, as written
    span: Span
    local_path: str | None = None
    path_complete: bool = True
    style: str = "decorator"  # decorator | add_api_route | add_url_rule | starlette
    guards: tuple[str, ...] = ()  # names inside the route's `dependencies=[...]`

    @property
    def is_health(self) -> bool:
        return any(p is not None and is_health_path(p) for p in (self.path, self.local_path))


@dataclass(frozen=True, slots=True)
class CodeLaunch:
    """A server started from code: `uvicorn.run(...)`, Flask `app.run(...)`,
    `waitress.serve(...)`.

    host/port: the literal value, or the *default* of an env lookup
    (`int(os.environ.get("PORT", "8000"))` -> 8000 with port_env="PORT"). None = not given
    (see `launch.effective_port` for the server default) or, with `port_text` set,
    unresolvable (cannot tell).
    """

    server: str  # "uvicorn" | "flask" | "waitress" | "hypercorn"
    app: str | None  # "main:app" or the variable passed
    span: Span
    host: str | None = None
    port: int | None = None
    host_env: str | None = None  # env var that overrides the host at run time
    port_env: str | None = None
    port_text: str | None = None  # the unresolved port expression
    host_text: str | None = None
    function: str | None = None
    main_guard: bool = False  # under `if __name__ == "__main__":`

    @property
    def launch(self) -> ServerLaunch:
        """The same facts as a command-line launch, for rules that handle both."""
        return ServerLaunch(self.server, (), self.host, self.port,
                            self.port_text if self.port is None else None, app=self.app)


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    params: tuple[str, ...]  # positional-only, positional, *args, keyword-only, **kwargs
    decorators: tuple[str, ...]  # resolved dotted callee of each decorator: "app.get"
    span: Span  # the `def` line (decorators excluded)
    module_level: bool
    is_async: bool = False
    class_name: str | None = None
    calls: tuple[str, ...] = ()  # resolved dotted names called in the body, in order
    # Dotted names in the parameters' defaults and annotations: the dependencies a
    # framework injects (`user: User = Depends(get_current_user)`, `Security(...)`).
    param_refs: tuple[str, ...] = ()
    # Resolved dotted names of the providers in `Depends(...)`/`Security(...)` parameter
    # defaults and `Annotated[...]` annotations: functions run on every call of a route.
    depends: tuple[str, ...] = ()

    @property
    def lambda_handler_candidate(self) -> bool:
        """Named handler/lambda_handler, or takes (event, context) first."""
        if self.class_name is not None:
            return False
        return self.name in ("handler", "lambda_handler") or self.params[:2] == (
            "event", "context")


@dataclass(frozen=True, slots=True)
class ModelLoad:
    """A call that loads model weights (torch.load, from_pretrained, joblib.load, ...).

    `cached` is True when the result survives the call: the enclosing function is
    `lru_cache`/`cache` decorated, the value goes to a `global`/`nonlocal` name or to an
    attribute or subscript (self.model, _CACHE[k], app.state.model), or the function is a
    startup hook (`on_event("startup")`, a lifespan, `before_first_request`). `reason`
    says which. At module scope (function None) a load runs once per process.
    """

    call: str  # resolved callee: "torch.load", "transformers.AutoModel.from_pretrained"
    kind: str  # torch | transformers | sentence-transformers | joblib | pickle | keras |
    # tensorflow | onnxruntime | xgboost | lightgbm | mlflow | s3 | spacy | other
    span: Span
    function: str | None
    cached: bool = False
    reason: str = ""  # lru_cache | global | attribute | startup | ""
    target: str | None = None  # first literal argument (a path, a hub id, a bucket key)

    @property
    def per_call(self) -> bool:
        """Loaded on every call of its function (the cold-path-on-every-request bug)."""
        return self.function is not None and not self.cached


@dataclass(frozen=True, slots=True)
class Boto3Call:
    """`boto3.client("s3", ...)`, `boto3.resource(...)`, `boto3.Session(...)` and
    `session.client(...)` on a known session."""

    factory: str  # "client" | "resource" | "Session"
    service: str | None  # None for Session or a non-literal service name
    keywords: tuple[str, ...]
    span: Span
    literal_credentials: bool = False  # aws_access_key_id/secret/token given as literals
    function: str | None = None


@dataclass(frozen=True, slots=True)
class StringLiteral:
    """A string literal bound to a name, for secrets rules (values are raw: redact them).

    context: assign (NAME = "..."; `name` is the target text, e.g. "self.token"),
    kwarg (f(name="..."); `call` says f), dict ({"name": "..."}), environ
    (os.environ["NAME"] = "...", os.environ.setdefault, os.putenv), default (a parameter
    default value).
    """

    name: str
    value: str
    span: Span  # the value's position
    context: str
    module_level: bool = True
    call: str | None = None


@dataclass(frozen=True, slots=True)
class EnvRead:
    """`os.environ.get("X", "d")`, `os.getenv("X")`, `os.environ["X"]`."""

    name: str
    default: str | None
    span: Span
    function: str | None = None


@dataclass(frozen=True)
class PythonModule:
    path: str
    imports: tuple[str, ...] = ()  # every imported module, as written ("a.b" for from a.b)
    apps: tuple[App, ...] = ()
    includes: tuple[RouterInclude, ...] = ()
    routes: tuple[Route, ...] = ()
    launches: tuple[CodeLaunch, ...] = ()
    functions: tuple[Function, ...] = ()
    model_loads: tuple[ModelLoad, ...] = ()
    boto3_calls: tuple[Boto3Call, ...] = ()
    strings: tuple[StringLiteral, ...] = ()
    env_reads: tuple[EnvRead, ...] = ()
    # SageMaker endpoints the file deploys with the SDK (mlaudit.parsers.sagemaker_sdk).
    sagemaker: SageMakerDeploys | None = None

    def health_routes(self) -> tuple[Route, ...]:
        return tuple(r for r in self.routes if r.is_health)

    def lambda_handlers(self) -> tuple[Function, ...]:
        return tuple(f for f in self.functions if f.lambda_handler_candidate)

    def function(self, name: str) -> Function | None:
        """The module-level function `name` (else the first method of that name)."""
        found = [f for f in self.functions if f.name == name]
        return next((f for f in found if f.module_level), found[0] if found else None)

    def imports_module(self, name: str) -> bool:
        return any(i == name or i.startswith(name + ".") for i in self.imports)
