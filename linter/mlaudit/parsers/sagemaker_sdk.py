"""SageMaker endpoints deployed from Python: the SageMaker Python SDK, read with `ast`.

Recognises `<model>.deploy(initial_instance_count=..., instance_type=...)` and
`.deploy(serverless_inference_config=ServerlessInferenceConfig(memory_size_in_mb=...))`
on SDK models and estimators (`Model`, `HuggingFaceModel`, `PyTorchModel`, `SKLearn`,
`Estimator`, ...), in a file that imports `sagemaker`. The receiver is followed through
plain assignments to its constructor, which says what the model is (its class, an
`image_uris.retrieve("xgboost", ...)` image, a `.onnx` artifact) and its `env`.
Endpoints made with the boto3 `sagemaker` client are read too: a `create_endpoint` whose
`EndpointConfigName` is a `create_endpoint_config` of the same code (same text or same
expression), its `ProductionVariants` and the `create_model` each names.
Application Auto Scaling calls in the `sagemaker` namespace (`register_scalable_target`,
`put_scaling_policy`) are recorded with the endpoint their `ResourceId` names when it
resolves to text. Nothing is executed; anything that does not resolve stays None.

Shared by the Python parser (deploy scripts) and the notebook parser, which passes
`line_of` to map lines of the cells' joined code back to lines of the .ipynb file.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from mlaudit.models.compose import EnvVar
from mlaudit.models.sagemaker import (
    SageMakerDeploys,
    SageMakerEndpoint,
    SageMakerModel,
    SageMakerScaling,
    SageMakerVariant,
)
from mlaudit.span import Span

# SDK model and estimator classes -> the framework they serve.
_CLASSES: dict[str, str] = {
    "SKLearnModel": "sklearn", "SKLearn": "sklearn", "XGBoostModel": "xgboost",
    "XGBoost": "xgboost", "PyTorchModel": "pytorch", "PyTorch": "pytorch",
    "TensorFlowModel": "tensorflow", "TensorFlow": "tensorflow",
    "HuggingFaceModel": "huggingface", "HuggingFace": "huggingface",
    "MXNetModel": "mxnet", "MXNet": "mxnet", "DJLModel": "djl", "HuggingFaceAccelerateModel": "djl",
    "DeepSpeedModel": "djl", "FasterTransformerModel": "djl", "SparkMLModel": "sparkml",
    "ChainerModel": "", "Model": "", "FrameworkModel": "", "Estimator": "",
    "JumpStartModel": "", "ModelBuilder": "", "LinearLearner": "linear-learner",
    "LinearLearnerModel": "linear-learner",
}
# Words in an image name (or an image_uris.retrieve framework) -> framework.
_IMAGE_WORDS: tuple[tuple[str, str], ...] = (
    ("huggingface", "huggingface"), ("tgi", "tgi"), ("djl", "djl"), ("pytorch", "pytorch"),
    ("tensorflow", "tensorflow"), ("mxnet", "mxnet"), ("stabilityai", "stabilityai"),
    ("xgboost", "xgboost"), ("scikit-learn", "sklearn"), ("sklearn", "sklearn"),
    ("lightgbm", "lightgbm"), ("catboost", "catboost"), ("linear-learner", "linear-learner"),
    ("sparkml", "sparkml"), ("onnx", "onnx"),
)
_RESOURCE_ID = re.compile(r"^endpoint/([^/]+)/variant/([^/]+)$")


def image_frameworks(text: str | None) -> tuple[str, ...]:
    """Frameworks an image URI (or framework name) names, e.g. `sagemaker-xgboost:1.7-1`."""
    if not text:
        return ()
    repository = text.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0].lower()
    found = next((f for word, f in _IMAGE_WORDS if word in repository), None)
    return (found,) if found else ()


class _Resolver:
    """Plain assignments of the module (in line order) and its `import`s."""

    def __init__(self, nodes: list[ast.AST]) -> None:
        self.assigned: dict[str, list[tuple[int, ast.expr]]] = {}
        self.imports_sagemaker = False
        self.imports_boto3 = False
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name):
                self.assigned.setdefault(node.targets[0].id, []).append(
                    (node.lineno, node.value))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
                    node.value is not None:
                self.assigned.setdefault(node.target.id, []).append((node.lineno, node.value))
            elif isinstance(node, ast.Import):
                roots = {a.name.split(".")[0] for a in node.names}
                self.imports_sagemaker |= "sagemaker" in roots
                self.imports_boto3 |= bool(roots & {"boto3", "botocore"})
            elif isinstance(node, ast.ImportFrom):
                root = (node.module or "").split(".")[0]
                self.imports_sagemaker |= root == "sagemaker"
                self.imports_boto3 |= root in ("boto3", "botocore")
        for values in self.assigned.values():
            values.sort(key=lambda item: item[0])

    def value(self, node: ast.expr | None, depth: int = 0) -> ast.expr | None:
        """Follow a name to the last expression assigned to it before its use."""
        while isinstance(node, ast.Name) and depth < 8:
            found = [v for line, v in self.assigned.get(node.id, ()) if line <= node.lineno]
            if not found:
                return node
            node, depth = found[-1], depth + 1
        return node

    def text(self, node: ast.expr | None, depth: int = 0) -> str | None:
        """A string the expression certainly is (constants, names, f-strings, `+`)."""
        return self._fold(node, depth, keep_unknown=False)

    def pattern(self, node: ast.expr | None, depth: int = 0) -> str | None:
        """Like `text`, but a name or attribute whose value is unknown stays as
        `{var:<expression>}`: `"endpoint/" + endpoint_name + "/variant/AllTraffic"` and a
        `deploy(endpoint_name=endpoint_name)` then name the same endpoint."""
        return self._fold(node, depth, keep_unknown=True)

    def _fold(self, node: ast.expr | None, depth: int, keep_unknown: bool) -> str | None:
        if node is None or depth > 8:
            return None
        node = self.value(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if keep_unknown and isinstance(node, (ast.Name, ast.Attribute)):
            return "{var:" + ast.unparse(node) + "}"
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    parts.append(part.value)
                elif isinstance(part, ast.FormattedValue) and part.format_spec is None:
                    inner = self._fold(part.value, depth + 1, keep_unknown)
                    if inner is None:
                        return None
                    parts.append(inner)
                else:
                    return None
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self._fold(node.left, depth + 1, keep_unknown)
            right = self._fold(node.right, depth + 1, keep_unknown)
            return left + right if left is not None and right is not None else None
        return None

    def number(self, node: ast.expr | None) -> int | None:
        node = self.value(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and \
                not isinstance(node.value, bool):
            return node.value
        return None


def _callee(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


class _Extractor:
    def __init__(self, tree: ast.AST, path: str, source: str,
                 line_of: Callable[[int], int]) -> None:
        self.tree = tree
        self.path = path
        self.source = source
        self.line_of = line_of
        # Every node once: walking the tree is the cost of this module on large code
        # bases (notebook collections), so each pass below reads this list instead.
        self.nodes = list(ast.walk(tree))
        self.resolve = _Resolver(self.nodes)

    def span(self, node: ast.AST) -> Span:
        # In a notebook the code's columns are not the JSON line's: report the line only.
        column = getattr(node, "col_offset", 0) + 1 if self.source != "notebook" else 1
        return Span(self.path, self.line_of(getattr(node, "lineno", 1)), column)

    def run(self) -> SageMakerDeploys | None:
        if not self.resolve.imports_sagemaker and not self.resolve.imports_boto3:
            return None
        endpoints: list[SageMakerEndpoint] = []
        scaling: list[SageMakerScaling] = []
        seen_keys: dict[str, int] = {}
        # `predictor = model.deploy(...)`: the deploy call -> the name it is bound to.
        self.bound: dict[int, str] = {
            id(n.value): n.targets[0].id for n in self.nodes
            if isinstance(n, ast.Assign) and len(n.targets) == 1
            and isinstance(n.targets[0], ast.Name) and isinstance(n.value, ast.Call)}
        self.deletes = [n for n in self.nodes if isinstance(n, ast.Call)
                        and isinstance(n.func, ast.Attribute)
                        and n.func.attr in ("delete_endpoint", "delete_predictor")]
        self.deploys = sum(1 for n in self.nodes if isinstance(n, ast.Call)
                           and isinstance(n.func, ast.Attribute) and n.func.attr == "deploy")
        calls: dict[str, list[ast.Call]] = {}
        for node in self.nodes:
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            attr = node.func.attr
            calls.setdefault(attr, []).append(node)
            if attr == "deploy" and self.resolve.imports_sagemaker:
                endpoint = self._deploy(node, seen_keys)
                if endpoint is not None:
                    endpoints.append(endpoint)
            elif attr in ("register_scalable_target", "put_scaling_policy"):
                found = self._scaling(node, attr == "put_scaling_policy")
                if found is not None:
                    scaling.append(found)
        endpoints += self._boto3(calls)
        if not endpoints and not scaling:
            return None
        endpoints.sort(key=lambda e: (e.span.line, e.span.column))
        scaling.sort(key=lambda s: (s.span.line, s.span.column))
        return SageMakerDeploys(tuple(endpoints), tuple(scaling))

    def _constructor(self, receiver: ast.expr) -> tuple[ast.Call | None, str | None]:
        """The SDK constructor call a receiver was built by, and its class name."""
        value = self.resolve.value(receiver)
        if isinstance(value, ast.Call):
            name = _callee(value.func)
            if name in _CLASSES:
                return value, name
            # `Model(...).deploy` chains and `estimator.attach(...)`-style factories
            if isinstance(value.func, ast.Attribute) and value.func.attr in ("attach",):
                return None, _callee(value.func.value) or None
        return None, None

    def _deploy(self, call: ast.Call, seen: dict[str, int]) -> SageMakerEndpoint | None:
        assert isinstance(call.func, ast.Attribute)
        constructor, class_name = self._constructor(call.func.value)
        kwargs = {k.arg for k in call.keywords if k.arg}
        sdk_kwargs = {"initial_instance_count", "instance_type", "serverless_inference_config",
                      "endpoint_name", "data_capture_config", "async_inference_config"}
        if class_name is None and not kwargs & sdk_kwargs:
            return None  # some other library's deploy()
        model = self._model(call.func.value, constructor, class_name)
        count_node, type_node = _kw(call, "initial_instance_count"), _kw(call, "instance_type")
        if len(call.args) >= 2 and count_node is None and type_node is None:
            count_node, type_node = call.args[0], call.args[1]  # deploy(1, "ml.m5.xlarge")
        serverless_node = self.resolve.value(_kw(call, "serverless_inference_config"))
        serverless = serverless_node is not None and not (
            isinstance(serverless_node, ast.Constant) and serverless_node.value is None)
        memory = provisioned = None
        memory_span = None
        memory_unknown = provisioned_unknown = False
        if isinstance(serverless_node, ast.Call):
            memory_node = _kw(serverless_node, "memory_size_in_mb")
            memory = self.resolve.number(memory_node) if memory_node is not None else 2048
            memory_unknown = memory_node is not None and memory is None
            memory_span = self.span(memory_node) if memory_node is not None else None
            pc_node = _kw(serverless_node, "provisioned_concurrency")
            provisioned = self.resolve.number(pc_node) if pc_node is not None else None
            provisioned_unknown = pc_node is not None and provisioned is None
        elif serverless:
            memory_unknown = provisioned_unknown = True  # built elsewhere: cannot tell
        count = self.resolve.number(count_node) if count_node is not None else None
        instance_type = self.resolve.text(type_node) if type_node is not None else None
        if instance_type is not None and not instance_type.startswith("ml."):
            return None  # local mode ("local", "local_gpu") or a template's placeholder
        name = self.resolve.text(_kw(call, "endpoint_name"))
        receiver = ast.unparse(call.func.value) if hasattr(ast, "unparse") else "model"
        receiver = receiver if len(receiver) <= 40 else receiver[:40]
        base = name or receiver
        seen[base] = seen.get(base, 0) + 1
        key = f"{self.path}#{base}" + (f"#{seen[base]}" if seen[base] > 1 else "")
        span = Span(self.path, self.line_of(call.func.end_lineno or call.lineno),
                    (call.func.end_col_offset or 0) - len("deploy") + 1
                    if self.source != "notebook" else 1)
        variant = SageMakerVariant(
            "AllTraffic", span, model, model is None,
            instance_type, self.span(type_node) if type_node is not None else None,
            count, self.span(count_node) if count_node is not None else None,
            count_node is not None and count is None,
            serverless, self.span(serverless_node) if serverless and isinstance(
                serverless_node, ast.AST) else None,
            memory, memory_span, memory_unknown, provisioned, provisioned_unknown)
        capture_node = self.resolve.value(_kw(call, "data_capture_config"))
        capture: bool | None = False
        if capture_node is not None and not (isinstance(capture_node, ast.Constant)
                                             and capture_node.value is None):
            capture = True
            if isinstance(capture_node, ast.Call):
                enable = self.resolve.value(_kw(capture_node, "enable_capture"))
                if isinstance(enable, ast.Constant) and enable.value is False:
                    capture = False
        asynchronous = _kw(call, "async_inference_config") is not None
        return SageMakerEndpoint(
            key, name or f"{receiver}.deploy()", self.path, span, self.source, (variant,),
            self._idents(name, _kw(call, "endpoint_name"), call), capture,
            self.span(capture_node) if isinstance(capture_node, ast.AST) else None,
            asynchronous, self._deleted(call, name))

    # -- boto3: create_model / create_endpoint_config / create_endpoint ------------------
    def _same(self, a: ast.expr | None, b: ast.expr | None) -> bool:
        """Two expressions that certainly name the same thing: the same text, or the same
        expression written twice (`EndpointConfigName=config_name` in both calls)."""
        if a is None or b is None:
            return False
        text = self.resolve.text(a)
        return ast.dump(a) == ast.dump(b) or (text is not None and text == self.resolve.text(b))

    def _dict(self, node: ast.expr | None) -> dict[str, ast.expr]:
        value = self.resolve.value(node)
        if not isinstance(value, ast.Dict):
            return {}
        out: dict[str, ast.expr] = {}
        for key, item in zip(value.keys, value.values, strict=False):
            name = self.resolve.text(key) if key is not None else None
            if name is not None:
                out[name] = item
        return out

    def _boto3(self, calls: dict[str, list[ast.Call]]) -> list[SageMakerEndpoint]:
        """Endpoints created with the boto3 `sagemaker` client: each `create_endpoint` whose
        `EndpointConfigName` is a `create_endpoint_config` of the same code."""
        configs = calls.get("create_endpoint_config", [])
        creates = calls.get("create_endpoint", [])
        models = calls.get("create_model", [])
        out: list[SageMakerEndpoint] = []
        for create in creates:
            config = next((c for c in configs if self._same(
                _kw(c, "EndpointConfigName"), _kw(create, "EndpointConfigName"))), None)
            if config is None:
                continue  # its configuration is made elsewhere: cannot tell
            name_node = _kw(create, "EndpointName")
            name = self.resolve.text(name_node)
            variants_node = self.resolve.value(_kw(config, "ProductionVariants"))
            items = variants_node.elts if isinstance(variants_node, ast.List) else []
            variants = tuple(self._boto3_variant(item, models) for item in items)
            capture = self._dict(_kw(config, "DataCaptureConfig"))
            enabled: bool | None = False
            if _kw(config, "DataCaptureConfig") is not None:
                flag = self.resolve.value(capture.get("EnableCapture"))
                enabled = not (isinstance(flag, ast.Constant) and flag.value is False) \
                    if capture or flag is not None else None
            span = self.span(create)
            label = name or (ast.unparse(name_node) if name_node is not None else "endpoint")
            key = f"{self.path}#{label[:40]}"
            deleted = any(self._same(name_node, next(iter(
                [*d.args, *(k.value for k in d.keywords if k.arg == "EndpointName")]), None))
                for d in self.deletes) or (len(creates) == 1 and bool(self.deletes))
            out.append(SageMakerEndpoint(
                key, label, self.path, span, self.source, variants,
                self._idents(name, name_node, create), enabled,
                self.span(_kw(config, "DataCaptureConfig") or config)
                if _kw(config, "DataCaptureConfig") is not None else None,
                _kw(config, "AsyncInferenceConfig") is not None, deleted))
        return out

    def _boto3_variant(self, node: ast.expr, models: list[ast.Call]) -> SageMakerVariant:
        fields = self._dict(node)
        count_node, type_node = fields.get("InitialInstanceCount"), fields.get("InstanceType")
        serverless = self._dict(fields.get("ServerlessConfig"))
        memory_node = serverless.get("MemorySizeInMB")
        pc_node = serverless.get("ProvisionedConcurrency")
        memory = self.resolve.number(memory_node)
        provisioned = self.resolve.number(pc_node)
        model_call = next((m for m in models
                           if self._same(_kw(m, "ModelName"), fields.get("ModelName"))), None)
        count = self.resolve.number(count_node)
        return SageMakerVariant(
            self.resolve.text(fields.get("VariantName")) or "AllTraffic", self.span(node),
            self._boto3_model(model_call) if model_call is not None else None,
            model_call is None, self.resolve.text(type_node),
            self.span(type_node) if type_node is not None else None, count,
            self.span(count_node) if count_node is not None else None,
            count_node is not None and count is None, "ServerlessConfig" in fields,
            self.span(fields["ServerlessConfig"]) if "ServerlessConfig" in fields else None,
            memory, self.span(memory_node) if memory_node is not None else None,
            memory_node is not None and memory is None, provisioned,
            pc_node is not None and provisioned is None)

    def _boto3_model(self, call: ast.Call) -> SageMakerModel:
        container = self._dict(_kw(call, "PrimaryContainer"))
        if not container:
            containers = self.resolve.value(_kw(call, "Containers"))
            first = containers.elts[0] if isinstance(containers, ast.List) and \
                containers.elts else None
            container = self._dict(first)
        image_node, data_node = container.get("Image"), container.get("ModelDataUrl")
        image, data = self.resolve.text(image_node), self.resolve.text(data_node)
        frameworks = list(image_frameworks(image))
        if data and data.lower().endswith(".onnx"):
            frameworks.append("onnx")
        name = self.resolve.text(_kw(call, "ModelName")) or "model"
        return SageMakerModel(
            name, self.span(call), image,
            self.span(image_node) if image_node is not None else None, data,
            self.span(data_node) if data_node is not None else None,
            tuple(dict.fromkeys(frameworks)),
            self.span(image_node) if frameworks and image_node is not None else None,
            self._environment(container.get("Environment")))

    def _idents(self, name: str | None, node: ast.expr | None, call: ast.Call
                ) -> tuple[str, ...]:
        """How scaling code may name this endpoint: its literal name, the expression it
        was given (`{var:endpoint_name}`), `{var:<predictor>.endpoint_name}`, or
        `{var:<model>.endpoint_name}` for the SDK object it was deployed from."""
        out = [name] if name else []
        written = self.resolve.pattern(node) if node is not None else None
        if written is not None and written not in out:
            out.append(written)
        bound = self.bound.get(id(call))
        if bound is not None:
            out.append("{var:" + bound + ".endpoint_name}")
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            out.append("{var:" + call.func.value.id + ".endpoint_name}")
        return tuple(out)

    def _names(self, node: ast.AST) -> set[str]:
        """Variable names an expression uses, and those their assigned values use (one
        step: `predictor = Predictor(endpoint_name=model.endpoint_name)` uses `model`)."""
        out: set[str] = set()
        for item in ast.walk(node):
            if isinstance(item, ast.Name):
                out.add(item.id)
                value = self.resolve.value(item)
                if value is not None and value is not item:
                    out |= {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        return out

    def _deleted(self, call: ast.Call, name: str | None) -> bool:
        """The same code deletes the endpoint: `predictor.delete_endpoint()`,
        `session.delete_endpoint(model.endpoint_name)`, a `delete_endpoint` given the
        expression `deploy` was given as `endpoint_name`, or naming its literal name; or
        the code deploys only this endpoint and deletes one it cannot name."""
        assert isinstance(call.func, ast.Attribute)
        mine = {self.bound.get(id(call))} | ({call.func.value.id}
                                             if isinstance(call.func.value, ast.Name) else set())
        given = _kw(call, "endpoint_name")
        written = ast.dump(given) if given is not None else None
        for delete in self.deletes:
            if mine & self._names(delete):
                return True
            args = [*delete.args, *(k.value for k in delete.keywords
                                    if k.arg in ("EndpointName", "endpoint_name"))]
            if written is not None and any(ast.dump(a) == written for a in args):
                return True
            if name is not None and any(self.resolve.text(a) == name for a in args):
                return True
        return bool(self.deletes) and self.deploys == 1

    def _model(self, receiver: ast.expr, constructor: ast.Call | None,
               class_name: str | None) -> SageMakerModel | None:
        if constructor is None:
            return None
        frameworks: list[str] = []
        framework_span: Span | None = None
        if class_name and _CLASSES.get(class_name):
            frameworks.append(_CLASSES[class_name])
            framework_span = self.span(constructor)
        image_node = _kw(constructor, "image_uri") or _kw(constructor, "image_name")
        image = self.resolve.text(image_node)
        retrieved = self.resolve.value(image_node)
        if image is not None:
            frameworks += image_frameworks(image)
        elif isinstance(retrieved, ast.Call):
            callee = _callee(retrieved.func)
            if callee == "retrieve":
                framework = self.resolve.text(_kw(retrieved, "framework") or (
                    retrieved.args[0] if retrieved.args else None))
                frameworks += image_frameworks(framework)
            elif callee.startswith("get_huggingface_llm_image_uri"):
                frameworks.append("tgi")
        model_data_node = _kw(constructor, "model_data")
        model_data = self.resolve.text(model_data_node)
        if model_data and model_data.lower().endswith(".onnx"):
            frameworks.append("onnx")
        if image_node is not None and framework_span is None and frameworks:
            framework_span = self.span(image_node)
        env = self._environment(_kw(constructor, "env") or _kw(constructor, "environment"))
        name = ast.unparse(receiver) if isinstance(receiver, ast.Name) else \
            _callee(constructor.func)
        return SageMakerModel(
            name, self.span(constructor), image,
            self.span(image_node) if image_node is not None else None, model_data,
            self.span(model_data_node) if model_data_node is not None else None,
            tuple(dict.fromkeys(frameworks)), framework_span, env)

    def _environment(self, node: ast.expr | None) -> tuple[EnvVar, ...]:
        value = self.resolve.value(node)
        if not isinstance(value, ast.Dict):
            return ()
        out: list[EnvVar] = []
        for key, item in zip(value.keys, value.values, strict=False):
            name = self.resolve.text(key) if key is not None else None
            if name is None:
                continue
            text = item.value if isinstance(item, ast.Constant) and \
                isinstance(item.value, str) else None  # names and calls: read at run time
            out.append(EnvVar(name, text, self.span(item)))
        return tuple(out)

    def _scaling(self, call: ast.Call, policy: bool) -> SageMakerScaling | None:
        namespace = self.resolve.text(_kw(call, "ServiceNamespace"))
        if namespace != "sagemaker":
            return None
        resource = self.resolve.pattern(_kw(call, "ResourceId"))
        match = _RESOURCE_ID.match(resource or "")
        return SageMakerScaling(self.span(call), policy,
                                match.group(1) if match else None,
                                match.group(2) if match else None)


def extract(tree: ast.AST, path: str, source: str = "sdk",
            line_of: Callable[[int], int] | None = None) -> SageMakerDeploys | None:
    """The SageMaker deploys and scaling calls of a parsed module (None: none)."""
    try:
        return _Extractor(tree, path, source, line_of or (lambda n: n)).run()
    except RecursionError:  # absurdly nested code: no facts rather than a crash
        return None


def mentions_sagemaker(text: str) -> bool:
    """A cheap test before walking a tree: most Python files never mention SageMaker."""
    return "sagemaker" in text


__all__ = ["extract", "image_frameworks", "mentions_sagemaker"]
