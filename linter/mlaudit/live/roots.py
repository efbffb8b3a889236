"""Each Terraform root's state, joined with the live facts into a `LiveState`.

Roots are the deployment units of kind `terraform-root`. A root's state is, in order of
preference: the object its S3 backend names (read with s3:GetObject, bucket and key taken
from the literal values of its `backend "s3"` block: never written), a local
`terraform.tfstate`, or a `terraform show -json` file among the unit's files. A plan JSON
among them is read offline for Terraform's own `resource_drift`.

Everything read from a state is secret: it stays in the model, and rules print
attribute names and non-secret values only.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlaudit.finding import Diagnostic, DiagnosticLevel
from mlaudit.models.live import Anchor, LiveFacts, LiveState, ManagedRoot, PlanDrift
from mlaudit.models.terraform import TerraformState
from mlaudit.span import Span

# Terraform type -> the live service whose listing proves a resource is gone, and the
# state attributes that hold ids the facts use.
MANAGED_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "aws_security_group": ("ec2", ("id", "arn")),
    "aws_ecs_service": ("ecs", ("id", "arn")),
    "aws_lb_target_group": ("elbv2", ("id", "arn")),
    "aws_alb_target_group": ("elbv2", ("id", "arn")),
    "aws_lb_listener": ("elbv2", ("id", "arn")),
    "aws_alb_listener": ("elbv2", ("id", "arn")),
    "aws_lambda_function": ("lambda", ("function_name", "arn", "id")),
    "aws_ecr_repository": ("ecr", ("name", "arn", "id")),
    "aws_sagemaker_endpoint": ("sagemaker", ("name", "arn", "id")),
    "aws_ecs_task_definition": ("ecs", ("arn", "arn_without_revision")),
}


@dataclass(frozen=True)
class S3Backend:
    root: str
    bucket: str
    key: str
    region: str
    span: Span


@dataclass
class RootInfo:
    root: str  # "" for the repository root, as the Terraform model names it
    unit: str
    files: tuple[str, ...]
    backend: S3Backend | None = None


def terraform_roots(deployment: Any) -> list[RootInfo]:
    out = []
    models = deployment.project.models
    for unit in sorted(deployment.units.values(), key=lambda u: u.id):
        if unit.kind != "terraform-root":
            continue
        root = "" if unit.path == "." else unit.path
        out.append(RootInfo(root, unit.id, unit.files, _s3_backend(root, unit.files, models)))
    return out


def _s3_backend(root: str, files: tuple[str, ...], models: dict[str, Any]) -> S3Backend | None:
    """bucket, key and region of a `backend "s3"` block written with literal values."""
    from mlaudit.models.terraform_syntax import Literal, TerraformFile

    for path in files:
        model = models.get(path)
        if not isinstance(model, TerraformFile) or posixpath.dirname(path) != root:
            continue
        for block in model.blocks_of("terraform"):
            for backend in block.blocks_of("backend"):
                if backend.labels[:1] != ("s3",):
                    continue
                values = {}
                for name in ("bucket", "key", "region"):
                    attribute = backend.attribute(name)
                    if attribute is not None and isinstance(attribute.expr, Literal):
                        values[name] = str(attribute.expr.value)
                return S3Backend(root, values.get("bucket", ""), values.get("key", ""),
                                 values.get("region", ""), backend.span)
    return None


def fetch_remote(roots: list[RootInfo], read_object: Callable[[S3Backend], str | None],
                 diagnostics: list[Diagnostic]) -> dict[str, TerraformState]:
    """Each S3-backed root's state, read through `read_object` (s3:GetObject only)."""
    import json

    from mlaudit.parsers import ParseError
    from mlaudit.parsers.terraform_state import from_document

    out: dict[str, TerraformState] = {}
    partial: list[S3Backend] = []
    for info in roots:
        backend = info.backend
        if backend is None:
            continue
        if not backend.bucket or not backend.key:
            partial.append(backend)
            continue
        text = read_object(backend)
        if text is None:
            continue  # the reader noted why
        where = f"s3://{backend.bucket}/{backend.key}"
        try:
            state = from_document(where, json.loads(text))
        except (ValueError, ParseError) as exc:
            diagnostics.append(Diagnostic(f"state object {where} is not Terraform state "
                                          f"({getattr(exc, 'message', exc)})", backend.span,
                                          DiagnosticLevel.WARNING, "live-state"))
            continue
        if state is not None:
            out[info.root] = state
    if partial:
        # One note, not one per root: a repository of components often has dozens.
        names = ", ".join(b.root or "." for b in partial[:10]) + (
            " ..." if len(partial) > 10 else "")
        diagnostics.append(Diagnostic(
            f"{len(partial)} Terraform root(s) give their S3 backend's bucket or key at init "
            f"time (partial configuration), so their state was not read; drift uses a local "
            f"state where one exists: {names}", partial[0].span, DiagnosticLevel.NOTE,
            "live-state"))
    return out


