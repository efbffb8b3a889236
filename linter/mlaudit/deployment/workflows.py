"""GitHub Actions workflows -> PipelineJob nodes: what each job builds, pushes, deploys
and tests, and its `needs` graph. Scripts are split like a shell would, never run.

Image names are resolved through `env:` (workflow, job, step) and plain `NAME=value`
assignments earlier in the same script; `${{ ... }}` expressions that need the run-time
context are dropped, so `${{ registry }}/$REPO:${{ sha }}` still yields the name `REPO`.
"""

from __future__ import annotations

import posixpath
import re

from mlaudit.deployment._builder import Builder, node_id
from mlaudit.models.command import segments, split_shell
from mlaudit.models.deployment import PipelineJob
from mlaudit.models.dockerfile import Dockerfile
from mlaudit.models.workflow import Job, Step, Workflow, drop_expressions
from mlaudit.span import Span

_EXPR_ENV_RE = re.compile(r"\$\{\{\s*env\.([A-Za-z_]\w*)\s*\}\}")
_VAR_RE = re.compile(r"\$\{?([A-Za-z_]\w*)\}?")
_ASSIGN_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_]\w*)=(\S+)\s*$")
_TEST_PROGRAMS = {"pytest", "py.test", "tox", "nox"}
_DEPLOY = {("aws", "ecs"), ("aws", "lambda"), ("aws", "cloudformation"), ("sam", "deploy"),
           ("terraform", "apply"), ("tofu", "apply"), ("kubectl", "apply"),
           ("helm", "upgrade"), ("serverless", "deploy"), ("sls", "deploy"), ("cdk", "deploy")}
_DEPLOY_ACTIONS = ("aws-actions/amazon-ecs-deploy-task-definition",
                   "aws-actions/aws-cloudformation-github-deploy", "azure/webapps-deploy",
                   "google-github-actions/deploy-cloudrun", "azure/k8s-deploy")


def substitute(text: str, env: dict[str, str]) -> str:
    for _ in range(3):  # variables defined through other variables
        text = _EXPR_ENV_RE.sub(lambda m: env.get(m.group(1), m.group(0)), text)
        text = _VAR_RE.sub(lambda m: env.get(m.group(1), m.group(0)), text)
    return drop_expressions(text)


