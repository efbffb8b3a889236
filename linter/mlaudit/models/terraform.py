"""The evaluated Terraform model that rules read.

Built by `mlaudit.terraform.evaluate.build_terraform` from every parsed `.tf`/`.tf.json`,
tfvars, state and plan file. Values are plain Python data (str, int, float, bool, None,
list, dict) once Terraform's expressions are resolved statically; anything that cannot be
known without running Terraform (a resource attribute such as `aws_lb.this.arn`, a
variable with no default, a `for` expression) is an `Unknown`. Rules treat `Unknown` as
"cannot tell" and stay silent.

Positions: every attribute keeps the span of the line where it is written in its `.tf`
file, also when its value came through a variable, a local or a module input.

Quick use:

    for module in project.modules:                  # TerraformProject
        for res in module.resources_of("aws_db_instance"):
            if res.get("publicly_accessible") is True:
                at = res.span_of("publicly_accessible")
            for opts in res.blocks("metadata_options"):   # nested blocks, with spans
                opts.get("http_tokens"), opts.span_of("http_tokens")
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mlaudit.span import Span


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value mlaudit cannot know statically. `ref` names what it refers to when it is a
    plain reference (`aws_lb.this.arn`, `var.x`), so cross-resource rules can still link."""

    reason: str = ""
    ref: str = ""
    # What is known of a value that is only partly unknown: `jsonencode(...)` of a list
    # holding one unresolved image tag keeps the list here (see `Resource.decoded`).
    partial: Any = field(default=None, compare=False)
    # What is known of a string template with unknown parts, each unknown part written as
    # UNKNOWN_PART: `"${aws_ecr_repository.api.repository_url}:latest"` keeps "\0:latest".
    text: str | None = field(default=None, compare=False)


UNKNOWN_PART = "\0"


def is_known(value: Any) -> bool:
    """True when `value` holds no `Unknown` anywhere inside it."""
    if isinstance(value, Unknown):
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True


@dataclass(frozen=True, eq=False)
class Body:
    """An evaluated block body: attribute values and nested blocks, each with a span.

    `dynamic_unknown` names nested block types produced by a `dynamic` block whose
    collection could not be resolved: their absence proves nothing.
    """

    span: Span
    attributes: dict[str, Any] = field(default_factory=dict)
    spans: dict[str, Span] = field(default_factory=dict)
    nested: dict[str, tuple[Body, ...]] = field(default_factory=dict)
    dynamic_unknown: frozenset[str] = frozenset()
    end_line: int = 0

    def get(self, name: str, default: Any = None) -> Any:
        """An attribute's value; for a nested block type, its bodies as a list of dicts."""
        if name in self.attributes:
            return self.attributes[name]
        if name in self.nested:
            return [b.to_dict() for b in self.nested[name]]
        return default

    def has(self, name: str) -> bool:
        return name in self.attributes or name in self.nested

    def span_of(self, name: str) -> Span:
        """Where attribute (or first nested block) `name` is written; the block if absent."""
        if name in self.spans:
            return self.spans[name]
        if self.nested.get(name):
            return self.nested[name][0].span
        return self.span

    def blocks(self, name: str) -> tuple[Body, ...]:
        """Nested blocks of a type. In JSON syntax they arrive as object attributes: accepted."""
        if name in self.nested:
            return self.nested[name]
        value = self.attributes.get(name)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        at = self.spans.get(name, self.span)
        return tuple(Body(at, dict(v), {k: at for k in v}) for v in items if isinstance(v, dict))

    def block_unknown(self, name: str) -> bool:
        """True when blocks of this type may exist but could not be expanded."""
        return name in self.dynamic_unknown or isinstance(self.attributes.get(name), Unknown)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.attributes)
        for name, bodies in self.nested.items():
            out[name] = [b.to_dict() for b in bodies]
        return out


