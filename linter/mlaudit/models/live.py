"""What a live run learned about an AWS account: the subject of the live rules (MLA8xx).

`LiveFacts` is what the read-only API calls returned, one typed record per resource,
already reduced to the values rules judge (never secret values: environment variables
are kept by name only). It round-trips through JSON (`to_json` / `facts_from_json`), so
rule fixtures are recorded facts and need no network.

`LiveState` is the facts joined with the repository: each Terraform root's state (local
file, `terraform show -json` output, or the object its S3 backend points at), where each
managed resource is declared, and which live resources some root manages. The live rules
read it; drift rules compare a root's state with the facts.

Standard library only, like every model.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from mlaudit.models.terraform import StateResource
from mlaudit.span import Span


@dataclass(frozen=True)
class Notice:
    """A check that could not run: the permission it needs and why it failed."""

    region: str
    service: str
    action: str  # the IAM action, e.g. lambda:ListFunctions
    reason: str  # access-denied, unavailable, throttled, error


@dataclass(frozen=True)
class IngressRule:
    """One security-group ingress permission for one source."""

    protocol: str  # "tcp", "udp", "icmp", "-1" (all)
    from_port: int | None
    to_port: int | None
    source: str  # a CIDR, a security-group id or a prefix-list id


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str
    region: str
    vpc_id: str = ""
    ingress: tuple[IngressRule, ...] = ()


@dataclass(frozen=True)
class Container:
    name: str
    image: str
    health_check: bool
    essential: bool = True


@dataclass(frozen=True)
class TaskDefinition:
    arn: str
    family: str
    region: str
    containers: tuple[Container, ...] = ()


@dataclass(frozen=True)
class EcsService:
    arn: str
    name: str
    cluster: str
    region: str
    desired: int
    running: int
    task_definition: str
    min_healthy_percent: int | None = None
    max_percent: int | None = None
    circuit_breaker: bool | None = None  # None: the API did not say
    scalable_target: bool | None = None  # None: application-autoscaling not readable
    scaling_policies: int | None = None


@dataclass(frozen=True)
class TargetGroup:
    arn: str
    name: str
    region: str
    protocol: str = ""
    health_check_enabled: bool = True
    health_check_path: str | None = None
    health_check_interval: int | None = None
    unhealthy: tuple[str, ...] = ()  # target ids currently unhealthy
    targets: int = 0


@dataclass(frozen=True)
class Listener:
    arn: str
    load_balancer: str
    region: str
    port: int
    protocol: str
    ssl_policy: str = ""
    actions: tuple[str, ...] = ()  # default action types: forward, redirect, fixed-response


@dataclass(frozen=True)
class Layer:
    arn: str
    code_size: int = 0


@dataclass(frozen=True)
class LambdaFunction:
    name: str
    arn: str
    region: str
    package_type: str = "Zip"
    code_size: int = 0  # bytes of the zip; 0 for an image or when unknown
    image_size: int | None = None  # bytes of the image, when ECR says
    memory: int = 128
    timeout: int = 3
    runtime: str = ""
    environment: tuple[str, ...] = ()  # variable names only: values are secrets
    layers: tuple[Layer, ...] = ()
    provisioned_concurrency: bool | None = None  # None: could not be read
    url_auth: str | None = None  # AuthType of the function URL; None: no URL


@dataclass(frozen=True)
class Variant:
    name: str
    instance_type: str = ""
    current_count: int | None = None
    desired_count: int | None = None
    serverless_memory: int | None = None  # MB, for a serverless variant
    model_size: int | None = None  # bytes of the model artifact, when known


@dataclass(frozen=True)
class SageMakerEndpoint:
    name: str
    arn: str
    region: str
    config_name: str = ""
    variants: tuple[Variant, ...] = ()
    scalable_variants: tuple[str, ...] | None = None  # None: autoscaling not readable


@dataclass(frozen=True)
class EcrRepository:
    name: str
    arn: str
    region: str
    tag_mutability: str = "MUTABLE"
    scan_on_push: bool = False


@dataclass(frozen=True)
class AccessKey:
    user: str
    key_id: str
    status: str
    created: str  # ISO 8601


@dataclass(frozen=True)
class LiveFacts:
    """Everything one live run read. `complete` lists the (region, service) pairs whose
    listing succeeded: only there does a missing resource mean it is gone."""

    account: str = ""
    collected_at: str = ""  # ISO 8601; ages (access keys) are judged against it
    regions: tuple[str, ...] = ()
    complete: tuple[tuple[str, str], ...] = ()
    notices: tuple[Notice, ...] = ()
    security_groups: tuple[SecurityGroup, ...] = ()
    ecs_services: tuple[EcsService, ...] = ()
    task_definitions: tuple[TaskDefinition, ...] = ()
    target_groups: tuple[TargetGroup, ...] = ()
    listeners: tuple[Listener, ...] = ()
    functions: tuple[LambdaFunction, ...] = ()
    endpoints: tuple[SageMakerEndpoint, ...] = ()
    repositories: tuple[EcrRepository, ...] = ()
    access_keys: tuple[AccessKey, ...] = ()
    root_access_keys: int | None = None

    def is_complete(self, region: str, service: str) -> bool:
        return (region, service) in self.complete or ("", service) in self.complete

    def to_json(self) -> str:
        return json.dumps(_encode(self), indent=2, sort_keys=True) + "\n"


def facts_from_json(text: str) -> LiveFacts:
    """The facts a `to_json` wrote (a rule fixture, a recorded run)."""
    value = _decode(LiveFacts, json.loads(text))
    assert isinstance(value, LiveFacts)
    return value


@dataclass(frozen=True)
class Anchor:
    """Where a live resource is declared: the Terraform root, address and `.tf` block."""

    root: str
    address: str
    span: Span | None
    state: Span | None = None  # the state entry (local file) it was matched through


@dataclass(frozen=True)
class PlanDrift:
    """An entry of `resource_drift` in a plan JSON: Terraform's own drift report."""

    address: str
    type: str
    actions: tuple[str, ...]
    attributes: tuple[str, ...]  # names of the attributes that changed (never values)
    span: Span  # the entry in the plan file


