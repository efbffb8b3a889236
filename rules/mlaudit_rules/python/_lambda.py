"""One view of every AWS Lambda function the repository declares (SAM, Serverless Framework,
Terraform), for the serverless rules (MLA601, MLA705, MLA706).

The deployment model's Function nodes do not yet carry the code location of Terraform
functions nor provisioned concurrency, so this derives both from the parsed models:
Terraform `filename`/`source_dir` through an `archive_file` data source, and
`aws_lambda_provisioned_concurrency_config` through an alias. Anything unresolved stays None
("cannot tell").
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlaudit.span import Span
from mlaudit_rules.helpers import model_loaded

# The models are imported where a function needs them: a scan of one Python file (these
# rules run on every app module) loads neither the Terraform nor the SAM/Serverless models.
if TYPE_CHECKING:
    from mlaudit.models.dockerfile import Dockerfile
    from mlaudit.models.functions import Function, ServerlessApp
    from mlaudit.models.packages import Requirements
    from mlaudit.models.terraform import Resource as TfResource
    from mlaudit.models.terraform import TerraformModule


@dataclass(frozen=True)
class LambdaFunction:
    key: str  # stable identity: template path + logical name, or resource address
    name: str
    span: Span  # the declaration
    handler: str | None = None
    handler_span: Span | None = None
    source_dir: str | None = None  # repo-relative ("" = root); None = cannot tell
    source_file: str | None = None  # archive_file source_file: the whole package
    dockerfile: str | None = None  # image functions built from a Dockerfile in the repo
    image: bool = False
    memory: int | None = None
    memory_span: Span | None = None
    memory_unknown: bool = False
    timeout: int | None = None
    timeout_span: Span | None = None
    timeout_unknown: bool = False
    provisioned: bool | None = None  # None: cannot tell
    # The first synchronous entry point known (API Gateway / HTTP API / ALB event or
    # integration, function URL): where callers wait on a cold start. None: none known.
    sync_entry: tuple[Span, str] | None = None
    # EFS file systems mounted into the function: (local mount path, where it is declared).
    efs_mounts: tuple[tuple[str, Span], ...] = ()

    def handler_file(self) -> str | None:
        """The Python file the handler names, relative to the repository."""
        if self.source_file is not None:
            return self.source_file if self.source_file.endswith(".py") else None
        if not self.handler or "." not in self.handler or self.source_dir is None:
            return None
        module = self.handler.rsplit(".", 1)[0]
        return _norm(posixpath.join(self.source_dir, module.replace(".", "/") + ".py"))

    @property
    def handler_function(self) -> str | None:
        return self.handler.rsplit(".", 1)[1] if self.handler and "." in self.handler else None


def _norm(path: str) -> str:
    out = posixpath.normpath(path)
    return "" if out == "." else out


def lambda_functions(deployment: Any) -> list[LambdaFunction]:
    """Every Lambda function of the repository, computed once per scan (several rules
    ask per module or per file)."""
    memo = getattr(deployment, "memo", None)
    if memo is None:
        return _lambda_functions(deployment)
    return list(memo("lambda-functions", lambda: _lambda_functions(deployment)))


def serverless_apps(deployment: Any) -> list[ServerlessApp]:
    """The SAM and Serverless Framework templates; none, without importing their model,
    when the scan parsed no such template."""
    if not model_loaded("mlaudit.models.functions"):
        return []
    from mlaudit.models.functions import ServerlessApp

    return list(deployment.models(ServerlessApp))


def _lambda_functions(deployment: Any) -> list[LambdaFunction]:
    out: list[LambdaFunction] = []
    for app in serverless_apps(deployment):
        for fn in app.functions:
            out.append(LambdaFunction(
                f"{app.path}#{fn.logical_name}", fn.logical_name, fn.span, fn.handler,
                fn.handler_span, None if fn.source_dir is None else _norm(fn.source_dir), None,
                fn.dockerfile, fn.package_type.lower() == "image", fn.memory_size,
                fn.memory_span, "MemorySize" in fn.unresolved or "memorySize" in fn.unresolved,
                fn.timeout, fn.timeout_span,
                "Timeout" in fn.unresolved or "timeout" in fn.unresolved,
                # A template value we cannot evaluate still configures it: not a finding.
                fn.provisioned_concurrency is not None, _app_sync_entry(fn),
                tuple(getattr(fn, "file_systems", ()))))
    terraform = deployment.terraform
    tf_functions: list[LambdaFunction] = []
    for module in getattr(terraform, "modules", ()):
        tf_functions.extend(_terraform_functions(deployment, module))
    return out + _fallback_dockerfile(deployment, tf_functions, out)


def _app_sync_entry(fn: Function) -> tuple[Span, str] | None:
    """SAM Api/HttpApi and Serverless http/httpApi/alb events, or a function URL."""
    for event in fn.events:
        if event.is_http:
            return event.span, f"{event.type} event {event.name}"
    if fn.function_url is not None:
        return fn.function_url.span, "function URL"
    return None


# Terraform resources that put a caller in front of a function and make it wait for the
# answer, and the attribute naming the function (its ARN, invoke ARN or name).
_SYNC_TERRAFORM: tuple[tuple[str, str, str], ...] = (
    ("aws_lambda_function_url", "function_name", "function URL"),
    ("aws_apigatewayv2_integration", "integration_uri", "API Gateway integration"),
    ("aws_api_gateway_integration", "uri", "API Gateway integration"),
    ("aws_lb_target_group_attachment", "target_id", "load balancer target"),
)
# An invoke permission for these principals is how a console- or module-built API or ALB
# reaches the function when its integration is not declared next to it.
_SYNC_PRINCIPALS = ("apigateway.amazonaws.com", "elasticloadbalancing.amazonaws.com")


def _terraform_sync_entries(project: Any, module: TerraformModule
                            ) -> dict[str, tuple[Span, str]]:
    """Function config address or literal function name -> its first synchronous entry."""
    from mlaudit.deployment.tf_refs import attribute_refs
    from mlaudit.models.terraform import Unknown

    found: dict[str, tuple[Span, str]] = {}

    def link(res: TfResource, attribute: str, what: str) -> None:
        value = res.get(attribute)
        if isinstance(value, str):
            # A literal name or ARN: the function's name is its last ARN segment.
            found.setdefault(value.rsplit(":", 1)[-1], (res.span_of(attribute), what))
            return
        for ref in attribute_refs(project, res, (attribute,)):
            target = _local(module, ref)
            if target is not None and target.type == "aws_lambda_alias":
                inner = target.get("function_name")
                target = _local(module, inner.ref) if isinstance(inner, Unknown) and inner.ref \
                    else None
                if isinstance(inner, str):
                    found.setdefault(inner, (res.span_of(attribute), what))
            if target is not None and target.type == "aws_lambda_function":
                found.setdefault(target.config_address, (res.span_of(attribute), what))

    for rtype, attribute, what in _SYNC_TERRAFORM:
        for res in module.resources_of(rtype):
            link(res, attribute, what)
    for res in module.resources_of("aws_lambda_permission"):
        principal = res.get("principal")
        if isinstance(principal, str) and principal in _SYNC_PRINCIPALS:
            link(res, "function_name", f"invoke permission for {principal}")
    return found


def _local(module: TerraformModule, ref: str) -> TfResource | None:
    """The resource (or data source) of this module a reference such as
    `data.archive_file.fn.output_path` points at."""
    parts = ref.split(".")
    data = parts[0] == "data"
    parts = parts[1:] if data else parts
    if len(parts) < 2:
        return None
    pool = module.data_sources if data else module.resources
    return next((r for r in pool if (r.type, r.name) == (parts[0], parts[1])), None)


def _lambda_base(dockerfile: Dockerfile) -> bool:
    """A Dockerfile built for Lambda: an AWS Lambda base image or the runtime interface
    client installed in it."""
    final = dockerfile.final_stage
    if final is None:
        return False
    base = final.image.raw.lower()
    return any(b in base for b in _LAMBDA_BASES) or any(
        "awslambdaric" in p.lower() for s in dockerfile.stages for p in s.packages)


_LAMBDA_BASES = ("public.ecr.aws/lambda/", "amazon/aws-lambda-")


def _image_dockerfile(deployment: Any, module: TerraformModule, res: TfResource) -> str | None:
    """The in-repo Dockerfile an image function runs: the image built and pushed under the
    name of the ECR repository its `image_uri` refers to (a workflow's `docker build -t`,
    a build action's tags)."""
    from mlaudit.deployment._builder import repo_key
    from mlaudit.deployment.tf_refs import attribute_refs
    from mlaudit.models.deployment import Image

    names: set[str] = set()
    value = res.get("image_uri")
    if isinstance(value, str):
        names.add(repo_key(value.split("@", 1)[0]))
    for ref in attribute_refs(deployment.project, res, ("image_uri",)):
        repo = _local(module, ref)
        name = repo.get("name") if repo is not None and repo.type == "aws_ecr_repository" \
            else None
        if isinstance(name, str):
            names.add(repo_key(name))
    names.discard("")
    def by_name() -> dict[str, set[str]]:
        # Dockerfiles by the repository names their image is pushed as, once per scan (a
        # walk over every image per function is quadratic on a monorepo).
        out: dict[str, set[str]] = {}
        for image in deployment.of_kind(Image):
            for key in {repo_key(n) for n in image.names}:
                out.setdefault(key, set()).add(image.dockerfile)
        return out
    index = deployment.indexed("lambda-images-by-name", by_name)
    images = {d for name in names for d in index.get(name, ())}
    return images.pop() if len(images) == 1 else None


def _fallback_dockerfile(deployment: Any, functions: list[LambdaFunction],
                         others: list[LambdaFunction]) -> list[LambdaFunction]:
    """One image function, one Lambda Dockerfile in the repository, no other link: the
    function runs that image (nothing else in the repository could be its image)."""
    from dataclasses import replace

    unlinked = [f for f in functions if f.image and f.dockerfile is None]
    if len(unlinked) != 1 or len([f for f in functions + others if f.image]) != 1:
        return functions
    from mlaudit.models.dockerfile import Dockerfile

    lambda_files = [d.path for d in deployment.models(Dockerfile) if _lambda_base(d)]
    if len(lambda_files) != 1:
        return functions
    return [replace(f, dockerfile=lambda_files[0]) if f is unlinked[0] else f
            for f in functions]


def _terraform_functions(deployment: Any, module: TerraformModule) -> list[LambdaFunction]:
    from mlaudit.models.terraform import Unknown

    project = deployment.project
    # Which functions have provisioned concurrency: targets named directly, by a literal
    # function name, or through an aws_lambda_alias. An unresolvable target taints all.
    targets: set[str] = set()
    unknown_target = False
    for pc in module.resources_of("aws_lambda_provisioned_concurrency_config"):
        value = pc.get("function_name")
        if isinstance(value, str):
            targets.add(value)
            continue
        found = _local(module, value.ref) if isinstance(value, Unknown) and value.ref else None
        if found is not None and found.type == "aws_lambda_alias":
            inner = found.get("function_name")
            found = _local(module, inner.ref) if isinstance(inner, Unknown) and inner.ref \
                else None
            if isinstance(inner, str):
                targets.add(inner)
                continue
        if found is not None and found.type == "aws_lambda_function":
            targets.add(found.address)
        else:
            unknown_target = True
    entries = _terraform_sync_entries(project, module)
    out: list[LambdaFunction] = []
    for res in module.resources_of("aws_lambda_function"):
        source_dir, source_file = _code_location(module, res)
        name = res.get("function_name")
        memory, timeout = res.get("memory_size"), res.get("timeout")
        named = res.address in targets or (isinstance(name, str) and name in targets)
        provisioned = True if named else None if unknown_target else False
        image = res.get("package_type") == "Image" or res.has("image_uri")
        out.append(LambdaFunction(
            res.address, name if isinstance(name, str) else res.address, res.span,
            res.get("handler") if isinstance(res.get("handler"), str) else None,
            res.span_of("handler") if res.has("handler") else None,
            source_dir, source_file,
            _image_dockerfile(deployment, module, res) if image else None, image,
            memory if isinstance(memory, int) else None,
            res.span_of("memory_size") if res.has("memory_size") else None,
            res.has("memory_size") and not isinstance(memory, int),
            timeout if isinstance(timeout, int) else None,
            res.span_of("timeout") if res.has("timeout") else None,
            res.has("timeout") and not isinstance(timeout, int), provisioned,
            entries.get(res.config_address)
            or (entries.get(name) if isinstance(name, str) else None),
            _efs_mounts(res)))
    return out


def _efs_mounts(res: TfResource) -> tuple[tuple[str, Span], ...]:
    """`file_system_config { local_mount_path = "/mnt/..." }` blocks (Lambda requires the
    /mnt/ prefix); an unresolved path is left out."""
    out = []
    for block in res.blocks("file_system_config"):
        mount = block.get("local_mount_path")
        if isinstance(mount, str) and mount.startswith("/mnt/"):
            out.append((mount.rstrip("/"), block.span))
    return tuple(out)


def _code_location(module: TerraformModule, res: TfResource) -> tuple[str | None, str | None]:
    """(source_dir, source_file) of a zip function packaged by an archive_file data source.

    A plain `filename = "build/fn.zip"` names a built artifact whose content cannot be read:
    cannot tell.
    """
    from mlaudit.models.terraform import Unknown

    value = res.get("filename")
    if not isinstance(value, Unknown) or not value.ref.startswith("data.archive_file."):
        return None, None
    archive = _local(module, value.ref)
    if archive is None:
        return None, None
    source_dir, source_file = archive.get("source_dir"), archive.get("source_file")
    # Outside the repository (absolute, or above its root): cannot tell.
    if isinstance(source_dir, str) and _inside_repo(source_dir):
        return _norm(source_dir), None
    if isinstance(source_file, str) and _inside_repo(source_file):
        return None, _norm(source_file)
    return None, None


def _inside_repo(path: str) -> bool:
    return not path.startswith("/") and not _norm(path).startswith("..")


def heavy_evidence(deployment: Any, fn: LambdaFunction, min_bytes: int
                   ) -> list[tuple[Span, str]]:
    """Where a function's package shows heavy ML dependencies or large model files.

    Zip functions: requirement files at the top of the code directory (what `sam build`
    and serverless-python-requirements install) and model artifacts under it. Image
    functions: the final stage's pip installs and the requirement files it installs.
    Empty when the code location is unknown: cannot tell.
    """
    from mlaudit.models.dockerfile import Dockerfile
    from mlaudit.models.packages import is_heavy

    found: list[tuple[Span, str]] = efs_model_loads(deployment, fn)
    if fn.image:
        dockerfile = deployment.project.by_path(Dockerfile).get(fn.dockerfile) \
            if fn.dockerfile else None
        final = dockerfile.final_stage if dockerfile is not None else None
        if final is None:
            return found
        runs = [i for i in final.instructions if i.keyword == "RUN"]
        for name in dict.fromkeys(p for p in final.packages if is_heavy(p)):
            at = next((i.span for i in runs if name in i.value.lower()), final.from_span)
            found.append((at, f"{name} installed by {fn.dockerfile}"))
        directory = posixpath.dirname(fn.dockerfile or "")
        installed = [r for r in _requirements_in(deployment, directory)
                     if any(posixpath.basename(r.path) in i.value for i in runs)]
        return found + _requirements(installed)
    if fn.source_dir is None:
        return found
    found += _requirements(_requirements_in(deployment, fn.source_dir))
    prefix = fn.source_dir + "/" if fn.source_dir else ""
    for artifact in deployment.project.artifacts:
        if artifact.path.startswith(prefix) and artifact.size >= min_bytes:
            found.append((Span(artifact.path), f"model file {artifact.path} "
                          f"({artifact.size / 1_000_000:.0f} MB) ships in the package"))
    return found


def _requirements_in(deployment: Any, directory: str) -> list[Requirements]:
    """The requirement files directly in a directory, in scan order (indexed once per
    scan: asked per function)."""
    def build() -> dict[str, list[Requirements]]:
        from mlaudit.models.packages import Requirements

        out: dict[str, list[Requirements]] = {}
        for requirements in deployment.models(Requirements):
            out.setdefault(posixpath.dirname(requirements.path), []).append(requirements)
        return out
    found: list[Requirements] = deployment.memo("requirements-by-directory", build).get(
        directory, [])
    return found


def _code_base(fn: LambdaFunction) -> str | None:
    """The repository directory holding a function's code (None: cannot tell)."""
    if fn.source_file is not None:
        return posixpath.dirname(fn.source_file)
    if fn.image:
        return posixpath.dirname(fn.dockerfile) if fn.dockerfile else None
    return fn.source_dir


def efs_model_loads(deployment: Any, fn: LambdaFunction) -> list[tuple[Span, str]]:
    """Model loads in the function's code that read from one of its EFS mounts: the load's
    path starts with the mount path, or (a path built from a constant or an environment
    default) the module names the mount path in a string and the load's own literal
    argument, if any, is not elsewhere. A function with EFS holding data only stays out."""
    if not fn.efs_mounts:
        return []
    base = _code_base(fn)
    if base is None:
        return []
    from mlaudit.models.python_source import PythonModule

    prefix = base + "/" if base else ""
    found: list[tuple[Span, str]] = []
    for module in sorted(deployment.models(PythonModule), key=lambda m: m.path):
        if not module.path.startswith(prefix) or not module.model_loads:
            continue
        if fn.source_file is not None and module.path != fn.source_file:
            continue
        text = deployment.project.read_text(module.path) or ""
        for mount, _ in fn.efs_mounts:
            named = re.search(r"[\"']" + re.escape(mount) + r"(?:/|[\"'])", text)
            for load in module.model_loads:
                target = load.target or ""
                under = target == mount or target.startswith(mount + "/")
                if load.kind == "s3" or not (under or (named and not target)):
                    continue
                found.append((load.span, f"{load.call} loads a model from the EFS mount "
                              f"{mount}"))
    return found


def _requirements(files: list[Requirements]) -> list[tuple[Span, str]]:
    return [(req.span, f"{req.name} declared in {r.path}")
            for r in sorted(files, key=lambda f: f.path) for req in r.heavy]


def model_bytes(deployment: Any, fn: LambdaFunction) -> int:
    """Total size of the model files known to ship with a function: under a zip function's
    code directory, or under an image function's Dockerfile directory (its usual build
    context). 0 when none are known or the code location is unknown."""
    if fn.image:
        if fn.dockerfile is None:
            return 0
        base = posixpath.dirname(fn.dockerfile)
    elif fn.source_dir is not None:
        base = fn.source_dir
    else:
        return 0
    prefix = base + "/" if base else ""
    return sum(a.size for a in deployment.project.artifacts if a.path.startswith(prefix))