class _Job:
    def __init__(self, builder: Builder, workflow: Workflow, job: Job) -> None:
        self.builder = builder
        self.workflow = workflow
        self.job = job
        self.roles: list[tuple[str, Span]] = []
        self.id = node_id("job", workflow.path, job.id)
        self.dockerfiles = builder.project.by_path(Dockerfile)

    def role(self, role: str, span: Span) -> None:
        if not any(r == role for r, _ in self.roles):
            self.roles.append((role, span))

    def step(self, step: Step, env: dict[str, str]) -> None:
        env = {**env, **{v.name: v.value for v in step.env}}
        uses = step.uses
        if uses is not None:
            self.action(step, env)
        if step.run is None:
            return
        cwd = step.working_directory or ""
        for number, raw in step.run.lines:
            # Expressions may hold blanks: resolve env ones, blank the rest, then split.
            line = drop_expressions(_EXPR_ENV_RE.sub(lambda m: env.get(m.group(1), ""), raw))
            assign = _ASSIGN_RE.match(line)
            if assign:
                env[assign.group(1)] = assign.group(2).strip("\"'")
                continue
            span = Span(self.workflow.path, number)
            for argv in segments(split_shell(line)):
                if argv[:1] == ["cd"] and len(argv) == 2 and "$" not in argv[1]:
                    cwd = posixpath.normpath(posixpath.join(cwd, argv[1]))
                    continue  # later commands of this step run there
                self.command([w for w in argv if w != "sudo"], span, env, cwd)

    def action(self, step: Step, env: dict[str, str]) -> None:
        uses = step.uses
        assert uses is not None
        if uses.kind == "docker":
            self.builder.image_ref(uses.ref, uses.span, "workflow-uses", self.id)
        elif uses.is_action("docker/build-push-action"):
            self.role("build", uses.span)
            push = step.input("push")
            if push is not None and push.value == "true":
                self.role("push", push.span)
            context = step.input("context")
            file = step.input("file")
            tags = step.input("tags")
            names = [t for t in re.split(r"[\s,]+", substitute(tags.value, env)) if t] \
                if tags else []
            names += self.metadata_images(tags.value if tags else "")
            self.built(file.value if file else None, context.value if context else ".",
                       names, tags.span if tags else uses.span, env)
        elif uses.name in _DEPLOY_ACTIONS:
            self.role("deploy", uses.span)

    def metadata_images(self, tags: str) -> list[str]:
        """The `images:` of the docker/metadata-action step whose tags a build uses
        (`tags: ${{ steps.meta.outputs.tags }}`): the repositories it is pushed as."""
        match = re.search(r"steps\.([\w-]+)\.outputs\.tags", tags)
        if match is None:
            return []
        for other in self.job.steps:
            images = other.input("images") if other.id == match.group(1) and \
                other.uses is not None and other.uses.is_action("docker/metadata-action") \
                else None
            if images is not None and isinstance(images.value, str):
                # one image per line, optionally `name=<image>,enable=...`
                return [line.split(",")[0].removeprefix("name=").strip()
                        for line in images.value.splitlines() if line.strip()]
        return []

    def command(self, words: list[str], span: Span, env: dict[str, str], cwd: str) -> None:
        if not words:
            return
        prog = words[0].rsplit("/", 1)[-1]
        rest = [w for w in words[1:] if not w.startswith("-")]
        if prog in _TEST_PROGRAMS or (prog.startswith("python") and words[1:3] == ["-m", "pytest"]):
            self.role("test", span)
        elif prog == "docker" and (rest[:1] == ["build"] or rest[:2] == ["buildx", "build"]):
            self.role("build", span)
            if "--push" in words:
                self.role("push", span)
            self.docker_build(words, span, env, cwd)
        elif prog in ("docker", "podman") and "push" in rest[:2]:
            self.role("push", span)
        elif prog == "sam" and rest[:1] == ["build"]:
            self.role("build", span)
        elif (prog, rest[0] if rest else "") in _DEPLOY:
            self.role("deploy", span)
            self.deploy_target(prog, words, span, cwd)

    def docker_build(self, words: list[str], span: Span, env: dict[str, str], cwd: str) -> None:
        tags: list[str] = []
        file: str | None = None
        context = "."
        i = 1
        while i < len(words):
            word = words[i]
            if word in ("-t", "--tag") and i + 1 < len(words):
                tags.append(words[i + 1])
                i += 2
            elif word in ("-f", "--file") and i + 1 < len(words):
                file = words[i + 1]
                i += 2
            elif word.startswith("--") and "=" not in word and word not in ("--push", "--load",
                                                                             "--pull"):
                i += 2  # an option with a value (--build-arg X=1, --platform p)
            elif word.startswith("-") or word in ("build", "buildx"):
                i += 1
            else:
                context = word
                i += 1
        self.built(file, posixpath.join(cwd, context) if cwd else context, tags, span, env)

    def built(self, file: str | None, context: str, tags: list[str], span: Span,
              env: dict[str, str]) -> None:
        # Paths in a workflow are relative to its repository: the directory holding .github
        # (the scan root may be a parent of several repositories).
        root = self.workflow.path.rsplit(".github/", 1)[0].rstrip("/")
        context = posixpath.normpath(posixpath.join(root, substitute(context, env) or "."))
        file = posixpath.join(root, file) if file else None
        path = posixpath.normpath(substitute(file, env)) if file else posixpath.join(
            context, "Dockerfile")
        path = posixpath.normpath(path).removeprefix("./")
        if path not in self.dockerfiles:
            return
        image_id = node_id("image", path)
        self.builder.link(self.id, image_id, "builds", span)
        for tag in tags:
            name = substitute(tag, env).strip("\"'")
            if name:  # a tag from a variable still names the repository (`repo_key`)
                self.builder.name_image(name, image_id)
            if name and "$" not in name and not (
                    name.startswith("/") or name.endswith(":") or "/:" in name):
                # whole reference known (no run-time expression was dropped from it)
                self.builder.image_ref(name, span, "workflow-tag", self.id)

    def repository_path(self, *parts: str) -> str:
        """A path a workflow names, relative to the scan root: workflow paths are relative
        to their repository, the directory holding .github."""
        root = self.workflow.path.rsplit(".github/", 1)[0].rstrip("/")
        path = posixpath.normpath(posixpath.join(root, *(p for p in parts if p)))
        return "" if path == "." else path

    def deploy_target(self, prog: str, words: list[str], span: Span, cwd: str) -> None:
        targets: set[str] = set()
        if prog in ("terraform", "tofu"):
            chdir = next((w.split("=", 1)[1] for w in words if w.startswith("-chdir=")), "")
            directory = self.repository_path(cwd, chdir)
            targets = self.builder.aliases.get(("terraform-root", directory), set())
        if prog == "aws" and "--service" in words[:-1]:
            name = words[words.index("--service") + 1]
            targets = self.builder.aliases.get(("ecs-service", name), set())
        elif prog == "aws" and "--function-name" in words[:-1]:
            name = words[words.index("--function-name") + 1]
            targets = self.builder.aliases.get(("function", name), set())
        elif prog == "sam":
            sam = [ids for (kind, _), ids in self.builder.aliases.items() if kind == "sam"]
            targets = sam[0] if len(sam) == 1 else set()  # one template: it is the one
        for target in sorted(targets):
            self.builder.link(self.id, target, "deploys", span)


def build_workflows(builder: Builder) -> None:
    for workflow in sorted(builder.project.of_type(Workflow), key=lambda w: w.path):
        base = {v.name: v.value for v in workflow.env}
        jobs = [_Job(builder, workflow, job) for job in workflow.jobs]
        for item in jobs:
            env = {**base, **{v.name: v.value for v in item.job.env}}
            # The job's container and service containers are pulled like any image.
            containers = [(item.job.container, "workflow-container")]
            containers += [(s.image, "workflow-service") for s in item.job.services]
            for value, context in containers:
                if value is not None and "${{" not in value.value:
                    builder.image_ref(value.value, value.span, context, item.id)
            for step in item.job.steps:
                item.step(step, env)
            last = max([item.job.span.line] + [s.span.line for s in item.job.steps]
                       + [n for s in item.job.steps if s.run for n, _ in s.run.lines])
            builder.add(PipelineJob(item.id, workflow.path, item.job.id, item.job.label,
                                    item.job.span, tuple(r for r, _ in item.roles),
                                    item.job.needs, tuple(item.roles)), last)
        for item in jobs:
            for need in item.job.needs:
                target = node_id("job", workflow.path, need)
                if target in builder.deployment.nodes:
                    builder.link(item.id, target, "needs", item.job.needs_span)
