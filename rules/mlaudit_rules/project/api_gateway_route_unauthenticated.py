"""API Gateway route calls a Lambda function without authentication

## What it flags
An API Gateway route that invokes a Lambda function and lets anyone call it: no
authorizer and no API key. Terraform REST APIs (`aws_api_gateway_method` with
`authorization = "NONE"` and no `api_key_required = true`, integrated through
`aws_api_gateway_integration` with a Lambda `uri`), Terraform HTTP APIs
(`aws_apigatewayv2_route` with no `authorization_type` or `"NONE"`, targeting a Lambda
integration, and quick-create APIs with a Lambda `target`), SAM `Api`/`HttpApi` events
with no `Auth` on the event, its API resource or `Globals`, and Serverless `http`/`httpApi`
events with neither `authorizer` nor `private: true`. The sibling of MLA709 (function
URLs). The function must serve a model: it packages a heavy ML stack or a model file
(MLA705's evidence), or its name, handler or image says so (`predict`, `inference`,
`model`, `classifier`, `embeddings`, ...).

Not flagged: routes with an authorizer (Cognito, JWT, Lambda, `AWS_IAM`) or a required API
key; `OPTIONS` methods (CORS preflight); integrations that are not Lambda (mocks, HTTP
proxies); APIs whose auth comes from an OpenAPI body or a resource outside the template
(cannot tell); values mlaudit cannot resolve; functions with no sign of a model (a
public `hello` or webhook function is a design choice, not this finding).

## Why it matters
A public route in front of a model function is an open inference endpoint: anyone who finds
the URL runs the model at your expense (every request is a Lambda invocation and often a
GPU-sized one), can probe it with crafted inputs, and there is no caller identity to
throttle or revoke.

## How to fix
Require callers to identify themselves: an authorizer (`authorization = "COGNITO_USER_POOLS"`
or `"CUSTOM"`, a JWT authorizer on HTTP APIs, `AWS_IAM` with signed requests), or at least
an API key with a usage plan that throttles it.

## Example
```hcl
resource "aws_api_gateway_method" "predict" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.predict.id
  http_method   = "POST"
  authorization = "NONE"
}
```

```hcl
resource "aws_api_gateway_method" "predict" {
  rest_api_id      = aws_api_gateway_rest_api.api.id
  resource_id      = aws_api_gateway_resource.predict.id
  http_method      = "POST"
  authorization    = "NONE"
  api_key_required = true
}
```

## References
- https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html
- https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mlaudit.finding import Finding
from mlaudit.models.deployment import Deployment
from mlaudit.models.terraform import Resource, TerraformModule, Unknown
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Kind, Severity
from mlaudit.span import Span
from mlaudit_rules.python._lambda import heavy_evidence, lambda_functions, serverless_apps

RULE = Rule(
    id="MLA710",
    name="api-gateway-route-unauthenticated",
    title="API Gateway route calls a Lambda function without authentication",
    severity=Severity.MEDIUM,
    category=Category.EXPOSURE,
    target=Deployment,
    requires=(TerraformModule, "mlaudit.models.functions.ServerlessApp"),
    kind=Kind.SECURITY,
    tags=("aws", "api-gateway", "lambda", "serverless", "terraform", "sam"),
    docs=__doc__ or "",
)


def _ref(value: Any) -> str:
    """`aws_api_gateway_resource.predict` for a reference to one of its attributes."""
    if isinstance(value, Unknown) and value.ref:
        parts = value.ref.split(".")
        return ".".join(parts[:2]) if len(parts) >= 2 else value.ref
    return repr(value) if value is not None else ""


def _lambda_target(value: Any) -> str | None:
    """The function a Lambda integration URI or target points at, else None."""
    if isinstance(value, Unknown):
        ref = value.ref
        if ref.startswith(("aws_lambda_function.", "aws_lambda_alias.")):
            return ref.split(".")[1]
        if ref.startswith(("module.", "var.")) and "lambda" in ref.lower():
            return ref.rsplit(".", 1)[0]  # a function made by a module or passed in
        return None
    if isinstance(value, str) and (":lambda:" in value or "functions/arn" in value):
        return value.rsplit(":", 1)[-1].split("/")[0] or "a Lambda function"
    return None


def _no_auth(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.upper() == "NONE")


def _rest(module: TerraformModule) -> Iterator[tuple[Resource, str, Span]]:
    integrations: dict[tuple[str, str, str], str] = {}
    via_method: dict[str, str] = {}  # integrations that name their method (`….http_method`)
    for item in module.resources_of("aws_api_gateway_integration"):
        target = _lambda_target(item.get("uri"))
        if not target:
            continue
        method = item.get("http_method")
        for value in (method, item.get("resource_id")):
            if _ref(value).startswith("aws_api_gateway_method."):
                via_method[_ref(value).split(".")[1]] = target
        if isinstance(method, str):
            key = (_ref(item.get("rest_api_id")), _ref(item.get("resource_id")), method.upper())
            integrations[key] = target
    for method in module.resources_of("aws_api_gateway_method"):
        verb = method.get("http_method")
        auth = method.get("authorization")
        if not isinstance(verb, str) or verb.upper() == "OPTIONS" or not isinstance(auth, str):
            continue
        if auth.upper() != "NONE" or method.get("api_key_required") not in (None, False):
            continue  # an authorizer, a required API key, or a value we cannot tell
        key = (_ref(method.get("rest_api_id")), _ref(method.get("resource_id")), verb.upper())
        target = integrations.get(key) or via_method.get(method.name)
        if target is not None:
            yield method, target, method.span_of("authorization")


def _http(module: TerraformModule) -> Iterator[tuple[Resource, str, Span]]:
    integrations: dict[str, str] = {}
    others: set[str] = set()  # APIs with integrations that are not Lambda
    by_api: dict[str, list[str]] = {}
    for item in module.resources_of("aws_apigatewayv2_integration"):
        target = _lambda_target(item.get("integration_uri"))
        if target:
            integrations[item.name] = target
            by_api.setdefault(_ref(item.get("api_id")), []).append(item.name)
        else:
            others.add(_ref(item.get("api_id")))
    for route in module.resources_of("aws_apigatewayv2_route"):
        auth = route.get("authorization_type")
        if not _no_auth(auth) or str(route.get("route_key", "")).upper().startswith("OPTIONS"):
            continue
        target = route.get("target")
        ref = target.ref or target.reason if isinstance(target, Unknown) else str(target or "")
        name = next((n for n in integrations if f"aws_apigatewayv2_integration.{n}." in ref), None)
        api = _ref(route.get("api_id"))
        if name is None and isinstance(target, Unknown) and not target.ref and api not in others \
                and len(by_api.get(api, ())) == 1:
            name = by_api[api][0]  # "integrations/${…}": the API's only (Lambda) integration
        if name is not None:
            at = route.span_of("authorization_type") if route.has("authorization_type") \
                else route.span
            yield route, integrations[name], at
    for quick in module.resources_of("aws_apigatewayv2_api"):
        function = _lambda_target(quick.get("target"))
        if function and str(quick.get("protocol_type", "")).upper() == "HTTP":
            yield quick, function, quick.span_of("target")


# Names that say a function serves a model (its name, handler or image).
_MODEL_WORDS_RE = re.compile(
    r"(?i)model|predict|infer|train|classif|scor(?:e|ing)|sentiment|embed|llm|gpt|bert|transformer"
    r"|detect|recogni|forecast|recommend|(?<![a-z])ml(?![a-z])|sagemaker|torch|onnx|xgboost")
_HEAVY_MODEL_BYTES = 10_000_000


def _heavy_names(deployment: Deployment) -> set[str]:
    """Names (logical name, function name, resource name) of functions that package a
    heavy ML stack or a model file: MLA705's evidence."""
    names: set[str] = set()
    for fn in lambda_functions(deployment):
        if heavy_evidence(deployment, fn, _HEAVY_MODEL_BYTES):
            names |= {fn.name, fn.key.rsplit("#", 1)[-1], fn.key.rsplit(".", 1)[-1]}
    return names


