"""Secret passed as a plain environment variable

## What it flags
A secret-named variable (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*API_KEY*`,
`*PRIVATE_KEY*`, `*CREDENTIALS`, a `DATABASE_URL` with a password in it) given a literal
value in the plain environment of a deployment: an ECS container's `environment`, a SAM or
Serverless function's environment variables, a compose service's `environment`, a
Kubernetes container's `env` list (manifests, Kustomize overlays, Helm `values.yaml`), a
SageMaker model container's `environment` (Terraform, CloudFormation `Environment`, the
SDK's `env=` in a deploy script or notebook: `HF_TOKEN`, `HUGGING_FACE_HUB_TOKEN`, API keys),
a Terraform Lambda or ECS environment, also when the literal comes through a tfvars file,
a variable and a module input (the tfvars line is shown as related).

Not flagged: references resolved at deploy or run time (`${VAR}`, `{{resolve:…}}`,
`!Ref`, Secrets Manager or SSM ARNs, `${ssm:…}`, Kubernetes `valueFrom.secretKeyRef`),
placeholders (`YOUR-TOKEN-HERE`,
`changethis`, `abc123`, phrases of words with a stand-in word such as
`replace-with-strong-jwt-secret` or `dev-jwt-secret-change-me`), words and numbers
(`PASSWORD_ITERATIONS: 4096`), empty values, local fixture URLs (a `DATABASE_URL` whose
host is the loopback or another service of the same compose file and whose password
repeats the user or database name, `postgres://app:app@db/app`: it guards a throwaway
database, and a weak password is not a leaked one),
names that describe a secret without holding it (`DB_SECRET_ARN`, `PASSWORD_FILE`), and
AWS keys (MLA101 reports those). The message gives the secret's length and character
classes, never the value.

## Why it matters
Plain environment values are stored in clear text in the task definition, the function
configuration or the compose file, and are shown to anyone who can describe the task or
read the function configuration, and in the console. They also cannot be rotated without
a redeploy.

## How to fix
Keep the secret in Secrets Manager or SSM Parameter Store and reference it: ECS
`secrets` with `valueFrom`, `{{resolve:secretsmanager:…}}` or a runtime fetch in Lambda,
compose `secrets:` (mounted under `/run/secrets/`) or an untracked env file, Kubernetes
`valueFrom.secretKeyRef` (a Secret created outside the repository, or sealed/external).

## Example
```json
{"name": "api", "environment": [{"name": "DB_PASSWORD", "value": "<the password>"}]}
```

```json
{"name": "api", "secrets": [{"name": "DB_PASSWORD",
  "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db"}]}
```

## References
- https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html
- https://docs.docker.com/compose/how-tos/use-secrets/
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Severity
from mlaudit.span import Span
from mlaudit_rules.secrets._shape import shape
from mlaudit_rules.secrets._values import plain_environment_secrets

RULE = Rule(
    id="MLA104",
    name="secret-in-plain-environment",
    title="Secret passed as a plain environment variable",
    severity=Severity.MEDIUM,
    category=Category.SECRETS,
    target=Deployment,
    # By name: the scan imports only the models its files need.
    requires=("mlaudit.models.compose.ComposeFile", "mlaudit.models.ecs.TaskDefinition",
              "mlaudit.models.functions.ServerlessApp", "mlaudit.models.terraform.TerraformModule",
              "mlaudit.models.sagemaker.SageMakerEndpoint", "mlaudit.models.kubernetes.KubeApp"),
    confidence=Confidence.HIGH,
    tags=("credentials", "ecs", "lambda", "compose", "kubernetes", "cwe-312"),
    docs=__doc__ or "",
)


def _written_in_tfvars(deployment: Deployment, secret: str) -> list[tuple[Span, str]]:
    """Where a Terraform environment value is written when it came through a variable:
    the tfvars assignment holding the same literal (tfvars -> variable -> module input ->
    environment)."""
    from mlaudit.models.terraform_syntax import Literal, TfvarsFile

    return [(attribute.span, f"the value is set here, in {tfvars.path}")
            for tfvars in deployment.models(TfvarsFile) for attribute in tfvars.attributes
            if isinstance(attribute.expr, Literal) and attribute.expr.value == secret]


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    for where, var, secret in plain_environment_secrets(deployment):
        related = _written_in_tfvars(deployment, secret) if var.span.path.endswith(
            (".tf", ".tf.json")) else []
        yield ctx.finding(
            f"{where} sets {var.name} to a literal secret ({shape(secret)}) in its plain"
            " environment" + (" (through a Terraform variable)" if related else ""),
            var.span, key=f"{where}:{var.name}", secrets=[secret, var.value or ""],
            related=related)
