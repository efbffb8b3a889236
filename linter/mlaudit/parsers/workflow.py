"""GitHub Actions workflows (`.github/workflows/*.y*ml`) -> `mlaudit.models.workflow`.

YAML goes through the shared line-aware safe loader. The parser is lenient about
structure GitHub would reject (a job that is not a mapping, a step that is a string):
those parts are skipped rather than failing the file, because the rest still deserves a
scan. Only YAML that does not load at all raises `ParseError`.
"""

from __future__ import annotations

from typing import Any

from mlaudit.models.workflow import (
    ActionRef,
    Job,
    Permissions,
    RunScript,
    ServiceContainer,
    Step,
    Trigger,
    Value,
    Workflow,
)
from mlaudit.parsers import ParseError
from mlaudit.sources import SourceFile
from mlaudit.span import Span

PARSER_VERSION = "3"

_SCOPES = {
    "actions", "attestations", "checks", "contents", "deployments", "discussions",
    "id-token", "issues", "models", "packages", "pages", "pull-requests",
    "repository-projects", "security-events", "statuses",
}


class _Ctx:
    """The file being parsed: its path and source lines, for spans and script bodies."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def span(self, line: int, column: int = 1) -> Span:
        return Span(self.path, line, column)

    def key_span(self, mapping: Any, key: Any) -> Span:
        return self.span(mapping.line_of(key), mapping.column_of(key))


def parse(source: SourceFile) -> Workflow | None:
    from mlaudit.parsers.yaml_source import LMap, load

    data = load(source.text)
    if data is None:
        return None
    if not isinstance(data, LMap):
        raise ParseError("a workflow must be a mapping at the top level", getattr(data, "line", 1))
    on_key = "on" if "on" in data else True if True in data else None  # YAML 1.1: on -> True
    if on_key is None and "jobs" not in data:
        return None  # some other YAML file kept under .github/workflows
    ctx = _Ctx(source.path, source.text)
    triggers = _triggers(ctx, data, on_key) if on_key is not None else ()
    triggers_span = ctx.key_span(data, on_key) if on_key is not None else ctx.span(1)
    jobs_map = data.get("jobs")
    jobs: list[Job] = []
    if isinstance(jobs_map, LMap):
        for job_id, body in jobs_map.items():
            if isinstance(body, LMap):
                jobs.append(_job(ctx, str(job_id), ctx.key_span(jobs_map, job_id), body))
    return Workflow(
        path=source.path,
        name=_text(data.get("name")),
        triggers=triggers,
        triggers_span=triggers_span,
        permissions=_permissions(ctx, data, "permissions"),
        env=_values(ctx, data.get("env")),
        jobs=tuple(jobs),
    )


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, (dict, list)) else _scalar(value)


def _plain(value: Any) -> Any:
    """Loader containers -> plain dict/list (small, picklable, no position baggage)."""
    if isinstance(value, dict):
        return {(_scalar(k) if isinstance(k, bool) else k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _triggers(ctx: _Ctx, data: Any, key: Any) -> tuple[Trigger, ...]:
    from mlaudit.parsers.yaml_source import LList, LMap

    on = data.get(key)
    if isinstance(on, str):
        return (Trigger(on, {}, ctx.span(*data.value_pos.get(key, (data.line_of(key), 1)))),)
    if isinstance(on, LList):
        return tuple(
            Trigger(str(event), {}, ctx.span(*on.item_pos[i]))
            for i, event in enumerate(on) if isinstance(event, str)
        )
    if isinstance(on, LMap):
        return tuple(
            Trigger(str(event), _plain(body) if isinstance(body, dict) else {},
                    ctx.key_span(on, event))
            for event, body in on.items()
        )
    return ()


def _permissions(ctx: _Ctx, owner: Any, key: str) -> Permissions | None:
    if key not in owner:
        return None
    value = owner[key]
    span = ctx.key_span(owner, key)
    if isinstance(value, str):
        preset = value.strip()
        return Permissions(span, preset=preset, known=preset in ("read-all", "write-all"))
    if value is None or isinstance(value, dict):
        scopes = {str(k): _scalar(v) for k, v in (value or {}).items()}
        known = all(k in _SCOPES and v in ("read", "write", "none") for k, v in scopes.items())
        return Permissions(span, scopes=scopes, known=known)
    return Permissions(span, known=False)


def _values(ctx: _Ctx, mapping: Any) -> tuple[Value, ...]:
    from mlaudit.parsers.yaml_source import LMap

    if not isinstance(mapping, LMap):
        return ()  # absent, or an expression such as ${{ fromJSON(...) }}: cannot tell
    return tuple(
        Value(str(k), _scalar(v) if not isinstance(v, (dict, list)) else str(_plain(v)),
              ctx.key_span(mapping, k))
        for k, v in mapping.items()
    )


def action_ref(raw: str, span: Span) -> ActionRef:
    """Parse a `uses:` value: `owner/repo[/path]@ref`, `./local`, `docker://image`."""
    text = raw.strip()
    if text.startswith("./") or text.startswith(".\\"):
        return ActionRef(text, span, "local", path=text[2:])
    if text.startswith("docker://"):
        return ActionRef(text, span, "docker", ref=text[len("docker://"):])
    target, _, ref = text.partition("@")
    parts = target.split("/")
    owner = parts[0].lower()
    repo = parts[1].lower() if len(parts) > 1 else ""
    return ActionRef(text, span, "repository", owner, repo, "/".join(parts[2:]), ref)


def _job(ctx: _Ctx, job_id: str, span: Span, body: Any) -> Job:
    from mlaudit.parsers.yaml_source import LList, LMap

    needs_raw = body.get("needs")
    needs = (needs_raw,) if isinstance(needs_raw, str) else tuple(
        str(n) for n in needs_raw if isinstance(n, str)) if isinstance(needs_raw, list) else ()
    uses = body.get("uses")
    secrets = body.get("secrets")
    environment = body.get("environment")
    env_value: Value | None = None
    if isinstance(environment, LMap) and environment.get("name") is not None:
        env_value = Value("name", _scalar(environment["name"]), ctx.key_span(environment, "name"))
    elif environment is not None and not isinstance(environment, (dict, list)):
        env_value = Value("environment", _scalar(environment), ctx.key_span(body, "environment"))
    strategy = body.get("strategy")
    services_raw = body.get("services")
    services = tuple(
        ServiceContainer(str(name), ctx.key_span(services_raw, name),
                         _values(ctx, item.get("env")) if isinstance(item, LMap) else (),
                         _image(ctx, item))
        for name, item in services_raw.items()) if isinstance(services_raw, LMap) else ()
    steps_raw = body.get("steps")
    steps: list[Step] = []
    if isinstance(steps_raw, LList):
        for index, item in enumerate(steps_raw):
            if isinstance(item, LMap):
                steps.append(_step(ctx, len(steps), ctx.span(*steps_raw.item_pos[index]), item))
    return Job(
        id=job_id,
        span=span,
        name=_text(body.get("name")),
        needs=needs,
        needs_span=ctx.key_span(body, "needs") if "needs" in body else None,
        if_condition=_text(body.get("if")),
        permissions=_permissions(ctx, body, "permissions"),
        env=_values(ctx, body.get("env")),
        runs_on=_plain(body.get("runs-on")),
        uses=action_ref(uses, ctx.key_span(body, "uses")) if isinstance(uses, str) else None,
        with_=_values(ctx, body.get("with")),
        secrets=_values(ctx, secrets),
        secrets_inherit=secrets == "inherit",
        matrix=_plain(strategy.get("matrix")) if isinstance(strategy, dict) else None,
        environment=env_value,
        steps=tuple(steps),
        continue_on_error=_text(body.get("continue-on-error")),
        services=services,
        if_span=ctx.key_span(body, "if") if "if" in body else None,
        container=_image(ctx, body.get("container")) if isinstance(
            body.get("container"), LMap) else Value(
            "container", _scalar(body["container"]), ctx.key_span(body, "container"))
        if isinstance(body.get("container"), str) else None,
    )


def _image(ctx: _Ctx, item: Any) -> Value | None:
    """A container's `image:` (job container or service), with the key's line."""
    from mlaudit.parsers.yaml_source import LMap

    if isinstance(item, LMap) and isinstance(item.get("image"), str):
        return Value("image", item["image"], ctx.key_span(item, "image"))
    return None


def _step(ctx: _Ctx, index: int, span: Span, body: Any) -> Step:
    uses = body.get("uses")
    run = body.get("run")
    return Step(
        index=index,
        span=span,
        id=_text(body.get("id")),
        name=_text(body.get("name")),
        uses=action_ref(uses, ctx.key_span(body, "uses")) if isinstance(uses, str) else None,
        with_=_values(ctx, body.get("with")),
        run=_script(ctx, body, run) if isinstance(run, str) else None,
        env=_values(ctx, body.get("env")),
        if_condition=_text(body.get("if")),
        continue_on_error=_text(body.get("continue-on-error")),
        shell=_text(body.get("shell")),
        working_directory=_text(body.get("working-directory")),
        if_span=ctx.key_span(body, "if") if "if" in body else None,
    )


def _script(ctx: _Ctx, step: Any, text: str) -> RunScript:
    """The script with the source lines of its body, so rules can point inside it.

    The body ends where the next key of the step starts (or where the step ends); a
    block scalar (`run: |`) starts on the line after its indicator.
    """
    key_line = step.line_of("run")
    value_line, value_col = step.value_pos.get("run", (key_line, 1))
    source = ctx.lines[value_line - 1] if 0 < value_line <= len(ctx.lines) else ""
    block = source[value_col - 1:value_col].strip() in ("|", ">")
    start = value_line + 1 if block else value_line
    later = [line for k, (line, _) in step.key_pos.items() if line > key_line and k != "run"]
    end = min(later) - 1 if later else max(step.end_line, start)
    indent = step.column_of("run") - 1
    body: list[tuple[int, str]] = []
    for number in range(start, min(end, len(ctx.lines)) + 1):
        raw = ctx.lines[number - 1]
        if number == value_line and not block:
            raw = raw[value_col - 1:]
        elif raw.strip() and len(raw) - len(raw.lstrip()) <= indent:
            break  # dedented: the scalar ended (the next step or job starts here)
        if raw.strip():
            body.append((number, raw.strip()))
    return RunScript(text, ctx.key_span(step, "run"), start, tuple(body))
