"""Gather `LiveFacts` through read-only API calls: per region in parallel, paginated.

Every call goes through `Reader.read(region, service, Operation, ...)`, which names the
IAM action it needs: a call that fails with AccessDenied (or on a service the endpoint
does not offer) becomes a `Notice` naming that permission, and every other check still
runs. `iam-policy.json` next to this module lists every action `read` is called with (a
test keeps the two in step).
"""

from __future__ import annotations

import datetime as _dt
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from mlaudit.live.session import Clients
from mlaudit.models.live import (
    AccessKey,
    Container,
    EcrRepository,
    EcsService,
    IngressRule,
    LambdaFunction,
    Layer,
    Listener,
    LiveFacts,
    Notice,
    SageMakerEndpoint,
    SecurityGroup,
    TargetGroup,
    TaskDefinition,
    Variant,
)

# boto3 client name -> IAM action prefix
IAM_PREFIX = {"elbv2": "elasticloadbalancing"}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
           "UnauthorizedAccess", "AuthorizationError", "NotAuthorized",
           "UnrecognizedClientException", "InvalidClientTokenId"}
_UNAVAILABLE = {"404", "NotImplemented", "UnknownOperationException", "InvalidAction",
                "UnsupportedOperation", "OptInRequired", "SubscriptionRequiredException"}
_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException",
              "RequestLimitExceeded", "SlowDown"}

Progress = Callable[[str], None]


def action(service: str, operation: str) -> str:
    return f"{IAM_PREFIX.get(service, service)}:{operation}"


@dataclass
class Reader:
    """Makes the calls of one region and records what failed."""

    clients: Clients
    page_size: int | None = None
    home: str = "us-east-1"  # the region global services (IAM) are read through
    notices: list[Notice] = field(default_factory=list)
    complete: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, region: str, service: str, operation: str, key: str | None = None,
             quiet: tuple[str, ...] = (), **params: Any) -> Any:
        """One read: all pages' `key` items when `key` is given (paginated when the
        operation paginates), else the response. None when it failed (a notice is
        recorded unless the error code is in `quiet`, e.g. ResourceNotFoundException)."""
        import botocore.exceptions
        from botocore import xform_name

        client = self.clients.client(service, region or self.home)
        method = xform_name(operation)
        try:
            if key is not None and client.can_paginate(method):
                config = {"PageSize": self.page_size} if self.page_size else {}
                items: list[Any] = []
                for page in client.get_paginator(method).paginate(
                        PaginationConfig=config, **params):
                    items.extend(page.get(key) or [])
                return items
            response = getattr(client, method)(**params)
            return response.get(key) or [] if key is not None else response
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get(
                "HTTPStatusCode", "error"))
            if code in quiet:
                return None
            self._notice(region, service, operation, _reason(code))
        except (botocore.exceptions.EndpointConnectionError,
                botocore.exceptions.ConnectTimeoutError,
                botocore.exceptions.ReadTimeoutError) as exc:
            self._notice(region, service, operation, f"unavailable ({type(exc).__name__})")
        except botocore.exceptions.BotoCoreError as exc:
            self._notice(region, service, operation, f"error ({type(exc).__name__})")
        return None

    def done(self, region: str, service: str) -> None:
        with self._lock:
            self.complete.append((region, service))

    def _notice(self, region: str, service: str, operation: str, reason: str) -> None:
        with self._lock:
            self.notices.append(Notice(region, service, action(service, operation), reason))


def _reason(code: str) -> str:
    if code in _DENIED:
        return "access-denied"
    if code in _UNAVAILABLE:
        return "unavailable"
    if code in _THROTTLED:
        return "throttled"
    return f"error ({code})"


def collect(clients: Clients, regions: list[str], progress: Progress | None = None,
            page_size: int | None = None) -> LiveFacts:
    """Read every region in parallel (plus IAM, which is global) into one `LiveFacts`."""
    reader = Reader(clients, page_size, home=regions[0])
    # Clients are made here, in this thread (making them is not thread-safe; using them is).
    for region in regions:
        for service in _SERVICES:
            clients.client(service, region)
    clients.client("iam", regions[0])
    parts: list[dict[str, list[Any]]] = []
    with ThreadPoolExecutor(max_workers=max(1, min(len(regions), 8))) as pool:
        futures = [pool.submit(_region, reader, region, progress) for region in regions]
        iam = _iam(reader, progress)
        parts = [f.result() for f in futures]
    merged: dict[str, list[Any]] = {}
    for part in parts:
        for name, items in part.items():
            merged.setdefault(name, []).extend(items)
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    return LiveFacts(
        account=_account(reader, regions[0]), collected_at=now, regions=tuple(regions),
        complete=tuple(sorted(set(reader.complete))),
        notices=tuple(sorted(set(reader.notices), key=lambda n: (n.region, n.action))),
        access_keys=tuple(iam[0]), root_access_keys=iam[1],
        **{name: tuple(items) for name, items in merged.items()},
    )