def _serves_model(names: set[str], heavy: set[str]) -> bool:
    return bool(names & heavy) or any(_MODEL_WORDS_RE.search(n) for n in names if n)


@RULE.check
def check(deployment: Deployment, ctx: RuleContext) -> Iterator[Finding]:
    heavy = _heavy_names(deployment)
    for app in serverless_apps(deployment):
        for function in app.functions:
            if not _serves_model({function.logical_name, function.handler or "",
                                  function.image_uri or "", function.dockerfile or ""}, heavy):
                continue
            for event in function.events:
                if not event.is_http or event.auth != "NONE":
                    continue
                if (event.method or "").upper() == "OPTIONS":
                    continue
                route = f"{(event.method or 'ANY').upper()} {event.path or '/'}"
                yield ctx.finding(
                    f"{app.kind} function {function.logical_name} is called by {event.type} "
                    f"route {route} with no authorizer and no API key",
                    event.span, key=f"{function.logical_name}:{event.name}")
    seen: set[tuple[str, int]] = set()  # a module called twice declares the route once
    for module in getattr(deployment.terraform, "modules", ()):
        for resource, target, at in (*_rest(module), *_http(module)):
            if (at.path, at.line) in seen or not _serves_model({target}, heavy):
                continue
            seen.add((at.path, at.line))
            what = ("route" if resource.type == "aws_apigatewayv2_route" else
                    "quick-create HTTP API" if resource.type == "aws_apigatewayv2_api"
                    else "method")
            yield ctx.finding(
                f"{resource.config_address} ({what}) invokes Lambda {target} with no "
                "authorizer and no API key", at, key=resource.config_address)
