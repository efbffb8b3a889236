"""Hosted model API key hardcoded

## What it flags
An API key of a hosted model service written literally into any file mlaudit reads:
Python and other code, Jupyter notebooks (code cells and saved outputs, reported at the
line of the `.ipynb` file), `.env` files, compose and workflow `env:`, Lambda/ECS/SAM
function environments, Terraform and tfvars. Keys are recognised by their exact shapes:
OpenAI (`sk-…T3BlbkFJ…`, `sk-proj-…`, `sk-svcacct-…`, the 51-character `sk-…`), Anthropic
(`sk-ant-api03-…`), Hugging Face (`hf_` and 34 letters, `api_org_…`), Replicate (`r8_…`),
Google AI (`AIza…` in a file that uses Gemini / Generative Language) and Cohere (40
letters and digits under a Cohere name: `COHERE_API_KEY`, `cohere.Client("…")`). The
message names the provider and the key's length, never the key.

Not flagged: placeholders and masks (`sk-...`, `sk-xxxxxxxx`, `hf_XXXX…`, `<your-key>`),
made-up runs (`hf_abcdef…`, repeated characters), strings of the wrong length, references
(`os.environ["OPENAI_API_KEY"]`, `${{ secrets.OPENAI_API_KEY }}`), `AIza` keys in files that
do not talk to Google's generative models (Maps and Firebase browser keys are public by
design), vendored code. MLA102 and MLA104 leave these keys to this rule: one key, one
finding.

## Why it matters
A model API key is money: anyone who copies it runs inference on your account until it is
revoked, and providers scan public repositories and revoke leaked keys, which takes the
service down with them. Notebooks are the usual leak: the key is pasted into a cell, or
printed into a saved output, and the notebook is committed.

## How to fix
Revoke the key in the provider's console, then read it from the environment at run time
(`os.environ["OPENAI_API_KEY"]`), injected from a secret store: ECS `secrets`, Lambda with
Secrets Manager, `${{ secrets.X }}` in GitHub Actions. Clear notebook outputs before
committing (`nbstripout`).

## Example
```python
from openai import OpenAI

client = OpenAI(api_key="sk-proj-…")  # the real key, pasted in
```

```python
from openai import OpenAI

client = OpenAI()  # reads OPENAI_API_KEY from the environment
```

## References
- https://help.openai.com/en/articles/5112595-best-practices-for-api-key-safety
- https://huggingface.co/docs/hub/security-tokens
- https://cwe.mitre.org/data/definitions/798.html
"""

from __future__ import annotations

from collections.abc import Iterator

from mlaudit.finding import Finding
from mlaudit.roles import Role
from mlaudit.rule import Rule, RuleContext
from mlaudit.severity import Category, Confidence, Severity
from mlaudit.sources import FileKind, SourceFile
from mlaudit.span import Span
from mlaudit_rules.secrets._analysis import ANALYSIS, file_secrets

RULE = Rule(
    id="MLA105",
    name="model-api-key-hardcoded",
    title="Hosted model API key hardcoded",
    severity=Severity.CRITICAL,
    category=Category.SECRETS,
    target=SourceFile,
    confidence=Confidence.HIGH,
    tags=("credentials", "cwe-798", "llm"),
    roles=frozenset({Role.DEPLOYMENT, Role.LOCAL_DEV, Role.EXAMPLE, Role.TEST, Role.DOCS}),
    role_severity={Role.EXAMPLE: Severity.HIGH, Role.TEST: Severity.HIGH,
                   Role.DOCS: Severity.HIGH},
    analyses=(ANALYSIS,),
    docs=__doc__ or "",
)


@RULE.check
def check(source: SourceFile, ctx: RuleContext) -> Iterator[Finding]:
    if source.kind is FileKind.PRIVATE_KEY:
        return
    keys = file_secrets(source, generic=False).model_keys
    on_line: dict[int, list[str]] = {}
    for key in keys:
        on_line.setdefault(key.line, []).append(key.value)
    where = " in a notebook" if source.path.endswith(".ipynb") else ""
    for key in keys:
        span = Span(source.path, key.line, key.start + 1, key.line, key.start + len(key.value) + 1)
        # Every key of the line is redacted, so the default fingerprint key (the line's
        # text) holds none of them.
        yield ctx.finding(
            f"{key.label} is hardcoded{where} ({len(key.value)} characters): anyone with "
            "the repository can run the model on this account",
            span, secrets=on_line[key.line])
