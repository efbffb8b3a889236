"""The cross-file links of the deployment model, on the realistic fixture projects."""

from __future__ import annotations

from mlaudit.models.deployment import (
    Deployment,
    EntryPoint,
    Function,
    HealthCheck,
    PipelineJob,
    Proxy,
    Service,
)
from tests.deployment.conftest import scanned


def model(name: str) -> Deployment:
    deployment = scanned(name).deployment
    assert isinstance(deployment, Deployment)
    assert deployment.problems == []
    return deployment


def service(d: Deployment, platform: str, name: str) -> Service:
    hits = [s for s in d.services() if s.platform == platform and s.name == name]
    assert len(hits) == 1, [s.id for s in d.services()]
    return hits[0]


def test_nginx_proxy_reaches_compose_service_listening_on_its_port() -> None:
    d = model("compose-ec2")
    api = service(d, "compose", "api")
    proxies = [p for p in d.proxies() if p.kind == "nginx"]
    assert [(p.host, p.port) for p in proxies] == [("api", 8000)]
    assert d.targets_of(proxies[0]) == [api]
    assert 8000 in d.ports_of(api)  # from the gunicorn --bind in the built Dockerfile


def test_nginx_upstream_block_is_expanded() -> None:
    d = model("ecs-fastapi-nginx")
    predict = [p for p in d.proxies() if p.kind == "nginx" and p.span.line == 19]
    assert predict and predict[0].host == "api" and predict[0].port == 8000
    assert [s.name for s in d.targets_of(predict[0])] == ["api"]


def test_compose_build_links_to_dockerfile_image() -> None:
    d = model("compose-ec2")
    api = service(d, "compose", "api")
    image = d.image_of(api)
    assert image is not None and image.dockerfile == "Dockerfile"
    assert d.service_for_dockerfile("Dockerfile") == [api]


def test_security_group_rule_open_to_world_reaches_service_on_8000() -> None:
    d = model("ecs-fastapi-nginx")
    debug = [e for e in d.internet_ingress() if e.name == "aws_security_group_rule.api_debug"]
    assert len(debug) == 1
    assert debug[0].cidrs == ("0.0.0.0/0",) and debug[0].covers(8000)
    reached = d.reached_by(debug[0])
    ecs = service(d, "ecs", "api")
    assert reached == [ecs] and 8000 in d.ports_of(ecs)
    # the ALB-only rule is not internet ingress
    assert not any(e.name == "aws_security_group_rule.api_from_alb" for e in d.internet_ingress())


def test_ipv6_world_cidr_is_internet_ingress() -> None:
    d = model("compose-ec2")
    rule = [e for e in d.internet_ingress() if e.from_port == 8000]
    assert rule and "::/0" in rule[0].cidrs
    targets = {n.id for n in d.reached_by(rule[0])}
    assert any("compose-port" in t for t in targets)


def test_load_balancer_listener_target_group_service_chain() -> None:
    d = model("ecs-fastapi-nginx")
    lb = [e for e in d.entry_points() if e.kind == "load-balancer"]
    assert len(lb) == 1 and lb[0].public is True
    listeners = [d.node(e.target) for e in d.edges_from(lb[0].id, "forwards")]
    assert [getattr(x, "kind", None) for x in listeners] == ["listener"]
    assert isinstance(listeners[0], EntryPoint) and listeners[0].tls is False
    tgs = [d.node(e.target) for e in d.edges_from(listeners[0].id, "forwards")]
    assert len(tgs) == 1 and isinstance(tgs[0], Proxy)
    assert d.targets_of(tgs[0]) == [service(d, "ecs", "api")]


def test_target_group_health_check_path() -> None:
    d = model("ecs-fastapi-nginx")
    ecs = service(d, "ecs", "api")
    checks = [c for c in d.healthchecks_for(ecs) if c.origin == "target-group"]
    assert len(checks) == 1 and checks[0].path == "/" and checks[0].port == 8000
    # "/" is not a route of app/main.py (/healthz, /predict): not served
    image = d.image_of(ecs)
    assert image is not None and image.app_files == ("app/main.py",)
    assert {(r.method, r.path) for r in image.routes} == {("GET", "/healthz"),
                                                          ("POST", "/predict")}
    assert checks[0].served is False and checks[0].route_span is None


