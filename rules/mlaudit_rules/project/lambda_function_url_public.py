"""Lambda function URL accepts unauthenticated requests

## What it flags
A Lambda function URL anyone on the internet can call: Terraform `aws_lambda_function_url`
with `authorization_type = "NONE"` (also through a variable or module input), SAM
`FunctionUrlConfig` or `AWS::Lambda::Url` with `AuthType: NONE`, and Serverless `url: true`
or a `url:` map without `authorizer: aws_iam` (Serverless makes URLs public by default).
The finding sits on `authorization_type`, on `FunctionUrlConfig` / the `AWS::Lambda::Url`
resource, or on `url:`.

Not flagged: `AWS_IAM`; an auth type that is a variable or intrinsic mlaudit cannot
resolve.

## Why it matters
A public function URL skips API Gateway entirely: no authentication, no throttling, no WAF,
no usage plan. Anyone who finds the URL can run inference at your expense (a model
endpoint is an easy target for cost abuse) or probe the handler with crafted inputs.

## How to fix
Use `AWS_IAM` and sign requests (SigV4) from the callers, or put the function behind API
Gateway with an authorizer and throttling.

## Example
```hcl
resource "aws_lambda_function_url" "predict" {
  function_name      = aws_lambda_function.predict.function_name
  authorization_type = "NONE"
}
```

```hcl
resource "aws_lambda_function_url" "predict" {
  function_name      = aws_lambda_function.predict.function_name
  authorization_type = "AWS_IAM"
}
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
- https://www.serverless.com/framework/docs/providers/aws/guide/functions#lambda-function-urls
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment
from mlaudit.models.terraform import TerraformModule, Unknown
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit_rules.python._lambda import serverless_apps

RULE = Rule(
    id="MLA709",
    name="lambda-function-url-public",
    title="Lambda function URL accepts unauthenticated requests",
    severity=Severity.MEDIUM,
    category=Category.EXPOSURE,
    target=Deployment,
    requires=(TerraformModule, "mlaudit.models.functions.ServerlessApp"),
    kind=Kind.SECURITY,
    tags=("aws", "lambda", "serverless", "terraform", "sam"),
    docs=__doc__ or "",
)


def _function(name: object) -> str:
    """The function a URL serves: its name, or the resource an unresolved name refers to."""
    if isinstance(name, str):
        return f"function {name}"
    if isinstance(name, Unknown) and name.ref:
        return name.ref.rsplit(".", 1)[0]
    return "its function"


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    for app in serverless_apps(deployment):
        for function in app.functions:
            url = function.function_url
            if url is not None and url.is_public:
                yield ctx.finding(f"{app.kind} function {function.logical_name} has a public "
                                  "function URL (auth type NONE)", url.span,
                                  key=f"{function.logical_name}:url")
    terraform = deployment.terraform
    seen: set[tuple[str, int]] = set()  # a module called twice declares the URL once
    for module in getattr(terraform, "modules", ()):
        for url in module.resources_of("aws_lambda_function_url"):
            auth = url.get("authorization_type")
            at = url.span_of("authorization_type")
            if not isinstance(auth, str) or auth.upper() != "NONE" or (at.path, at.line) in seen:
                continue
            seen.add((at.path, at.line))
            target = _function(url.get("function_name"))
            yield ctx.finding(f"{url.config_address} exposes {target} without authentication "
                              '(authorization_type = "NONE")', at, key=url.config_address)