_SERVICES = ("ec2", "ecs", "application-autoscaling", "elbv2", "lambda", "sagemaker", "ecr")


def _account(reader: Reader, region: str) -> str:
    identity = reader.read(region, "sts", "GetCallerIdentity")
    return str(identity.get("Account", "")) if isinstance(identity, dict) else ""


def _region(reader: Reader, region: str, progress: Progress | None) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    steps: list[tuple[str, Callable[[Reader, str], dict[str, list[Any]]]]] = [
        ("security groups", _security_groups), ("ECS", _ecs), ("load balancers", _elb),
        ("Lambda", _lambda), ("SageMaker", _sagemaker), ("ECR", _ecr)]
    for label, step in steps:
        if progress:
            progress(f"{region}: {label}")
        out.update(step(reader, region))
    return out


def _security_groups(reader: Reader, region: str) -> dict[str, list[Any]]:
    groups = reader.read(region, "ec2", "DescribeSecurityGroups", "SecurityGroups")
    if groups is None:
        return {}
    reader.done(region, "ec2")
    out = []
    for group in groups:
        rules: list[IngressRule] = []
        for perm in group.get("IpPermissions") or []:
            protocol = str(perm.get("IpProtocol", "-1"))
            low, high = perm.get("FromPort"), perm.get("ToPort")
            sources = [r.get("CidrIp") for r in perm.get("IpRanges") or []]
            sources += [r.get("CidrIpv6") for r in perm.get("Ipv6Ranges") or []]
            sources += [r.get("GroupId") for r in perm.get("UserIdGroupPairs") or []]
            sources += [r.get("PrefixListId") for r in perm.get("PrefixListIds") or []]
            rules.extend(IngressRule(protocol, low, high, str(s)) for s in sources if s)
        out.append(SecurityGroup(group["GroupId"], str(group.get("GroupName", "")), region,
                                 str(group.get("VpcId", "")), tuple(rules)))
    return {"security_groups": out}


def _scalable(reader: Reader, region: str, namespace: str) -> dict[str, int] | None:
    """Resource id -> number of scaling policies, for every registered scalable target;
    None when application-autoscaling cannot be read."""
    targets = reader.read(region, "application-autoscaling", "DescribeScalableTargets",
                          "ScalableTargets", ServiceNamespace=namespace)
    if targets is None:
        return None
    policies = reader.read(region, "application-autoscaling", "DescribeScalingPolicies",
                           "ScalingPolicies", ServiceNamespace=namespace)
    counts = {str(t.get("ResourceId")): 0 for t in targets}
    for policy in policies or []:
        rid = str(policy.get("ResourceId"))
        if rid in counts:
            counts[rid] += 1
    return counts


def _ecs(reader: Reader, region: str) -> dict[str, list[Any]]:
    clusters = reader.read(region, "ecs", "ListClusters", "clusterArns")
    if clusters is None:
        return {}
    scalable = _scalable(reader, region, "ecs")
    services: list[EcsService] = []
    definitions: dict[str, TaskDefinition] = {}
    complete = True
    for cluster in clusters:
        arns = reader.read(region, "ecs", "ListServices", "serviceArns", cluster=cluster)
        if arns is None:
            complete = False
            continue
        for start in range(0, len(arns), 10):  # DescribeServices takes 10 at a time
            described = reader.read(region, "ecs", "DescribeServices", "services",
                                    cluster=cluster, services=arns[start:start + 10])
            if described is None:
                complete = False
                continue
            for item in described:
                service = _ecs_service(item, cluster, region, scalable)
                services.append(service)
                if service.task_definition and service.task_definition not in definitions:
                    found = _task_definition(reader, region, service.task_definition)
                    if found is not None:
                        definitions[service.task_definition] = found
    if complete:
        reader.done(region, "ecs")
    return {"ecs_services": services, "task_definitions": list(definitions.values())}


def _ecs_service(item: dict[str, Any], cluster: str, region: str,
                 scalable: dict[str, int] | None) -> EcsService:
    config = item.get("deploymentConfiguration") or {}
    breaker = config.get("deploymentCircuitBreaker")
    cluster_name = cluster.rsplit("/", 1)[-1]
    name = str(item.get("serviceName", ""))
    resource_id = f"service/{cluster_name}/{name}"
    return EcsService(
        arn=str(item.get("serviceArn", "")), name=name, cluster=cluster_name, region=region,
        desired=int(item.get("desiredCount") or 0), running=int(item.get("runningCount") or 0),
        task_definition=str(item.get("taskDefinition", "")),
        min_healthy_percent=config.get("minimumHealthyPercent"),
        max_percent=config.get("maximumPercent"),
        circuit_breaker=bool(breaker.get("enable")) if isinstance(breaker, dict) else None,
        scalable_target=None if scalable is None else resource_id in scalable,
        scaling_policies=None if scalable is None else scalable.get(resource_id, 0),
    )