@dataclass(frozen=True, eq=False)
class Resource:
    """One resource (or data source) instance after evaluation.

    `address` is Terraform's (`module.api.aws_instance.web[0]`); `config_address` drops
    instance keys (`module.api.aws_instance.web`). `index` is the count index / for_each
    key, None for a single instance. `path` is the .tf file declaring it.
    """

    type: str
    name: str
    address: str
    module_address: str
    mode: str  # "managed" or "data"
    body: Body
    path: str
    index: int | str | None = None
    count_unknown: bool = False  # count/for_each unresolved: may have 0 instances
    # The registry module this resource stands for (`terraform-aws-modules/ecr/aws`), read
    # from the call's inputs; "" for a resource declared in the repository.
    registry: str = ""

    @property
    def span(self) -> Span:
        return self.body.span

    @property
    def config_address(self) -> str:
        prefix = f"{self.module_address}." if self.module_address else ""
        data = "data." if self.mode == "data" else ""
        return f"{prefix}{data}{self.type}.{self.name}"

    @property
    def attributes(self) -> dict[str, Any]:
        return self.body.attributes

    def get(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, default)

    def has(self, name: str) -> bool:
        return self.body.has(name)

    def span_of(self, name: str) -> Span:
        return self.body.span_of(name)

    def blocks(self, name: str) -> tuple[Body, ...]:
        return self.body.blocks(name)

    def block_unknown(self, name: str) -> bool:
        return self.body.block_unknown(name)

    def decoded(self, name: str) -> Any:
        """A JSON-string attribute decoded (ECS `container_definitions`, policies), or None.

    When the string was built by `jsonencode` of a partly unknown value, that value is
    returned with `Unknown` where Terraform would need to run.
    """
        value = self.get(name)
        if isinstance(value, Unknown):
            value = value.partial
        if isinstance(value, (list, dict)):
            return value
        if not isinstance(value, str):
            return None
        try:
            return json.loads(value)
        except ValueError:
            return None


@dataclass(frozen=True)
class Variable:
    name: str
    span: Span
    default: Any = None  # Unknown(reason="no default") when it has none
    value: Any = None  # after tfvars / module inputs
    value_span: Span | None = None  # where `value` was set (tfvars line, module input)


@dataclass(frozen=True)
class ModuleCall:
    """`module "name" { source = ... }`. `local_path` is the called directory, or None."""

    name: str
    source: str
    span: Span
    local_path: str | None = None


@dataclass(frozen=True)
class ModuleInstance:
    """How a local module instance came to be: the `module` block (in its parent, which
    may itself be a module) that created the instance `module_address` of directory `path`
    under the root module directory `root`."""

    module_address: str
    path: str
    root: str
    call_span: Span


@dataclass(frozen=True)
class Provider:
    name: str
    span: Span
    alias: str = ""


@dataclass(frozen=True)
class Backend:
    """`backend "<type>" {}` or `cloud {}` (type "cloud") inside `terraform {}`."""

    type: str
    span: Span
    module_path: str


@dataclass(frozen=True, eq=False)
class TerraformModule:
    """One module instance: a directory of .tf files evaluated in one context.

    A root module (not called by any other module in the repository) appears once, with
    its tfvars applied; a local child module appears once per call, with that call's
    inputs bound and resources addressed under `module_address`.
    """

    path: str  # directory, repo-relative ("" for the repository root)
    is_root: bool
    module_address: str
    resources: tuple[Resource, ...]
    data_sources: tuple[Resource, ...]
    variables: dict[str, Variable]
    locals: dict[str, Any]
    outputs: dict[str, Any]
    module_calls: tuple[ModuleCall, ...]
    providers: tuple[Provider, ...]
    backend: Backend | None
    terraform_block_span: Span | None
    files: tuple[str, ...] = ()
    root: str = ""  # the root module directory this instance belongs to ("" = repo root)

    def resources_of(self, *types: str) -> Iterator[Resource]:
        """Resources of these types, in declaration order (type index built on first use:
        rules ask this of every module, and a large repository has thousands)."""
        index: dict[str, list[Resource]] | None = self.__dict__.get("_by_type")
        if index is None:
            index = {}
            for resource in self.resources:
                index.setdefault(resource.type, []).append(resource)
            object.__setattr__(self, "_by_type", index)  # a cache, not state: frozen is kept
        if len(types) == 1:
            yield from index.get(types[0], ())
            return
        wanted = set(types)
        for resource in self.resources:
            if resource.type in wanted:
                yield resource


@dataclass(frozen=True)
class StateResource:
    """A resource instance from a state or plan file. `values` are secret: never print them.

    `declared_at` is the span of the HCL block that declares it, when found.
    """

    address: str
    type: str
    name: str
    mode: str
    module: str
    index: int | str | None
    values: Any
    span: Span
    actions: tuple[str, ...] = ()
    after_unknown: Any = None
    declared_at: Span | None = None

    @property
    def config_address(self) -> str:
        prefix = f"{self.module}." if self.module else ""
        data = "data." if self.mode == "data" else ""
        return f"{prefix}{data}{self.type}.{self.name}"


