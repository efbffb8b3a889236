"""What a step does, as far as the CI rules care: deploy (push, update, apply) or test.

Shared by deploy-without-test-gate, workflow-permissions-excessive and
image-pushed-only-latest so they agree on what "deploys" means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlaudit.models.workflow import Job, Step, Workflow
from mlaudit.span import Span
from mlaudit_rules.ci._shell import Command, commands, failure_masked

# Actions whose only job is to deploy (pushing images is handled through `push:`).
DEPLOY_ACTIONS = {
    "aws-actions/amazon-ecs-deploy-task-definition": "updates an ECS service",
    "aws-actions/aws-cloudformation-github-deploy": "deploys a CloudFormation stack",
    "aws-actions/aws-lambda-deploy": "updates a Lambda function",
    "google-github-actions/deploy-cloudrun": "deploys a Cloud Run service",
    "azure/k8s-deploy": "deploys to Kubernetes",
    "azure/webapps-deploy": "deploys an Azure web app",
}
PUSH_ACTIONS = ("docker/build-push-action", "redhat-actions/push-to-registry")

# (program, sub-command words) -> what it does. Sub-commands are matched in order, skipping
# options in between (`terraform -chdir=infra apply`, `docker buildx build --push`).
_DEPLOY_COMMANDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("docker", ("push",), "pushes an image"),
    ("docker", ("image", "push"), "pushes an image"),
    ("podman", ("push",), "pushes an image"),
    ("aws", ("ecs", "update-service"), "updates an ECS service"),
    ("aws", ("lambda", "update-function-code"), "updates a Lambda function"),
    ("aws", ("cloudformation", "deploy"), "deploys a CloudFormation stack"),
    ("terraform", ("apply",), "applies Terraform"),
    ("tofu", ("apply",), "applies OpenTofu"),
    ("terragrunt", ("apply",), "applies Terragrunt"),
    ("sam", ("deploy",), "deploys a SAM stack"),
    ("serverless", ("deploy",), "deploys a Serverless service"),
    ("sls", ("deploy",), "deploys a Serverless service"),
    ("cdk", ("deploy",), "deploys a CDK app"),
    ("cdktf", ("deploy",), "deploys a CDK for Terraform app"),
    ("pulumi", ("up",), "updates a Pulumi stack"),
    ("copilot", ("deploy",), "deploys a Copilot application"),
    ("copilot", ("svc", "deploy"), "deploys a Copilot service"),
    ("copilot", ("job", "deploy"), "deploys a Copilot job"),
    ("aws", ("cloudformation", "create-stack"), "creates a CloudFormation stack"),
    ("aws", ("cloudformation", "update-stack"), "updates a CloudFormation stack"),
    ("aws", ("lambda", "update-function-configuration"), "updates a Lambda function"),
    ("aws", ("apprunner", "start-deployment"), "deploys an App Runner service"),
    ("aws", ("apprunner", "update-service"), "updates an App Runner service"),
    ("aws", ("sagemaker", "update-endpoint"), "updates a SageMaker endpoint"),
    ("aws", ("sagemaker", "create-endpoint"), "creates a SageMaker endpoint"),
    ("gcloud", ("run", "deploy"), "deploys a Cloud Run service"),
    ("gcloud", ("app", "deploy"), "deploys an App Engine app"),
    ("gcloud", ("functions", "deploy"), "deploys a Cloud Function"),
    ("az", ("webapp", "deploy"), "deploys an Azure web app"),
    ("az", ("containerapp", "update"), "updates an Azure container app"),
    ("flyctl", ("deploy",), "deploys a Fly.io app"),
    ("fly", ("deploy",), "deploys a Fly.io app"),
    ("eb", ("deploy",), "deploys an Elastic Beanstalk environment"),
    ("kubectl", ("rollout", "restart"), "restarts a Kubernetes deployment"),
    ("kubectl", ("create",), "creates Kubernetes resources"),
    ("kubectl", ("replace",), "replaces Kubernetes resources"),
    ("skaffold", ("run",), "deploys with Skaffold"),
    ("skaffold", ("deploy",), "deploys with Skaffold"),
    ("kubectl", ("apply",), "applies Kubernetes manifests"),
    ("kubectl", ("set", "image"), "updates a Kubernetes deployment"),
    ("helm", ("upgrade",), "upgrades a Helm release"),
    ("helm", ("install",), "installs a Helm release"),
)
_TEST_PROGRAMS = {"pytest", "py.test", "tox", "nox"}


@dataclass(frozen=True)
class Activity:
    what: str  # "pushes an image", "runs pytest"
    span: Span  # the command line, or the step's `uses:`
    step: Step
    masked: str | None = None  # for tests: why a failure would not fail the job


def _program(argv: tuple[str, ...]) -> str:
    return argv[0].rsplit("/", 1)[-1] if argv else ""


def _has_subcommand(argv: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """The sub-command words come first among the arguments, options skipped: with the
    option's value too when it takes one (`cdk --app "python app.py" deploy`,
    `kubectl -n prod apply`), or without (`terraform apply -auto-approve`)."""
    rest = [a for a in argv[1:] if not a.startswith("-")]
    if tuple(rest[: len(words)]) == words:
        return True
    positional: list[str] = []
    skip = False
    for arg in argv[1:]:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = "=" not in arg and len(arg) > 1
        else:
            positional.append(arg)
    return tuple(positional[: len(words)]) == words


def command_deploys(command: Command) -> str | None:
    argv = command.argv
    program = _program(argv)
    if program == "docker" and "--push" in argv and ("build" in argv or "bake" in argv):
        return "pushes an image"
    for name, words, what in _DEPLOY_COMMANDS:
        if program == name and _has_subcommand(argv, words):
            return what
    return None


def step_deploys(step: Step, path: str) -> list[Activity]:
    found: list[Activity] = []
    uses = step.uses
    if uses is not None and uses.kind == "repository":
        if uses.name in DEPLOY_ACTIONS:
            found.append(Activity(DEPLOY_ACTIONS[uses.name], uses.span, step))
        push = step.input("push")
        if uses.name in PUSH_ACTIONS and (uses.name != PUSH_ACTIONS[0] or (
                push is not None and push.value.strip().lower() == "true")):
            found.append(Activity("pushes an image", (push or uses).span, step))
    for command in commands(step):
        what = command_deploys(command)
        if what is not None:
            found.append(Activity(what, Span(path, command.line), step))
    return found


def command_tests(command: Command) -> bool:
    argv = list(command.argv)
    if argv[:1] == ["coverage"] and argv[1:2] == ["run"]:
        argv = [a for a in argv[2:] if a != "-m"]
    program = _program(tuple(argv))
    if program.startswith("python") and argv[1:2] == ["-m"] and len(argv) > 2:
        program = argv[2]
    if program in _TEST_PROGRAMS or program == "unittest":
        return True
    if program == "make":
        return any(t in ("test", "tests", "check") for t in argv[1:] if not t.startswith("-"))
    return program == "hatch" and argv[1:2] == ["test"]


_TEST_STEP_NAME = re.compile(r"\b(?:tests?|testing|smoke[- ]?tests?|pytest)\b", re.I)
# Steps that prepare for tests without running any ("Install test dependencies").
_PREPARES = re.compile(r"\b(?:install|set ?up|setup|cache|upload|download|deps|"
                       r"dependenc|requirements|build|lint|report|coverage)", re.I)
_NO_OP = {"true", ":", "echo", "printf", "exit"}


def step_tests(step: Step, path: str, job: Job) -> list[Activity]:
    found: list[Activity] = []
    # A step its author names a test ("Run tests") tests, whatever program it runs (a
    # `python -c` smoke check, a project script); it is a gate when it can fail the job.
    named = bool(step.name and _TEST_STEP_NAME.search(step.name)
                 and not _PREPARES.search(step.name))
    runs = [c for c in commands(step) if _program(c.argv) not in _NO_OP]
    for number, command in enumerate(runs):
        if command_tests(command) or (named and number == len(runs) - 1):
            masked = failure_masked(command)
            if step.continue_on_error == "true":
                masked = "the step has `continue-on-error: true`"
            if job.continue_on_error == "true":
                masked = f"job {job.id} has `continue-on-error: true`"
            found.append(Activity("runs tests", Span(path, command.line), step, masked))
    return found


def job_deploys(workflow: Workflow, job: Job) -> list[Activity]:
    return [a for step in job.steps for a in step_deploys(step, workflow.path)]


def workflow_deploys(workflow: Workflow) -> list[tuple[Job, Activity]]:
    return [(job, a) for job in workflow.jobs for a in job_deploys(workflow, job)]