def _task_definition(reader: Reader, region: str, arn: str) -> TaskDefinition | None:
    found = reader.read(region, "ecs", "DescribeTaskDefinition", taskDefinition=arn)
    if not isinstance(found, dict):
        return None
    definition = found.get("taskDefinition") or {}
    containers = tuple(
        Container(str(c.get("name", "")), str(c.get("image", "")),
                  bool((c.get("healthCheck") or {}).get("command")), bool(c.get("essential",
                                                                                True)))
        for c in definition.get("containerDefinitions") or [])
    return TaskDefinition(arn, str(definition.get("family", "")), region, containers)


def _elb(reader: Reader, region: str) -> dict[str, list[Any]]:
    balancers = reader.read(region, "elbv2", "DescribeLoadBalancers", "LoadBalancers")
    groups = reader.read(region, "elbv2", "DescribeTargetGroups", "TargetGroups")
    out: dict[str, list[Any]] = {}
    listeners: list[Listener] = []
    for balancer in balancers or []:
        arn = balancer["LoadBalancerArn"]
        for item in reader.read(region, "elbv2", "DescribeListeners", "Listeners",
                                LoadBalancerArn=arn) or []:
            listeners.append(Listener(
                str(item.get("ListenerArn", "")), str(balancer.get("LoadBalancerName", "")),
                region, int(item.get("Port") or 0), str(item.get("Protocol", "")),
                str(item.get("SslPolicy") or ""),
                tuple(str(a.get("Type", "")) for a in item.get("DefaultActions") or [])))
    out["listeners"] = listeners
    if groups is not None:
        reader.done(region, "elbv2")
        found = []
        for group in groups:
            health = reader.read(region, "elbv2", "DescribeTargetHealth",
                                 "TargetHealthDescriptions",
                                 TargetGroupArn=group["TargetGroupArn"]) or []
            unhealthy = tuple(str(h.get("Target", {}).get("Id", "")) for h in health
                              if (h.get("TargetHealth") or {}).get("State") == "unhealthy")
            found.append(TargetGroup(
                group["TargetGroupArn"], str(group.get("TargetGroupName", "")), region,
                str(group.get("Protocol") or ""), bool(group.get("HealthCheckEnabled", True)),
                group.get("HealthCheckPath"), group.get("HealthCheckIntervalSeconds"),
                unhealthy, len(health)))
        out["target_groups"] = found
    return out


def _lambda(reader: Reader, region: str) -> dict[str, list[Any]]:
    functions = reader.read(region, "lambda", "ListFunctions", "Functions")
    if functions is None:
        return {}
    reader.done(region, "lambda")
    out = []
    provisioned_ok = True
    for item in functions:
        name = str(item.get("FunctionName", ""))
        url = reader.read(region, "lambda", "GetFunctionUrlConfig",
                          quiet=("ResourceNotFoundException",), FunctionName=name)
        provisioned: bool | None = None
        if provisioned_ok:
            configs = reader.read(region, "lambda", "ListProvisionedConcurrencyConfigs",
                                  "ProvisionedConcurrencyConfigs", FunctionName=name)
            if configs is None:
                provisioned_ok = False  # noticed once; not asked again for each function
            else:
                provisioned = any(int(c.get("AllocatedProvisionedConcurrentExecutions") or
                                      c.get("RequestedProvisionedConcurrentExecutions") or 0)
                                  for c in configs)
        image_size = _image_size(reader, region, name) \
            if item.get("PackageType") == "Image" else None
        variables = ((item.get("Environment") or {}).get("Variables") or {})
        out.append(LambdaFunction(
            name=name, arn=str(item.get("FunctionArn", "")), region=region,
            package_type=str(item.get("PackageType") or "Zip"),
            code_size=int(item.get("CodeSize") or 0), memory=int(item.get("MemorySize") or 128),
            timeout=int(item.get("Timeout") or 3), runtime=str(item.get("Runtime") or ""),
            environment=tuple(sorted(variables)),
            layers=tuple(Layer(str(x.get("Arn", "")), int(x.get("CodeSize") or 0))
                         for x in item.get("Layers") or []),
            image_size=image_size, provisioned_concurrency=provisioned,
            url_auth=str(url.get("AuthType")) if isinstance(url, dict) else None))
    return {"functions": out}