@dataclass(frozen=True)
class ManagedRoot:
    """A Terraform root module and the state it was read from."""

    root: str  # directory ("." for the repository root)
    unit: str  # the deployment unit id
    source: str  # the state file's path, or s3://bucket/key
    resources: tuple[StateResource, ...] = ()
    declared: tuple[tuple[str, Span], ...] = ()  # address -> the .tf block declaring it
    plan_drift: tuple[PlanDrift, ...] = ()
    local: bool = True  # False: read from the backend (no line to point at in it)

    def declaration(self, address: str) -> Span | None:
        found = dict(self.declared)
        if address in found:
            return found[address]
        base = address.split("[", 1)[0]
        return found.get(base)


@dataclass
class LiveState:
    facts: LiveFacts
    roots: tuple[ManagedRoot, ...] = ()
    anchors: dict[str, Anchor] = field(default_factory=dict)  # live id or ARN -> anchor

    def anchor(self, *ids: str) -> Anchor | None:
        for item in ids:
            if item and item in self.anchors:
                return self.anchors[item]
        return None


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    return value


def _decode(hint: Any, value: Any) -> Any:
    """Rebuild a value of type `hint` from JSON data (dataclasses, tuples, optionals)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return None if value is None else _decode(options[0], value)
    if origin is tuple:
        args = typing.get_args(hint)
        items = value if isinstance(value, list) else []
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in items)
        return tuple(_decode(a, v) for a, v in zip(args, items, strict=False))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ValueError(f"expected an object for {hint.__name__}")
        hints = typing.get_type_hints(hint)
        known = {f.name for f in dataclasses.fields(hint)}
        unknown = set(value) - known
        if unknown:
            raise ValueError(f"unknown keys for {hint.__name__}: {sorted(unknown)}")
        return hint(**{k: _decode(hints[k], v) for k, v in value.items()})
    return value