def test_dockerfile_and_compose_health_checks_are_served() -> None:
    d = model("good-ml-service")
    checks = [c for c in d.of_kind(HealthCheck) if c.origin in ("dockerfile", "compose")
              and c.path == "/healthz" and c.port == 8000]
    assert len(checks) == 2  # Dockerfile HEALTHCHECK + the embedder's compose healthcheck
    for check in checks:
        assert check.served is True and check.route_span is not None
        assert check.route_span.path == "app/main.py"


def test_ecs_service_links_scaling_and_image_through_ecr_and_workflow() -> None:
    d = model("ecs-fastapi-nginx")
    ecs = service(d, "ecs", "api")
    assert ecs.group == "aws_ecs_service.api"
    scaling = d.scaling_for(ecs)
    assert len(scaling) == 1 and scaling[0].min_capacity == 2 and scaling[0].max_capacity == 10
    assert len(scaling[0].policies) == 1
    assert d.scaling_for("aws_ecs_service.api") == scaling
    image = d.image_of(ecs)  # ECR repo sentiment-api <- `docker build -t .../$ECR_REPOSITORY`
    assert image is not None and image.dockerfile == "Dockerfile"


def test_healthcheck_elsewhere_needs_every_deployment_covered() -> None:
    ecs = model("ecs-fastapi-nginx")  # compose api and ECS api: neither defines one
    assert ecs.healthcheck_elsewhere("Dockerfile") is False
    good = model("good-ml-service")  # compose healthcheck on its only deployment
    assert good.healthcheck_elsewhere("Dockerfile") is True
    bare = model("bad-fastapi-service")  # never deployed
    assert bare.healthcheck_elsewhere("Dockerfile") is False


def test_lambda_function_packages_heavy_requirements_and_public_url() -> None:
    d = model("lambda-sam-model")
    functions = d.functions()
    assert len(functions) == 1
    fn: Function = functions[0]
    assert fn.handler == "app.handler" and fn.memory == 1024 and fn.timeout == 30
    assert fn.requirements == ("src/requirements.txt",)
    assert {"torch", "transformers"} <= set(fn.packages)
    assert fn.handler_file == "src/app.py"
    assert fn.url_public is True
    assert any(e.kind == "function-url" for e in d.internet_ingress())


def test_workflow_jobs_roles_and_needs() -> None:
    d = model("ecs-fastapi-nginx")
    jobs = {j.job: j for j in d.pipelines()}
    assert set(jobs) == {"test", "build", "deploy"}
    assert "test" in jobs["test"].roles
    assert {"build", "push"} <= set(jobs["build"].roles)
    assert "deploy" in jobs["deploy"].roles
    needed = [j.job for j in d.jobs_needed_by(jobs["deploy"])]
    assert needed == ["build"]  # the planted gap: deploy never waits for test
    good = model("good-ml-service")
    image_job: PipelineJob = next(j for j in good.pipelines() if j.job == "image")
    assert [j.job for j in good.jobs_needed_by(image_job)] == ["test"]


def test_ec2_user_data_compose_up_runs_compose_services() -> None:
    d = model("compose-ec2")
    instance = d.resources("instance")
    assert len(instance) == 1
    ran = {getattr(d.node(e.target), "name", None) for e in d.edges_from(instance[0].id, "runs")}
    assert ran == {"api", "nginx"}


def test_image_references_cover_every_format() -> None:
    d = model("compose-ec2")
    contexts = {(r.ref.raw, r.context) for r in d.image_references()}
    assert ("python:3.10", "dockerfile-from") in contexts
    assert ("nginx:latest", "compose-image") in contexts
    assert ("fraud-scorer:latest", "compose-image") in contexts
    mutable = [r for r in d.image_references() if r.ref.is_latest_or_untagged]
    assert {r.ref.raw for r in mutable} == {"nginx:latest", "fraud-scorer:latest"}


def test_nodes_at_finds_the_node_holding_a_line() -> None:
    d = model("ecs-fastapi-nginx")
    image = d.image_for_dockerfile("Dockerfile")
    assert image is not None
    from mlaudit.span import Span

    assert image in d.nodes_at(Span("Dockerfile", 11))


def test_good_service_is_clean_under_every_rule() -> None:
    from tests.deployment.conftest import PROJECTS
    from tests.helpers import scan_dir

    result = scan_dir(PROJECTS / "good-ml-service")
    assert [f"{f.rule_id} {f.location.describe()}" for f in result.active] == []