def _image_size(reader: Reader, region: str, function: str) -> int | None:
    """Bytes of a container-image function's image, from ECR (None when not known)."""
    found = reader.read(region, "lambda", "GetFunction", FunctionName=function)
    uri = str(((found or {}).get("Code") or {}).get("ImageUri") or "")
    host, _, rest = uri.partition("/")
    if ".dkr.ecr." not in host or not rest:
        return None
    if "@" in rest:
        repository, _, digest = rest.partition("@")
        image = {"imageDigest": digest}
    else:
        repository, _, tag = rest.rpartition(":") if ":" in rest else (rest, "", "latest")
        image = {"imageTag": tag}
    # Not paginated: DescribeImages refuses a page size together with imageIds.
    details = reader.read(region, "ecr", "DescribeImages", registryId=host.split(".", 1)[0],
                          repositoryName=repository, imageIds=[image],
                          quiet=("ImageNotFoundException", "RepositoryNotFoundException"))
    images = (details or {}).get("imageDetails") or []
    size = images[0].get("imageSizeInBytes") if images else None
    return int(size) if isinstance(size, int) else None


def _sagemaker(reader: Reader, region: str) -> dict[str, list[Any]]:
    endpoints = reader.read(region, "sagemaker", "ListEndpoints", "Endpoints")
    if endpoints is None:
        return {}
    scalable = _scalable(reader, region, "sagemaker")
    complete = True
    out = []
    for summary in endpoints:
        name = str(summary.get("EndpointName", ""))
        endpoint = reader.read(region, "sagemaker", "DescribeEndpoint", EndpointName=name)
        if not isinstance(endpoint, dict):
            complete = False
            continue
        config_name = str(endpoint.get("EndpointConfigName", ""))
        config = reader.read(region, "sagemaker", "DescribeEndpointConfig",
                             EndpointConfigName=config_name) or {}
        declared = {v.get("VariantName"): v for v in config.get("ProductionVariants") or []}
        variants = []
        for live in endpoint.get("ProductionVariants") or declared.values():
            vname = live.get("VariantName")
            spec = declared.get(vname, {})
            serverless = spec.get("ServerlessConfig") or live.get("CurrentServerlessConfig")
            variants.append(Variant(
                str(vname), str(spec.get("InstanceType") or ""),
                live.get("CurrentInstanceCount", spec.get("InitialInstanceCount")),
                live.get("DesiredInstanceCount", spec.get("InitialInstanceCount")),
                (serverless or {}).get("MemorySizeInMB")))
        scaled = None if scalable is None else tuple(
            v.name for v in variants if f"endpoint/{name}/variant/{v.name}" in scalable)
        out.append(SageMakerEndpoint(name, str(endpoint.get("EndpointArn", "")), region,
                                     config_name, tuple(variants), scaled))
    if complete:
        reader.done(region, "sagemaker")
    return {"endpoints": out}


def _ecr(reader: Reader, region: str) -> dict[str, list[Any]]:
    repositories = reader.read(region, "ecr", "DescribeRepositories", "repositories")
    if repositories is None:
        return {}
    reader.done(region, "ecr")
    return {"repositories": [EcrRepository(
        str(r.get("repositoryName", "")), str(r.get("repositoryArn", "")), region,
        str(r.get("imageTagMutability", "MUTABLE")),
        bool((r.get("imageScanningConfiguration") or {}).get("scanOnPush")))
        for r in repositories]}


def _iam(reader: Reader, progress: Progress | None) -> tuple[list[AccessKey], int | None]:
    if progress:
        progress("IAM")
    users = reader.read("", "iam", "ListUsers", "Users")
    keys: list[AccessKey] = []
    if users is not None:
        reader.done("", "iam")
    for user in users or []:
        for key in reader.read("", "iam", "ListAccessKeys", "AccessKeyMetadata",
                               UserName=user["UserName"]) or []:
            created = key.get("CreateDate")
            keys.append(AccessKey(str(user["UserName"]), str(key.get("AccessKeyId", "")),
                                  str(key.get("Status", "")), _iso(created)))
    summary = reader.read("", "iam", "GetAccountSummary")
    root = None
    if isinstance(summary, dict):
        root = int((summary.get("SummaryMap") or {}).get("AccountAccessKeysPresent") or 0)
    return keys, root


def _iso(value: Any) -> str:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return str(value.astimezone(_dt.timezone.utc).replace(microsecond=0).isoformat())
    return str(value or "")


class StderrProgress:
    """`mlaudit: live: us-east-1: ECS` on one rewritten stderr line (a terminal only)."""

    def __init__(self) -> None:
        self.shown = False
        self._lock = threading.Lock()

    def __call__(self, text: str) -> None:
        with self._lock:
            sys.stderr.write(f"\r\033[Kmlaudit: live: {text}")
            sys.stderr.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

