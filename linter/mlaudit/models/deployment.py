"""The deployment model: the repository as one deployment, built once per scan.

Builders in `mlaudit.deployment` read every parsed file and produce the facts below; rules
query them through `Deployment`'s helpers and never re-parse. Every fact is a node of a
graph (it has an `id`, a `kind` and a `span`), and `edges` connect them: the internet to an
entry point, a load balancer to its target group, an nginx `proxy_pass` to the service it
reaches, a service to the image it runs, a workflow job to what it builds and deploys.

Facts that cannot be linked statically stay unlinked: a missing edge means "cannot tell",
never "not connected". The JSON form (`to_json`) is documented in docs/deployment-model.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from mlaudit.models.command import ServerLaunch
from mlaudit.models.image import ImageRef
from mlaudit.project import ParsedProject
from mlaudit.span import Span

if TYPE_CHECKING:  # loaded with the first container found (mlaudit.deployment.sagemaker)
    from mlaudit.models.sagemaker import SageMakerContainer

T = TypeVar("T")

SCHEMA = "mlaudit.deployment/v2"
WORLD_CIDRS = frozenset({"0.0.0.0/0", "::/0"})


@dataclass(frozen=True, slots=True)
class ListenPort:
    """A port a process listens on. `origin`: cmd, python, expose, compose-command,
    compose-expose, task-definition, user-data. `port` None: written but unresolvable."""

    port: int | None
    origin: str
    span: Span
    host: str | None = None


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """A health check. `origin`: dockerfile, compose, ecs, target-group. `served`: for an
    HTTP check whose path could be compared with the app's routes, whether a route serves
    it (None: cannot tell)."""

    id: str
    origin: str
    span: Span
    path: str | None = None
    port: int | None = None
    disabled: bool = False
    served: bool | None = None
    route_span: Span | None = None
    kind: str = "healthcheck"
    command: str = ""  # the probe command (compose `test`, ECS `command`), "" when none

    @property
    def name(self) -> str:
        return f"{self.origin} health check" + (f" {self.path}" if self.path else "")


@dataclass(frozen=True, slots=True)
class Route:
    method: str  # GET, POST, ... or "*"
    path: str
    span: Span


@dataclass(frozen=True)
class Image:
    """A container image built from a Dockerfile in the repository.

    `names` are the repository names it is built/pushed as (from `docker build -t`, a
    workflow build action, or an ECR repository a deployment links to), for matching.
    """

    id: str
    dockerfile: str
    span: Span  # the final FROM
    server: ServerLaunch | None = None
    ports: tuple[ListenPort, ...] = ()
    healthchecks: tuple[HealthCheck, ...] = ()
    routes: tuple[Route, ...] = ()
    routes_complete: bool = False  # every route of the app is known (no foreign routers)
    app_files: tuple[str, ...] = ()  # Python files of the app the server starts
    names: tuple[str, ...] = ()
    kind: str = "image"

    @property
    def name(self) -> str:
        return self.dockerfile


@dataclass(frozen=True, slots=True)
class PublishedPort:
    """A port published on a host: compose `ports:`, an ECS `hostPort`."""

    host_port: int | None
    container_port: int | None
    host_ip: str | None
    span: Span

    @property
    def all_interfaces(self) -> bool:
        return self.host_ip in (None, "", "0.0.0.0", "::", "[::]")


@dataclass(frozen=True)
class Service:
    """A running container: a compose service, an ECS container (`platform` "ecs", with
    `group` the aws_ecs_service address when one runs it), a container started by EC2
    user_data ("ec2"), or a container in a task definition file ("task-definition")."""

    id: str
    platform: str
    name: str
    span: Span
    image: ImageRef | None = None
    image_span: Span | None = None
    image_id: str | None = None  # the Image (Dockerfile) it runs, when linked
    ports: tuple[ListenPort, ...] = ()
    published: tuple[PublishedPort, ...] = ()
    healthchecks: tuple[HealthCheck, ...] = ()
    group: str | None = None
    kind: str = "service"


@dataclass(frozen=True)
class EntryPoint:
    """Where traffic enters. `kind`: security-group-rule, load-balancer, listener,
    nginx-server, compose-port, function-url, instance. `public`: open to the internet
    (None: cannot tell). Ports are inclusive; None = all ports or unknown."""

    id: str
    kind: str
    name: str
    span: Span
    from_port: int | None = None
    to_port: int | None = None
    protocol: str | None = None
    cidrs: tuple[str, ...] = ()
    public: bool | None = None
    tls: bool | None = None
    group: str | None = None  # the security group / load balancer it belongs to

    def covers(self, port: int) -> bool:
        if self.from_port is None or self.to_port is None:
            return self.protocol in ("-1", "all")
        return self.from_port <= port <= self.to_port


@dataclass(frozen=True)
class Proxy:
    """Something that forwards requests: an nginx proxy_pass (`kind` "nginx") or a load
    balancer target group ("target-group"). `host`/`port` as resolved (upstreams
    expanded: one Proxy per upstream server)."""

    id: str
    kind: str
    name: str
    span: Span
    upstream: str = ""
    host: str | None = None
    port: int | None = None
    healthchecks: tuple[HealthCheck, ...] = ()


@dataclass(frozen=True)
class Scaling:
    """Auto scaling: `kind` appautoscaling (target + policies) or autoscaling-group."""

    id: str
    kind: str
    name: str
    span: Span
    resource_id: str | None = None
    min_capacity: int | None = None
    max_capacity: int | None = None
    policies: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Function:
    """A serverless function and what it packages: requirements and model artifacts."""

    id: str
    platform: str  # sam, serverless, terraform
    name: str
    span: Span
    handler: str | None = None
    runtime: str | None = None
    memory: int | None = None
    timeout: int | None = None
    source_dir: str | None = None
    image: str | None = None
    handler_file: str | None = None
    requirements: tuple[str, ...] = ()  # requirement file paths
    packages: tuple[str, ...] = ()  # normalised package names they declare
    artifacts: tuple[tuple[str, int], ...] = ()  # (path, size) of model files in source_dir
    url_public: bool | None = None
    url_span: Span | None = None
    kind: str = "function"


@dataclass(frozen=True)
class PipelineJob:
    """A workflow job. `roles` ⊆ {build, push, deploy, test}."""

    id: str
    workflow: str
    job: str
    name: str
    span: Span
    roles: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    role_spans: tuple[tuple[str, Span], ...] = ()
    kind: str = "job"


@dataclass(frozen=True)
class ImageReference:
    """Any container image reference. `context`: dockerfile-from, compose-image,
    ecs-image, terraform-image, workflow-container, workflow-service, workflow-uses,
    workflow-tag, function-image. `owner` is the node id holding it."""

    ref: ImageRef
    span: Span
    context: str
    owner: str


@dataclass(frozen=True)
class Resource:
    """A supporting resource worth showing: ECR repository, ECS cluster, state backend."""

    id: str
    kind: str  # registry, state-backend, cluster, instance, requirements
    name: str
    span: Span


@dataclass(frozen=True)
class Unit:
    """A deployment unit: one thing that is deployed on its own.

    `kind`: terraform-root (a root module with its module tree, variables, tfvars, backend
    and state), compose-project (the files `docker compose` merges), sam-stack,
    serverless-service, task-definition (an ECS task definition file), image (a Dockerfile
    and the app it runs), workflow (a CI workflow), nginx (an nginx configuration not
    mounted by a compose project). `files` are the repository files it reads; a Terraform
    module called by several roots belongs to each of them. `role` is the unit's file role
    (mlaudit.roles): the role of its defining file.
    """

    id: str
    kind: str
    name: str
    path: str
    span: Span
    files: tuple[str, ...] = ()
    role: str = "deployment"


@dataclass(frozen=True, slots=True)
class UnitLink:
    """Evidence that two units are connected: the edge between their nodes that says so
    (a task definition running an image a workflow builds, a job applying a root)."""

    source: str
    target: str
    kind: str
    edge: Edge


@dataclass(frozen=True, slots=True)
class Edge:
    """`kind`: exposes, allows, forwards, proxies, runs, checks, scales, serves, builds,
    pushes, deploys, needs, packages, stores."""

    source: str
    target: str
    kind: str
    span: Span | None = None


Node = (Image | Service | EntryPoint | Proxy | Scaling | Function | PipelineJob | Resource
        | HealthCheck)


_CLASSES: tuple[tuple[type, str], ...] = (
    (Image, "image"), (Service, "service"), (EntryPoint, "entry"), (Proxy, "proxy"),
    (Scaling, "scaling"), (Function, "function"), (PipelineJob, "job"),
    (HealthCheck, "healthcheck"))


def node_class(node: Node) -> str:
    """A node's family: image, service, entry, proxy, scaling, function, job, healthcheck,
    internet or resource (`kind` is the finer type inside the family)."""
    if node.id == "internet":
        return "internet"
    return next((name for cls, name in _CLASSES if isinstance(node, cls)), "resource")


@dataclass
class Deployment:
    project: ParsedProject
    terraform: Any = None  # mlaudit.models.terraform.TerraformProject when Terraform exists
    extra_subjects: list[Any] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    image_refs: list[ImageReference] = field(default_factory=list)
    extents: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # id -> path, lines
    units: dict[str, Unit] = field(default_factory=dict)
    node_units: dict[str, str] = field(default_factory=dict)  # node id -> unit id
    file_units: dict[str, tuple[str, ...]] = field(default_factory=dict)  # path -> unit ids
    unit_links: list[UnitLink] = field(default_factory=list)
    roles: Any = None  # mlaudit.roles.RoleResolver of the scan
    # Builder steps that failed on unexpected input (the model is then partial, not wrong).
    problems: list[str] = field(default_factory=list)
    _memo: dict[Hashable, Any] = field(default_factory=dict, repr=False)
    # Repository-wide facts a rule reads (see `repository_fact`): key -> (value, the file
    # kinds it is computed from); and the values an incremental scan brings from its record.
    facts: dict[str, tuple[Any, tuple[str, ...]]] = field(default_factory=dict, repr=False)
    recorded_facts: dict[str, Any] = field(default_factory=dict, repr=False)
    version: int = field(default=0, repr=False)  # bumped on every node added or replaced

    def memo(self, key: Hashable, factory: Callable[[], T]) -> T:
        """A project-wide fact computed once per scan.

        Rules that target each Terraform module (or each file) but need facts about the
        whole repository (every scaling target, every listener) compute them here once,
        instead of once per module: quadratic on a repository with hundreds of modules.
        """
        if key not in self._memo:
            self._memo[key] = factory()
        value: T = self._memo[key]
        return value

    def repository_fact(self, key: str, kinds: tuple[str, ...],
                        factory: Callable[[], T]) -> T:
        """A fact about the whole repository (does anything terminate TLS?), computed
        once per scan from files of `kinds` (FileKind values). An incremental scan that
        rebuilds only part of the repository reads the value its record holds (none of
        those files changed, or it scans everything: mlaudit.incremental)."""
        if key in self.recorded_facts:
            value: T = self.recorded_facts[key]
        else:
            value = self.memo(("fact", key), factory)
        self.facts[key] = (value, kinds)
        return value

    def models(self, cls: type[T]) -> Iterator[T]:
        return self.project.of_type(cls)

    def subjects(self) -> list[Any]:
        """Models derived from several files, which rules may also target."""
        subjects: list[Any] = list(self.extra_subjects)
        if self.terraform is not None:
            subjects.extend(getattr(self.terraform, "modules", ()))
        return subjects

    # -- generic graph access -------------------------------------------------------
    def node(self, node_id: str) -> Node | None:
        return self.nodes.get(node_id)

    def of_kind(self, cls: type[T]) -> list[T]:
        # Indexed per class: asked once per service by builders and rules, a walk over
        # every node each time is quadratic. Builders change nodes only through
        # DeploymentBuilder.add/update, which bump `version`.
        key = ("_of_kind", cls)
        cached = self._memo.get(key)
        if cached is None or cached[0] != (self.version, len(self.nodes)):
            cached = ((self.version, len(self.nodes)),
                      [n for n in self.nodes.values() if isinstance(n, cls)])
            self._memo[key] = cached
        return list(cached[1])

    def _edge_index(self) -> tuple[dict[str, list[Edge]], dict[str, list[Edge]]]:
        """Edges by source and by target. Builders only append edges, so the index is
        rebuilt when the count changed (queries run thousands of times on big repos)."""
        cached = self._memo.get("_edges")
        if cached is None or cached[0] != len(self.edges):
            by_source: dict[str, list[Edge]] = {}
            by_target: dict[str, list[Edge]] = {}
            for edge in self.edges:
                by_source.setdefault(edge.source, []).append(edge)
                by_target.setdefault(edge.target, []).append(edge)
            cached = (len(self.edges), by_source, by_target)
            self._memo["_edges"] = cached
        return cached[1], cached[2]

    def edges_from(self, node_id: str, kind: str | None = None) -> list[Edge]:
        return [e for e in self._edge_index()[0].get(node_id, ()) if kind in (None, e.kind)]

    def edges_to(self, node_id: str, kind: str | None = None) -> list[Edge]:
        return [e for e in self._edge_index()[1].get(node_id, ()) if kind in (None, e.kind)]

    def _targets(self, node_id: str, kind: str | None, cls: type[T]) -> list[T]:
        out = [self.nodes.get(e.target) for e in self.edges_from(node_id, kind)]
        return [n for n in out if isinstance(n, cls)]

    def _sources(self, node_id: str, kind: str | None, cls: type[T]) -> list[T]:
        out = [self.nodes.get(e.source) for e in self.edges_to(node_id, kind)]
        return [n for n in out if isinstance(n, cls)]

    def nodes_at(self, span: Span) -> list[Node]:
        """Nodes whose source extent contains `span` (for marking findings)."""
        out: list[Node] = []
        for node_id, (path, first, last) in self.extents.items():
            if span.path == path and first <= span.line <= last and node_id in self.nodes:
                out.append(self.nodes[node_id])
        return out

    # -- services and images ----------------------------------------------------------
    def services(self) -> list[Service]:
        return self.of_kind(Service)

    def images(self) -> list[Image]:
        return self.of_kind(Image)

    def indexed(self, name: str, build: Callable[[], T]) -> T:
        """An index over the nodes, rebuilt when a builder changed them (unlike `memo`,
        usable while the graph is being built)."""
        key = ("_index", name)
        cached = self._memo.get(key)
        if cached is None or cached[0] != (self.version, len(self.nodes)):
            cached = ((self.version, len(self.nodes)), build())
            self._memo[key] = cached
        value: T = cached[1]
        return value

    def image_for_dockerfile(self, path: str) -> Image | None:
        def build() -> dict[str, Image]:
            out: dict[str, Image] = {}
            for image in self.images():
                out.setdefault(image.dockerfile or "", image)
            return out
        return self.indexed("image-by-dockerfile", build).get(path)

    def service_for_dockerfile(self, path: str) -> list[Service]:
        """Every deployment (compose, ECS, EC2 container) of the image a Dockerfile builds."""
        image = self.image_for_dockerfile(path)
        if image is None:
            return []

        def build() -> dict[str, list[Service]]:
            out: dict[str, list[Service]] = {}
            for service in self.services():
                out.setdefault(service.image_id or "", []).append(service)
            return out
        return list(self.indexed("services-by-image", build).get(image.id, ()))

    def compose_service(self, group: str | None, name: str) -> Service | None:
        """The compose Service node of project `group` named `name` (indexed: rules ask
        per compose service)."""
        def build() -> dict[tuple[str | None, str], Service]:
            out: dict[tuple[str | None, str], Service] = {}
            for service in self.services():
                if service.platform == "compose":
                    out.setdefault((service.group, service.name), service)
            return out
        return self.indexed("compose-services", build).get((group, name))

    def image_of(self, service: Service) -> Image | None:
        node = self.nodes.get(service.image_id or "")
        return node if isinstance(node, Image) else None

    def healthcheck_elsewhere(self, dockerfile_path: str) -> bool:
        """True when the image is deployed at least once and EVERY deployment defines an
        enabled health check (compose healthcheck, ECS container healthCheck, or the
        target group health check of a load balancer routing to it: ECS replaces tasks
        that fail it, and ignores the image's HEALTHCHECK)."""
        deployments = self.service_for_dockerfile(dockerfile_path)

        def checked(service: Service) -> bool:
            routed = [c for p in self._sources(service.id, "routes", Proxy)
                      for c in p.healthchecks]
            return any(not h.disabled for h in (*service.healthchecks, *routed))

        return bool(deployments) and all(checked(s) for s in deployments)

    def ports_of(self, service: Service | Image) -> set[int]:
        """Ports the service's process listens on (its own, else its image's)."""
        own = {p.port for p in service.ports if p.port is not None}
        if own or not isinstance(service, Service):
            return own
        image = self.image_of(service)
        return {p.port for p in image.ports if p.port is not None} if image else set()

    def listen_ports(self) -> list[tuple[Service | Image, ListenPort]]:
        out: list[tuple[Service | Image, ListenPort]] = []
        for node in self.nodes.values():
            if isinstance(node, (Service, Image)):
                out.extend((node, port) for port in node.ports)
        return out

    def healthchecks_for(self, service: Service) -> list[HealthCheck]:
        """Own checks, the image's HEALTHCHECK, and target-group checks routing to it."""
        checks = list(service.healthchecks)
        image = self.image_of(service)
        if image is not None:
            checks.extend(image.healthchecks)
        for proxy in self._sources(service.id, "routes", Proxy):
            checks.extend(proxy.healthchecks)
        return checks

    # -- entry points, proxies, scaling --------------------------------------------------
    def entry_points(self) -> list[EntryPoint]:
        return self.of_kind(EntryPoint)

    def internet_ingress(self) -> list[EntryPoint]:
        """Entry points open to the internet (0.0.0.0/0, ::/0, public URL or listener)."""
        return [e for e in self.entry_points() if e.public]

    def reached_by(self, entry: EntryPoint) -> list[Node]:
        """What an entry point leads to directly (a service, a load balancer, an instance,
        the ports a host publishes)."""
        out = [self.nodes.get(e.target) for e in self.edges_from(entry.id)]
        return [n for n in out if n is not None]

    def proxies(self) -> list[Proxy]:
        return self.of_kind(Proxy)

    def targets_of(self, proxy: Proxy) -> list[Service | Image]:
        out = [self.nodes.get(e.target) for e in self.edges_from(proxy.id)
               if e.kind in ("proxies", "routes")]
        return [n for n in out if isinstance(n, (Service, Image))]

    def scaling_for(self, service: Service | str) -> list[Scaling]:
        """Scaling for a service (or an aws_ecs_service address)."""
        if isinstance(service, str):
            ids = [s.id for s in self.services() if s.group == service]
        else:
            ids = [service.id]
        found: dict[str, Scaling] = {}
        for node_id in ids:
            for scaling in self._sources(node_id, "scales", Scaling):
                found[scaling.id] = scaling
        return list(found.values())

    # -- functions, pipelines, images ----------------------------------------------------
    def functions(self) -> list[Function]:
        return self.of_kind(Function)

    def pipelines(self) -> list[PipelineJob]:
        return self.of_kind(PipelineJob)

    def jobs_needed_by(self, job: PipelineJob) -> list[PipelineJob]:
        return self._targets(job.id, "needs", PipelineJob)

    def image_references(self) -> list[ImageReference]:
        return list(self.image_refs)

    def image_reference_at(self, context: str, span: Span) -> ImageReference | None:
        """The first image reference of a context written at `span` (the final FROM of an
        image: "dockerfile-from" at the Image's span). Indexed: asked per image or service,
        a walk over every reference each time is quadratic."""
        cached = self._memo.get("_refs-at")
        if cached is None or cached[0] != len(self.image_refs):
            index: dict[tuple[str, Span], ImageReference] = {}
            for ref in self.image_refs:
                index.setdefault((ref.context, ref.span), ref)
            cached = (len(self.image_refs), index)
            self._memo["_refs-at"] = cached
        found: ImageReference | None = cached[1].get((context, span))
        return found

    def resources(self, kind: str | None = None) -> list[Resource]:
        return [r for r in self.of_kind(Resource) if kind in (None, r.kind)]

    # -- deployment units ---------------------------------------------------------------
    def unit_of(self, node: Node | str) -> Unit | None:
        """The unit a node belongs to (None for the internet and unplaced nodes)."""
        node_id = node if isinstance(node, str) else node.id
        unit = self.node_units.get(node_id)
        return self.units.get(unit) if unit is not None else None

    def connected_units(self, unit_id: str) -> set[str]:
        """`unit_id` and every unit reachable from it through unit links, either way: the
        deployments that evidence ties together (a root and the images it runs)."""
        def build() -> dict[str, set[str]]:
            neighbours: dict[str, set[str]] = {}
            for link in self.unit_links:
                neighbours.setdefault(link.source, set()).add(link.target)
                neighbours.setdefault(link.target, set()).add(link.source)
            return neighbours

        neighbours = self.memo("_unit_neighbours", build)
        seen, pending = {unit_id}, [unit_id]
        while pending:
            for other in neighbours.get(pending.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    pending.append(other)
        return seen

    # -- SageMaker containers -------------------------------------------------------------
    def sagemaker_containers(self) -> list[SageMakerContainer]:
        """The repository's SageMaker bring-your-own-container images (computed on first
        use: only rules that care pay for it)."""
        def detect() -> list[SageMakerContainer]:
            module = importlib.import_module("mlaudit.deployment.sagemaker")
            found: list[SageMakerContainer] = module.sagemaker_containers(self.project, self)
            return found
        return self.memo("sagemaker-containers", detect)

    def sagemaker_container_of(self, path: str) -> SageMakerContainer | None:
        """The SageMaker container a file (Dockerfile, nginx config, program) belongs to."""
        def index() -> dict[str, SageMakerContainer]:
            out: dict[str, SageMakerContainer] = {}
            for container in self.sagemaker_containers():
                for member in container.files:
                    out.setdefault(member, container)
            return out
        return self.memo("sagemaker-files", index).get(path)

    def to_json(self) -> dict[str, Any]:
        """The documented, versioned JSON shape (docs/deployment-model.md)."""
        serialize = importlib.import_module("mlaudit.deployment.serialize")
        data: dict[str, Any] = serialize.to_json(self)
        return data


def build_deployment(project: ParsedProject, roles: Any = None) -> Deployment:
    # The builders live in mlaudit.deployment (they read parser helpers); imported here
    # lazily so that importing this model for isinstance checks stays cheap.
    builder = importlib.import_module("mlaudit.deployment")
    deployment: Deployment = builder.build(project, roles)
    return deployment
