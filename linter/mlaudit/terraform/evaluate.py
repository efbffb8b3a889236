"""Build the evaluated `TerraformProject` from a scan's parsed Terraform files.

Files are grouped into modules by directory. A directory called by no other module in
the repository (through a local `source = "./..."`) is a root: it is evaluated once with
its variable defaults overridden by `terraform.tfvars`, `terraform.tfvars.json` and
`*.auto.tfvars[.json]` (in that order, as Terraform loads them). Each local module call
evaluates the called directory again, with the call's arguments bound as variables.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import replace
from typing import Any

from mlaudit import limits
from mlaudit.models.terraform import (
    Backend,
    Body,
    ModuleCall,
    ModuleInstance,
    Provider,
    Resource,
    TerraformModule,
    TerraformProject,
    TerraformState,
    Unknown,
    Variable,
)
from mlaudit.models.terraform_syntax import (
    Block,
    Call,
    Expr,
    Literal,
    ObjectExpr,
    Ref,
    TerraformFile,
    TfvarsFile,
)
from mlaudit.project import ParsedProject
from mlaudit.span import Span
from mlaudit.terraform.registry import module_name, registry_resources
from mlaudit.terraform.values import Scope, evaluate

_MAX_MODULE_DEPTH = 8
_MAX_INSTANCES = 256  # a count of 10,000 must not explode the model
_CALL_META = {"source", "version", "count", "for_each", "providers", "depends_on"}


class _Builder:
    def __init__(self, project: ParsedProject) -> None:
        self.project = project
        self.files: dict[str, list[TerraformFile]] = defaultdict(list)
        self.tfvars: dict[str, list[TfvarsFile]] = defaultdict(list)
        for path, model in sorted(project.models.items()):
            if isinstance(model, TerraformFile):
                self.files[posixpath.dirname(path)].append(model)
            elif isinstance(model, TfvarsFile) and model.is_auto:
                self.tfvars[posixpath.dirname(path)].append(model)
        self.modules: list[TerraformModule] = []
        self.instances: list[ModuleInstance] = []
        self.registry: list[tuple[str, str, Resource]] = []
        self.per_root: dict[str, int] = {}  # module instances evaluated per root
        self.limited: set[str] = set()  # roots whose fan-out hit the limit

    def called_dirs(self) -> set[str]:
        called: set[str] = set()
        for directory, files in self.files.items():
            for file in files:
                for block in file.blocks_of("module"):
                    target = _local_source(directory, block)
                    if target is not None and target != directory and target in self.files:
                        called.add(target)
        return called

    def build(self) -> TerraformProject:
        called = self.called_dirs()
        for directory in sorted(self.files):
            if directory not in called:
                self.instance(directory, "", self.root_inputs(directory), True, (directory,))
        backends = tuple(m.backend for m in self.modules if m.backend is not None)
        providers = tuple(p for m in self.modules if m.is_root for p in m.providers)
        states = tuple(self.project.of_type(TerraformState))
        return TerraformProject(tuple(self.modules), backends, providers,
                                tuple(self.map_states(states)), tuple(self.instances),
                                tuple(self.registry))

    def root_inputs(self, directory: str) -> dict[str, tuple[Any, Span]]:
        def order(item: TfvarsFile) -> tuple[int, str]:
            name = posixpath.basename(item.path)
            return (0 if name.startswith("terraform.tfvars") else 1, name)

        inputs: dict[str, tuple[Any, Span]] = {}
        empty = Scope(directory, {}, {}, self.project.read_text)
        for tfvars in sorted(self.tfvars.get(directory, []), key=order):
            for attribute in tfvars.attributes:
                inputs[attribute.name] = (evaluate(attribute.expr, empty), attribute.span)
        return inputs

    def instance(self, directory: str, address: str, inputs: dict[str, tuple[Any, Span]],
                 is_root: bool, stack: tuple[str, ...], call: Span | None = None) -> None:
        self.per_root[stack[0]] = self.per_root.get(stack[0], 0) + 1
        files = self.files[directory]
        blocks = [b for f in files for b in f.blocks]
        read = self.project.read_text
        empty = Scope(directory, {}, {}, read)
        variables: dict[str, Variable] = {}
        for block in _of(blocks, "variable"):
            name = block.labels[0] if block.labels else ""
            default_attr = block.attribute("default")
            default = evaluate(default_attr.expr, empty) if default_attr else Unknown(
                "no default", f"var.{name}")
            type_attr = block.attribute("type")
            if type_attr is not None:
                default = convert(default, type_attr.expr, empty)
            value, at = inputs.get(name, (default, None))
            nullable = block.attribute("nullable")
            if value is None and nullable is not None and evaluate(nullable.expr, empty) is False:
                value, at = default, None  # `nullable = false`: a null input takes the default
            elif type_attr is not None and at is not None:
                value = convert(value, type_attr.expr, empty)
            variables[name] = Variable(name, block.span, default, value, at)
        local_exprs = {a.name: a.expr for b in _of(blocks, "locals") for a in b.attributes}
        scope = Scope(directory, {n: v.value for n, v in variables.items()}, local_exprs, read)
        resources: list[Resource] = []
        data_sources: list[Resource] = []
        for block in blocks:
            if block.type in ("resource", "data") and len(block.labels) >= 2:
                target = resources if block.type == "resource" else data_sources
                target.extend(_instances(block, scope, address))
        calls = self.calls(directory, blocks, scope, address, stack)
        terraform = _of(blocks, "terraform")
        module = TerraformModule(
            path=directory, is_root=is_root, module_address=address,
            resources=tuple(resources), data_sources=tuple(data_sources), variables=variables,
            locals={name: scope.local(name) for name in local_exprs},
            outputs={b.labels[0]: _output(b, scope) for b in _of(blocks, "output") if b.labels},
            module_calls=calls, providers=tuple(_providers(blocks)),
            backend=_backend(terraform, directory),
            terraform_block_span=terraform[0].span if terraform else None,
            files=tuple(f.path for f in files), root=stack[0])
        self.modules.append(module)
        if call is not None:
            self.instances.append(ModuleInstance(address, directory, stack[0], call))

    def calls(self, directory: str, blocks: list[Block], scope: Scope, address: str,
              stack: tuple[str, ...]) -> tuple[ModuleCall, ...]:
        calls: list[ModuleCall] = []
        for block in _of(blocks, "module"):
            if not block.labels:
                continue
            source_attr = block.attribute("source")
            source = source_attr.expr.value if source_attr and isinstance(
                source_attr.expr, Literal) else ""
            target = _local_source(directory, block)
            calls.append(ModuleCall(block.labels[0], str(source), block.span, target))
            if target is None and source and module_name(str(source)):
                child = f"{address}.module.{block.labels[0]}" if address else \
                    f"module.{block.labels[0]}"
                for suffix, bindings in _call_keys(block, scope):
                    inner = scope.child(**bindings) if bindings else scope
                    self.registry.extend((stack[0], address, r) for r in registry_resources(
                        str(source), block, inner, child + suffix, block.span.path))
            if target is None or target not in self.files or target in stack:
                continue  # registry/git module, missing directory, or a call cycle
            if len(stack) > _MAX_MODULE_DEPTH:
                continue
            if self.per_root.get(stack[0], 0) >= limits.MAX_MODULE_INSTANCES:
                # Calls fanned out at every level instantiate every combination (ten calls
                # nine levels deep: a billion): the rest of this root is not expanded.
                if stack[0] not in self.limited:
                    self.limited.add(stack[0])
                    limits.notice(block.span.path, block.span.line,
                                  f"over {limits.MAX_MODULE_INSTANCES} module instances "
                                  f"under the root {stack[0] or '.'}; this call and later "
                                  "ones are not evaluated")
                continue
            child = f"{address}.module.{block.labels[0]}" if address else \
                f"module.{block.labels[0]}"
            for suffix, bindings in _call_keys(block, scope):
                inner = scope.child(**bindings) if bindings else scope
                inputs = {a.name: (evaluate(a.expr, inner), a.span)
                          for a in block.attributes if a.name not in _CALL_META}
                self.instance(target, child + suffix, inputs, False, (*stack, target),
                              block.span)
        return tuple(calls)

    def map_states(self, states: tuple[TerraformState, ...]) -> list[TerraformState]:
        """Point each state/plan resource at the HCL block declaring it, when there is one."""
        declared: dict[str, Span] = {}
        for module in self.modules:
            for resource in (*module.resources, *module.data_sources):
                declared.setdefault(resource.config_address, resource.span)
        out = []
        for state in states:
            mapped = tuple(replace(r, declared_at=declared.get(r.config_address))
                           for r in state.resources)
            out.append(replace(state, resources=mapped))
        return out


def _of(blocks: list[Block], block_type: str) -> list[Block]:
    return [b for b in blocks if b.type == block_type]


def _local_source(directory: str, block: Block) -> str | None:
    attribute = block.attribute("source")
    if attribute is None or not isinstance(attribute.expr, Literal):
        return None
    source = str(attribute.expr.value)
    if not source.startswith(("./", "../")):
        return None
    target = posixpath.normpath(posixpath.join(directory, source))
    return None if target.startswith("..") else ("" if target == "." else target)


def _call_keys(block: Block, scope: Scope) -> list[tuple[str, dict[str, Any]]]:
    """The instances of a module call: (address suffix, count/each bindings) for each.

    `count = 0` and a `for_each` over an empty collection (`var.create ? var.x : {}` with
    `create = false`) create nothing; an unresolved count or collection is one instance
    whose `count.index` / `each` are unknown."""
    count_attr, each_attr = block.attribute("count"), block.attribute("for_each")
    if count_attr is not None:
        count = evaluate(count_attr.expr, scope)
        if isinstance(count, int) and not isinstance(count, bool):
            return [(f"[{i}]", {"count": {"index": i}})
                    for i in range(min(count, _MAX_INSTANCES))]
        return [("", {"count": {"index": Unknown("count")}})]
    if each_attr is not None:
        collection = evaluate(each_attr.expr, scope)
        if isinstance(collection, list) and all(isinstance(v, str) for v in collection):
            collection = {v: v for v in collection}
        if isinstance(collection, dict):
            return [(f'["{k}"]', {"each": {"key": k, "value": v}})
                    for k, v in list(collection.items())[:_MAX_INSTANCES]]
        return [("", {"each": Unknown("for_each")})]
    return [("", {})]


def convert(value: Any, type_expr: Expr, scope: Scope) -> Any:
    """Apply a variable's type constraint the way Terraform does where it changes values:
    object attributes declared `optional(T, default)` and missing from the value take
    their default (null without one). Anything else is returned as it is."""
    if isinstance(type_expr, Call) and isinstance(value, dict) and type_expr.args:
        name, arg = type_expr.name, type_expr.args[0]
        if name == "map":
            return {k: convert(v, arg, scope) for k, v in value.items()}
        if name == "object" and isinstance(arg, ObjectExpr):
            out = dict(value)
            for key_expr, attr_type in arg.items:
                key = key_expr.value if isinstance(key_expr, Literal) else None
                if not isinstance(key, str):
                    continue
                inner = attr_type
                if isinstance(attr_type, Call) and attr_type.name == "optional" and \
                        attr_type.args:
                    inner = attr_type.args[0]
                    if out.get(key) is None:  # absent or null: the optional default
                        out[key] = evaluate(attr_type.args[1], scope) \
                            if len(attr_type.args) > 1 else None
                if key in out:
                    out[key] = convert(out[key], inner, scope)
            return out
    if isinstance(type_expr, Call) and isinstance(value, list) and type_expr.args and \
            type_expr.name in ("list", "set"):
        return [convert(v, type_expr.args[0], scope) for v in value]
    return value


def _instances(block: Block, scope: Scope, module_address: str) -> list[Resource]:
    """One `Resource` per count index / for_each key (none for count = 0)."""
    rtype, name = block.labels[0], block.labels[1]
    mode = "managed" if block.type == "resource" else "data"
    prefix = f"{module_address}." if module_address else ""
    base = f"{prefix}{'data.' if mode == 'data' else ''}{rtype}.{name}"
    path = block.span.path
    count_attr, each_attr = block.attribute("count"), block.attribute("for_each")
    keys: list[tuple[int | str | None, dict[str, Any]]] = [(None, {})]
    unknown = False
    if count_attr is not None:
        count = evaluate(count_attr.expr, scope)
        if isinstance(count, int) and not isinstance(count, bool):
            keys = [(i, {"count": {"index": i}}) for i in range(min(count, _MAX_INSTANCES))]
        else:
            keys, unknown = [(None, {"count": {"index": Unknown("count")}})], True
    elif each_attr is not None:
        collection = evaluate(each_attr.expr, scope)
        if isinstance(collection, dict):
            keys = [(k, {"each": {"key": k, "value": v}}) for k, v in collection.items()]
        elif isinstance(collection, list) and all(isinstance(v, str) for v in collection):
            keys = [(k, {"each": {"key": k, "value": k}}) for k in collection]
        else:
            keys, unknown = [(None, {"each": Unknown("for_each")})], True
        keys = keys[:_MAX_INSTANCES]
    out = []
    for index, bindings in keys:
        body = evaluate_body(block, scope.child(**bindings))
        suffix = "" if index is None else f"[{index}]" if isinstance(index, int) else \
            f'["{index}"]'
        out.append(Resource(rtype, name, base + suffix, module_address, mode, body, path,
                            index, unknown))
    return out


def evaluate_body(block: Block, scope: Scope) -> Body:
    """Evaluate a block's attributes and nested blocks, expanding `dynamic` blocks."""
    attributes = {a.name: evaluate(a.expr, scope) for a in block.attributes}
    spans = {a.name: a.span for a in block.attributes}
    nested: dict[str, list[Body]] = defaultdict(list)
    unknown: set[str] = set()
    for child in block.blocks:
        if child.type != "dynamic":
            nested[child.type].append(evaluate_body(child, scope))
            continue
        if not child.labels:
            continue
        label = child.labels[0]
        iterator_attr = child.attribute("iterator")
        iterator = label
        if iterator_attr is not None and isinstance(iterator_attr.expr, Ref):
            iterator = str(iterator_attr.expr.parts[0])
        each_attr = child.attribute("for_each")
        collection = evaluate(each_attr.expr, scope) if each_attr else Unknown("for_each")
        content = child.blocks_of("content")
        items: list[tuple[Any, Any]] = []
        if isinstance(collection, dict):
            items = list(collection.items())
        elif isinstance(collection, list):
            items = list(enumerate(collection))
        else:
            unknown.add(label)
            continue
        for key, value in items[:_MAX_INSTANCES]:
            if content:
                inner = scope.child(**{iterator: {"key": key, "value": value}})
                body = evaluate_body(content[0], inner)
                nested[label].append(replace(body, span=child.span))
    return Body(block.span, attributes, spans, {k: tuple(v) for k, v in nested.items()},
                frozenset(unknown), block.end_line)


def _output(block: Block, scope: Scope) -> Any:
    attribute = block.attribute("value")
    return evaluate(attribute.expr, scope) if attribute else Unknown("output")


def _providers(blocks: list[Block]) -> list[Provider]:
    out = []
    for block in _of(blocks, "provider"):
        alias = block.attribute("alias")
        alias_name = str(alias.expr.value) if alias and isinstance(alias.expr, Literal) else ""
        out.append(Provider(block.labels[0] if block.labels else "", block.span, alias_name))
    return out


def _backend(terraform: list[Block], directory: str) -> Backend | None:
    for block in terraform:
        for child in block.blocks:
            if child.type == "backend":
                return Backend(child.labels[0] if child.labels else "", child.span, directory)
            if child.type == "cloud":
                return Backend("cloud", child.span, directory)
    return None


def build_terraform(project: ParsedProject) -> TerraformProject | None:
    """The evaluated Terraform of a scan, or None when it holds no Terraform at all."""
    if not any(isinstance(m, (TerraformFile, TerraformState)) for m in project.models.values()):
        return None
    return _Builder(project).build()