def assemble(facts: LiveFacts, deployment: Any,
             remote: dict[str, TerraformState] | None = None) -> tuple[LiveState,
                                                                       list[Diagnostic]]:
    """Join facts with every root's state: what each root manages and where it is
    declared; notices and the unmanaged-resource summary as diagnostics."""
    remote = remote or {}
    diagnostics = [_notice(n) for n in facts.notices]
    roots: list[ManagedRoot] = []
    anchors: dict[str, Anchor] = {}
    models = deployment.project.models if deployment is not None else {}
    infos = terraform_roots(deployment) if deployment is not None else []
    for info in infos:
        state, local = remote.get(info.root), False
        if state is None:
            local = True
            candidates = [m for p in info.files if isinstance(m := models.get(p), TerraformState)
                          and m.kind in ("state", "show")]
            candidates.sort(key=lambda m: (m.kind != "state", m.path))
            state = candidates[0] if candidates else None
        plans = [m for p in info.files if isinstance(m := models.get(p), TerraformState)
                 and m.kind == "plan"]
        drift = tuple(d for plan in plans for d in _plan_drift(deployment, plan.path))
        if state is None and not drift:
            continue
        declared = _declared(deployment, info.root)
        resources = tuple(r for r in (state.resources if state else ()) if r.mode == "managed")
        managed = ManagedRoot(info.root or ".", info.unit, state.path if state else "",
                              resources, tuple(declared.items()), drift, local)
        roots.append(managed)
        for resource in resources:
            ids = MANAGED_TYPES.get(resource.type)
            if ids is None or not isinstance(resource.values, dict):
                continue
            anchor = Anchor(managed.root, resource.address, managed.declaration(resource.address),
                            resource.span if local else None)
            for name in ids[1]:
                value = resource.values.get(name)
                if isinstance(value, str) and value:
                    anchors.setdefault(value, anchor)
    live = LiveState(facts, tuple(roots), anchors)
    summary = _unmanaged(live)
    if summary:
        diagnostics.append(Diagnostic(summary, None, DiagnosticLevel.NOTE, "live-unmanaged"))
    return live, diagnostics


def _declared(deployment: Any, root: str) -> dict[str, Span]:
    tf = getattr(deployment, "terraform", None)
    out: dict[str, Span] = {}
    for module in getattr(tf, "modules", ()):
        if module.root != root:
            continue
        for resource in module.resources:
            out.setdefault(resource.address, resource.span)
            out.setdefault(resource.config_address, resource.span)
    return out


def _plan_drift(deployment: Any, path: str) -> list[PlanDrift]:
    """`resource_drift` of a plan JSON (`terraform plan -refresh-only`, `show -json`)."""
    from mlaudit.parsers import ParseError, yaml_source

    try:
        text = (deployment.project.root / path).read_text(encoding="utf-8")
        data = yaml_source.load(text)
    except (OSError, UnicodeDecodeError, ParseError):
        return []
    out = []
    for item in data.get("resource_drift") or [] if isinstance(data, dict) else []:
        if not isinstance(item, dict) or not item.get("address"):
            continue
        change = item.get("change")
        change = change if isinstance(change, dict) else {}
        actions = tuple(str(a) for a in change.get("actions") or [])
        before, after = change.get("before"), change.get("after")
        changed: tuple[str, ...] = ()
        if isinstance(before, dict) and isinstance(after, dict):
            changed = tuple(sorted(k for k in set(before) | set(after)
                                   if before.get(k) != after.get(k)))
        line = getattr(item, "line", 1)
        out.append(PlanDrift(str(item["address"]), str(item.get("type") or ""), actions,
                             changed, Span(path, line if isinstance(line, int) else 1)))
    return out


_NOTICE_TEXT = {
    "access-denied": "access denied: grant {action} (see mlaudit's live IAM policy); the "
                     "checks that need it did not run, the others did",
    "unavailable": "{action} is not available at this endpoint; the checks that need it "
                   "did not run",
    "throttled": "{action} was still throttled after retries; the checks that need it did "
                 "not run",
}


def _notice(notice: Any) -> Diagnostic:
    where = notice.region or "global"
    text = _NOTICE_TEXT.get(notice.reason, "{action} failed: " + notice.reason)
    code = "live-access-denied" if notice.reason == "access-denied" else "live-unavailable"
    return Diagnostic(f"live ({where}): " + text.format(action=notice.action), None,
                      DiagnosticLevel.WARNING, code)


def _unmanaged(state: LiveState) -> str:
    """A one-line summary of live resources that no root here manages (not findings:
    another repository, the console or a different tool may own them)."""
    facts = state.facts
    groups: list[tuple[str, list[str]]] = [
        ("security groups", [f"{g.id} ({g.name})" for g in facts.security_groups
                             if g.name != "default" and not state.anchor(g.id)]),
        ("ECS services", [f"{s.cluster}/{s.name}" for s in facts.ecs_services
                          if not state.anchor(s.arn)]),
        ("target groups", [t.name for t in facts.target_groups if not state.anchor(t.arn)]),
        ("Lambda functions", [f.name for f in facts.functions
                              if not state.anchor(f.name, f.arn)]),
        ("SageMaker endpoints", [e.name for e in facts.endpoints
                                 if not state.anchor(e.name, e.arn)]),
        ("ECR repositories", [r.name for r in facts.repositories
                              if not state.anchor(r.name, r.arn)]),
    ]
    parts = []
    for label, names in groups:
        if names:
            shown = ", ".join(sorted(names)[:10]) + (" ..." if len(names) > 10 else "")
            parts.append(f"{len(names)} {label}: {shown}")
    if not parts:
        return ""
    return "live resources no Terraform root here manages (not findings): " + "; ".join(parts)