@dataclass(frozen=True)
class TerraformState:
    """A state v4 file (`kind` "state"), or `terraform show -json` of a plan ("plan") or of
    state ("show")."""

    path: str
    kind: str
    terraform_version: str
    resources: tuple[StateResource, ...]


@dataclass(frozen=True, eq=False)
class TerraformProject:
    modules: tuple[TerraformModule, ...]
    backends: tuple[Backend, ...]
    providers: tuple[Provider, ...]
    states: tuple[TerraformState, ...] = ()
    instances: tuple[ModuleInstance, ...] = ()  # one per local module instance
    # Resources that calls to well-known registry modules create, read from their inputs
    # (mlaudit.terraform.registry), with the (root, module address) of the calling instance.
    # Kept apart from `modules`: only rules that know these mappings read them.
    registry: tuple[tuple[str, str, Resource], ...] = ()

    def registry_of(self, module: TerraformModule) -> list[Resource]:
        """What the registry modules called by this module instance create."""
        index: dict[tuple[str, str], list[Resource]] | None = self.__dict__.get("_registry")
        if index is None:
            index = {}
            for root, address, resource in self.registry:
                index.setdefault((root, address), []).append(resource)
            object.__setattr__(self, "_registry", index)  # a cache: built once per scan
        return index.get((module.root, module.module_address), [])

    def callers(self, directory: str) -> list[tuple[str, str, Span]]:
        """Who instantiates the module in `directory`: (root directory, module address,
        span of the root's `module` block that leads to it), one per instance. Empty for a
        root module, and for a module no root instantiates (every call has count 0)."""
        calls = {(i.root, i.module_address): i.call_span for i in self.instances}
        out = []
        for item in self.instances:
            if item.path != directory:
                continue
            top = _top_call(item.module_address)
            out.append((item.root, item.module_address,
                        calls.get((item.root, top), item.call_span)))
        return out

    def instance(self, module: TerraformModule) -> ModuleInstance | None:
        """The call that created a module instance (None for a root module)."""
        for item in self.instances:
            if item.module_address == module.module_address and item.root == module.root:
                return item
        return None

    def resources(self, type_prefix: str = "") -> Iterator[Resource]:
        """Every managed resource instance whose type starts with `type_prefix`."""
        by_type: dict[str, list[Resource]] | None = self.__dict__.get("_by_type")
        if by_type is None:
            by_type = {}
            for module in self.modules:
                for resource in module.resources:
                    by_type.setdefault(resource.type, []).append(resource)
            object.__setattr__(self, "_by_type", by_type)  # a cache: built once per scan
        if not type_prefix:
            for module in self.modules:
                yield from module.resources
            return
        for type_name, resources in by_type.items():
            if type_name.startswith(type_prefix):
                yield from resources

    def root_of(self, resource: Resource) -> str:
        """The root module directory whose instance declares `resource` (its deployment
        unit): two roots may declare the same address, and a module called by two roots
        yields one resource per caller."""
        index: dict[int, str] | None = self.__dict__.get("_root_of")
        if index is None:
            index = {}
            for module in self.modules:
                for item in (*module.resources, *module.data_sources):
                    index[id(item)] = module.root
            object.__setattr__(self, "_root_of", index)
        return index.get(id(resource), "")

    def declaration(self, address: str, root: str | None = None) -> Resource | None:
        """The evaluated resource for a (config or instance) address, if declared in HCL;
        with `root`, only in that root module's tree (roots side by side repeat addresses:
        each environment declares its own `aws_ecs_service.api`)."""
        index: dict[tuple[str | None, str], Resource] | None = self.__dict__.get(
            "_by_address")
        if index is None:
            index = {}
            for module in self.modules:
                for resource in (*module.resources, *module.data_sources):
                    for scope in (None, module.root):
                        index.setdefault((scope, resource.address), resource)
                        index.setdefault((scope, resource.config_address), resource)
            object.__setattr__(self, "_by_address", index)
        return index.get((root, address))


def _top_call(address: str) -> str:
    """`module.a["k"].module.b` -> `module.a["k"]`: the call made by the root module."""
    head, sep, _ = address.partition(".module.")
    return head if sep else address
