"""Run a composite action's steps locally, as the runner would, for the action tests.

The runner gives each `run:` step a fresh `$GITHUB_OUTPUT` file, appends the job summary to
`$GITHUB_STEP_SUMMARY`, runs the script with `bash --noprofile --norc -eo pipefail` in
`$GITHUB_WORKSPACE`, and evaluates `${{ }}` expressions (only in `env:`, `with:` and `if:`
in mlaudit's action: never inside a script) against the `inputs`, `github`, `runner` and
`steps` contexts. This module does the same for the small expression language the action
uses (property access, string literals, `== != && || !`, `cancelled() always() success()
failure()`). `uses:` steps (the SARIF upload) cannot run here: they are recorded with
their evaluated `with:` and given the outcome the test asks for.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*(?:\(\))?))")
_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}")


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans, as GitHub reads workflows: `on:` stays the string "on"."""


Yaml12Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Yaml12Loader)  # a SafeLoader


@dataclass
class StepRun:
    name: str
    id: str | None
    ran: bool
    outcome: str = "skipped"  # success | failure | skipped
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    env: dict[str, str] = field(default_factory=dict)
    with_: dict[str, str] = field(default_factory=dict)


@dataclass
class Runner:
    action_path: Path
    workspace: Path
    temp: Path
    inputs: dict[str, str]
    github: dict[str, Any]
    uses_outcome: dict[str, str] = field(default_factory=dict)  # action prefix -> outcome
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    runs: list[StepRun] = field(default_factory=list)
    cancelled: bool = False

    @property
    def summary(self) -> Path:
        return self.temp / "step_summary.md"

    # -- expressions -------------------------------------------------------------------
    def lookup(self, name: str) -> Any:
        head, _, rest = name.partition(".")
        roots: dict[str, Any] = {"inputs": self.inputs, "github": self.github,
                                 "runner": {"temp": str(self.temp)}, "steps": self.steps}
        value: Any = roots[head]
        for part in rest.split(".") if rest else []:
            value = value.get(part, "") if isinstance(value, dict) else ""
        return value

    def evaluate(self, expression: str) -> Any:
        out: list[str] = []
        position = 0
        text = expression.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise ValueError(f"cannot read expression {expression!r} at {position}")
            position = match.end()
            if match.group("str") is not None:
                out.append(repr(match.group("str")[1:-1].replace("''", "'")))
            elif match.group("op") is not None:
                out.append({"&&": " and ", "||": " or ", "!": " not "}.get(
                    match.group("op"), match.group("op")))
            else:
                name = match.group("name")
                if name.endswith("()"):
                    failed = any(r.outcome == "failure" for r in self.runs)
                    out.append(repr({"cancelled()": self.cancelled, "always()": True,
                                     "success()": not failed,
                                     "failure()": failed}[name]))
                elif name in ("true", "false"):
                    out.append(repr(name == "true"))
                else:
                    out.append(repr(self.lookup(name)))
        return eval("".join(out), {"__builtins__": {}}, {})  # only the tokens above

    def expand(self, value: Any) -> str:
        text = str(value)
        return _TEMPLATE.sub(lambda m: _text(self.evaluate(m.group(1))), text)

    # -- steps ------------------------------------------------------------------------------
    def run_steps(self, steps: list[dict[str, Any]], base_env: dict[str, str]) -> None:
        for step in steps:
            self.run_step(step, base_env)

    def _job_failed(self) -> bool:
        return any(r.outcome == "failure" for r in self.runs)

    def run_step(self, step: dict[str, Any], base_env: dict[str, str]) -> StepRun:
        name = step.get("name") or step.get("uses") or step.get("run", "")[:30]
        condition = str(step.get("if", "success()"))
        condition = _TEMPLATE.sub(lambda m: m.group(1), condition)
        record = StepRun(name, step.get("id"), ran=bool(self.evaluate(condition)))
        if record.ran:
            record.env = {k: self.expand(v) for k, v in (step.get("env") or {}).items()}
            record.with_ = {k: self.expand(v) for k, v in (step.get("with") or {}).items()}
            if "uses" in step:
                prefix = next((p for p in self.uses_outcome if step["uses"].startswith(p)), "")
                record.outcome = self.uses_outcome.get(prefix, "success")
            else:
                self._run_script(step, record, base_env)
        continue_on_error = bool(step.get("continue-on-error", False))
        if record.id:
            entry = self.steps.setdefault(record.id, {"outputs": {}})
            entry["outcome"] = record.outcome
            entry["conclusion"] = "success" if continue_on_error else record.outcome
        self.runs.append(record)
        if record.outcome == "failure" and continue_on_error:
            record.outcome = "failure-continued"  # does not fail the job
        return record

    def _run_script(self, step: dict[str, Any], record: StepRun,
                    base_env: dict[str, str]) -> None:
        assert step.get("shell") == "bash", f"step {record.name!r} has no `shell: bash`"
        output = self.temp / f"output-{len(self.runs)}"
        output.write_text("", encoding="utf-8")
        script = self.temp / f"step-{len(self.runs)}.sh"
        script.write_text(step["run"], encoding="utf-8")
        env = {**base_env, **record.env, "GITHUB_OUTPUT": str(output),
               "GITHUB_STEP_SUMMARY": str(self.summary),
               "GITHUB_WORKSPACE": str(self.workspace),
               "GITHUB_ACTION_PATH": str(self.action_path),
               "RUNNER_TEMP": str(self.temp), "GITHUB_ACTIONS": "true", "CI": "true"}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=self.workspace, env=env, capture_output=True, text=True,
                              timeout=1500, check=False)
        record.returncode = done.returncode
        record.stdout, record.stderr = done.stdout, done.stderr
        record.outcome = "success" if done.returncode == 0 else "failure"
        if record.id:
            outputs = self.steps.setdefault(record.id, {"outputs": {}})["outputs"]
            for line in output.read_text(encoding="utf-8").splitlines():
                key, sep, value = line.partition("=")
                if sep:
                    outputs[key] = value

    def step(self, name_part: str) -> StepRun:
        return next(r for r in self.runs if name_part in r.name)

    @property
    def job_failed(self) -> bool:
        return self._job_failed()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def clean_env() -> dict[str, str]:
    """The runner's environment, less what would leak from the test process."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL",
            "PIP_FIND_LINKS", "PIP_CONSTRAINT", "PIP_CERT", "PIP_CONFIG_FILE", "SSL_CERT_FILE",
            "MLAUDIT_CACHE_DIR")
    return {k: v for k, v in os.environ.items() if k in keep}
