"""checkov in the same report (`mlaudit scan --with-checkov`, or `with-checkov = true`).

checkov runs as a separate program, never imported: it ships forks of python-hcl2 and
detect-secrets under the same import names as the libraries mlaudit uses, and a process
boundary is the only way both can hold. It is started before mlaudit parses anything (the
two work side by side) on the paths the user named, its JSON is read, and each failed
check becomes a `Finding` whose rule id is checkov's own (`CKV_AWS_24`). The engine then
applies mlaudit's inline suppressions, `per-path-ignores`, baseline and severity
overrides to them exactly as to its own findings.

What is merged, and what is not:
- Only files mlaudit itself would read (its discovery: `.gitignore`, `exclude`) and whose
  role is a deployment (a test fixture's open security group is not reported; secrets
  also in examples) are kept.
- One fact, one finding: where an mlaudit rule reports the fact a checkov check reports,
  in the same file inside the block checkov points at (`COVERS`), the checkov result is
  dropped and mlaudit's finding says which checkov ids it covers.
- checkov's Dockerfile HEALTHCHECK/USER checks are known false positives on Lambda base
  images (Lambda runs the image itself and ignores both) and on images whose compose
  service or ECS task declares the health check or the user: they are dropped and counted
  in the summary.

Category and default severity come from `CATEGORY_TABLE` (documented in README "checkov
in the same report"); checkov's own severity is used when it reports one (only with a
Prisma Cloud key).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlaudit.errors import UsageError
from mlaudit.finding import Diagnostic, DiagnosticLevel, Finding, Location
from mlaudit.redact import redact
from mlaudit.roles import DEFAULT_ROLES, Role, RoleResolver
from mlaudit.rule import Rule
from mlaudit.severity import Category, Confidence, Kind, Severity
from mlaudit.sources import SourceFile
from mlaudit.span import Span

INSTALL_HINT = "pipx install checkov"
ENV_PATH = "MLAUDIT_CHECKOV"  # the checkov executable, when it is not `checkov` on PATH
CHECK_ID_RE = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$", re.I)

# The frameworks mlaudit reads files of. checkov's others (sca_package needs a Prisma key,
# Bicep/ARM/Helm/...) are not asked for, so a run's time is predictable.
FRAMEWORKS = ("terraform", "terraform_plan", "dockerfile", "github_actions",
              "cloudformation", "serverless", "kubernetes", "secrets")

# checkov id prefix (longest match wins) -> (category, default severity). checkov OSS
# reports no severity, so a table decides; a `[severity]` entry in config overrides it.
CATEGORY_TABLE: tuple[tuple[str, Category, Severity], ...] = (
    ("CKV_SECRET_", Category.SECRETS, Severity.HIGH),
    ("CKV_DOCKER_2", Category.HEALTH, Severity.MEDIUM),   # HEALTHCHECK
    ("CKV_DOCKER_3", Category.IMAGE, Severity.MEDIUM),    # USER
    ("CKV_DOCKER_7", Category.IMAGE, Severity.MEDIUM),    # FROM ...:latest
    ("CKV_DOCKER_", Category.IMAGE, Severity.LOW),
    ("CKV_GHA_", Category.CICD, Severity.MEDIUM),
    ("CKV2_GHA_", Category.CICD, Severity.MEDIUM),
    ("CKV_AWS_24", Category.EXPOSURE, Severity.HIGH),     # SSH from 0.0.0.0/0
    ("CKV_AWS_25", Category.EXPOSURE, Severity.HIGH),     # RDP from 0.0.0.0/0
    ("CKV_AWS_260", Category.EXPOSURE, Severity.MEDIUM),  # port 80 from 0.0.0.0/0
    ("CKV_AWS_277", Category.EXPOSURE, Severity.HIGH),    # every port from 0.0.0.0/0
    ("CKV_AWS_17", Category.EXPOSURE, Severity.HIGH),     # RDS publicly accessible
    ("CKV_AWS_258", Category.EXPOSURE, Severity.MEDIUM),  # Lambda URL without auth
    ("CKV_AWS_2", Category.EDGE, Severity.HIGH),          # ALB listener over HTTP
    ("CKV_AWS_103", Category.EDGE, Severity.MEDIUM),      # LB TLS < 1.2
    ("CKV_K8S_", Category.IAC, Severity.LOW),
    ("CKV_", Category.IAC, Severity.LOW),
    ("CKV2_", Category.IAC, Severity.LOW),
)

# mlaudit rule -> the checkov checks that report the same fact. When both fire in one
# file and mlaudit's line lies inside checkov's block, mlaudit's finding is kept.
COVERS: dict[str, tuple[str, ...]] = {
    "MLA101": ("CKV_SECRET_2", "CKV_AWS_41"),
    "MLA102": ("CKV_SECRET_",),  # any detect-secrets plugin of checkov's
    "MLA201": ("CKV_DOCKER_2",),
    "MLA202": ("CKV_DOCKER_3", "CKV_DOCKER_8"),
    "MLA203": ("CKV_DOCKER_7",),
    "MLA302": ("CKV_AWS_293",),
    "MLA303": ("CKV_AWS_79",),
    "MLA304": ("CKV_AWS_17",),
    "MLA305": ("CKV_AWS_51",),
    "MLA306": ("CKV_AWS_163",),
    "MLA320": ("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_277"),
    "MLA405": ("CKV2_GHA_1",),
    "MLA406": ("CKV_GHA_2",),
    "MLA502": ("CKV_AWS_2", "CKV2_AWS_20"),
    "MLA504": ("CKV_AWS_103",),
    "MLA709": ("CKV_AWS_258",),
}

# Dockerfile checks that a deployment can satisfy instead of the image.
_HEALTHCHECK, _USER = "CKV_DOCKER_2", "CKV_DOCKER_3"
_LAMBDA_BASES = ("public.ecr.aws/lambda/", "amazon/aws-lambda-", "lambci/lambda")
_DOCS = "https://www.checkov.io/5.Policy%20Index/all.html"


def is_check_id(ref: str) -> bool:
    return bool(CHECK_ID_RE.match(ref.strip()))


def classify(check_id: str) -> tuple[Category, Severity]:
    for prefix, category, severity in CATEGORY_TABLE:
        if check_id == prefix or (prefix.endswith("_") and check_id.startswith(prefix)):
            return category, severity
    return Category.IAC, Severity.LOW


def _covers(rule_id: str, check_id: str) -> bool:
    return any(check_id == c or (c.endswith("_") and check_id.startswith(c))
               for c in COVERS.get(rule_id, ()))


def find_executable(explicit: str | None) -> str:
    """The checkov to run: --checkov-path, else $MLAUDIT_CHECKOV, else `checkov` on PATH.

    Never from the scanned repository's config: a pull request must not choose which
    program mlaudit runs."""
    wanted = explicit or os.environ.get(ENV_PATH) or "checkov"
    found = shutil.which(wanted)
    if found is None:
        where = f"'{wanted}' was not found" if wanted != "checkov" else \
            "checkov is not on PATH"
        raise UsageError(f"--with-checkov: {where}; install it with `{INSTALL_HINT}` "
                         f"(or point {ENV_PATH} / --checkov-path at it)")
    return found


@dataclass
class _Job:
    argv: list[str]
    out: Any
    err: Any
    process: subprocess.Popen[bytes]


@dataclass
class CheckovRun:
    """One checkov side-run of a scan: `start` before parsing, `merge` after the rules."""

    executable: str
    root: Path
    paths: list[Path]
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    rules: list[Rule[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    covered: int = 0
    _jobs: list[_Job] = field(default_factory=list)

    # -- running ---------------------------------------------------------------------------
    def _argv(self, target: list[str]) -> list[str]:
        argv = [self.executable, *target, "--output", "json", "--quiet", "--compact",
                "--skip-download", "--framework", *FRAMEWORKS]
        if self.select:
            argv += ["--check", ",".join(self.select)]
        if self.ignore:
            argv += ["--skip-check", ",".join(self.ignore)]
        return argv

    def start(self) -> None:
        dirs = [p for p in self.paths if p.is_dir()]
        files = [p for p in self.paths if not p.is_dir()]
        # checkov takes -d or -f, never both: one process per kind, each run in parallel
        # with mlaudit's own parsing.
        targets = [[a for d in dirs for a in ("-d", str(d))]] if dirs else []
        if files:
            targets.append(["-f", *map(str, files)])
        env = dict(os.environ)
        env.setdefault("BC_SKIP_MAPPING", "TRUE")  # no guideline download: static mode
        env.setdefault("LOG_LEVEL", "ERROR")
        for target in targets:
            argv = self._argv(target)
            # Files, not pipes: the JSON can exceed a pipe's buffer while mlaudit parses.
            # They outlive this block (read in merge, closed in close()).
            out = tempfile.TemporaryFile()  # noqa: SIM115
            err = tempfile.TemporaryFile()  # noqa: SIM115
            try:
                process = subprocess.Popen(argv, stdout=out, stderr=err,
                                           stdin=subprocess.DEVNULL, env=env)
            except OSError as exc:
                raise UsageError(f"--with-checkov: cannot run {self.executable}: "
                                 f"{exc.strerror}") from None
            self._jobs.append(_Job(argv, out, err, process))

    def close(self) -> None:
        """End a checkov still running (the scan stopped before merging)."""
        for job in self._jobs:
            if job.process.poll() is None:
                job.process.kill()
                job.process.wait()
            for handle in (job.out, job.err):
                if not handle.closed:
                    handle.close()
        self._jobs = []

    def _reports(self) -> list[dict[str, Any]]:
        reports: list[dict[str, Any]] = []
        for job in self._jobs:
            code = job.process.wait()
            job.out.seek(0)
            job.err.seek(0)
            raw = job.out.read().decode("utf-8", "replace")
            errors = job.err.read().decode("utf-8", "replace").strip().splitlines()
            try:
                data = json.loads(raw) if raw.strip() else None
            except ValueError:
                data = None
            # checkov exits 1 when a check failed: only output that is not its JSON is an
            # error. Fail the run (exit 2) rather than pass a scan that was asked for.
            if not isinstance(data, list | dict):
                last = errors[-1] if errors else raw.strip()[-300:]
                raise UsageError(f"--with-checkov: checkov exited {code} without a JSON "
                                 f"report: {last or 'no output'}")
            reports.extend(d for d in (data if isinstance(data, list) else [data])
                           if isinstance(d, dict))
        return reports

    # -- merging ---------------------------------------------------------------------------
    def merge(self, raw: list[Finding], files: list[SourceFile], report_only: set[str] | None,
              deployment: Any, roles: RoleResolver,
              diagnostics: list[Diagnostic]) -> list[Finding]:
        readable = {f.path for f in files}
        theirs: list[Finding] = []
        descriptors: dict[str, Rule[Any]] = {}
        for report in self._reports():
            kind = str(report.get("check_type") or "checkov")
            results = report.get("results") or {}
            for error in results.get("parsing_errors", []) if isinstance(results, dict) else []:
                path = self._relative(str(error))
                if path in readable:
                    diagnostics.append(Diagnostic(
                        f"checkov could not parse this file ({kind})", Span(path),
                        DiagnosticLevel.WARNING, "checkov-parse-error"))
            failed = results.get("failed_checks", []) if isinstance(results, dict) else []
            for check in failed:
                finding = self._finding(check, kind, descriptors)
                if finding is None:
                    continue
                path = finding.location.path or ""
                if path not in readable or (report_only is not None
                                            and path not in report_only):
                    continue  # excluded, ignored by git, or not a file the user named
                role = roles.role(path)
                allowed = DEFAULT_ROLES | ({Role.EXAMPLE} if finding.rule_id.startswith(
                    "CKV_SECRET_") else frozenset())
                if role not in allowed:
                    continue
                reason = self._false_positive(finding, deployment)
                if reason:
                    self.dropped[f"{finding.rule_id} {reason}"] += 1
                    continue
                theirs.append(finding)
        merged = self._dedupe(raw, theirs)
        used = {f.rule_id for f in merged}
        self.rules = [r for i, r in descriptors.items() if i in used]
        total = sum(self.dropped.values())
        if total:
            detail = ", ".join(f"{n} {what}" for what, n in sorted(self.dropped.items()))
            self.notes.append(f"checkov: {total} known false positive"
                              f"{'s' if total != 1 else ''} dropped ({detail})")
        if self.covered:
            plural = self.covered != 1
            self.notes.append(f"checkov: {self.covered} result{'s' if plural else ''} "
                              f"reported once, by the mlaudit rule{'s' if plural else ''} "
                              f"that cover{'' if plural else 's'} {'them' if plural else 'it'}")
        return merged

    def _relative(self, path: str) -> str:
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = Path.cwd() / path.lstrip("/")
        try:
            return candidate.resolve().relative_to(self.root.resolve()).as_posix()
        except (ValueError, OSError):
            return ""

    def _finding(self, check: Any, kind: str, descriptors: dict[str, Rule[Any]]
                 ) -> Finding | None:
        if not isinstance(check, dict):
            return None
        check_id = str(check.get("check_id") or "")
        if not is_check_id(check_id):
            return None
        path = self._relative(str(check.get("file_abs_path") or check.get("file_path") or ""))
        if not path:
            return None
        lines = check.get("file_line_range") or [1, 1]
        try:
            first, last = max(1, int(lines[0])), max(1, int(lines[-1]))
        except (TypeError, ValueError, IndexError):
            first = last = 1
        category, default = classify(check_id)
        theirs = str(check.get("severity") or "").lower()
        severity = self.severity.get(check_id) or (
            Severity(theirs) if theirs in {s.value for s in Severity} else default)
        title = str(check.get("check_name") or check_id)
        resource = str(check.get("resource") or "")
        if kind == "secrets":
            resource = redact(resource)  # checkov names a secret by a hash of it
        if check_id not in descriptors:
            descriptors[check_id] = _descriptor(check_id, title, category, default, kind,
                                                str(check.get("guideline") or ""))
        name = descriptors[check_id].name
        message = f"checkov {check_id}: {title}" + (f" ({resource})" if resource else "")
        span = Span(path, first, 1, last if last >= first else 0, 0)
        return Finding(check_id, name, severity, message, Location(span),
                       key=f"checkov:{resource or first}")

    def _false_positive(self, finding: Finding, deployment: Any) -> str:
        """Why a checkov Dockerfile HEALTHCHECK/USER result does not hold, or ''."""
        if finding.rule_id not in (_HEALTHCHECK, _USER) or deployment is None:
            return ""
        path = finding.location.path or ""
        model = deployment.project.models.get(path) if deployment.project else None
        final = getattr(model, "final_stage", None)
        if final is not None and final.image.raw.lower().startswith(_LAMBDA_BASES):
            return "on a Lambda base image"
        if finding.rule_id == _HEALTHCHECK and deployment.healthcheck_elsewhere(path):
            return "on an image whose compose service or ECS task declares the health check"
        if finding.rule_id == _USER and _user_elsewhere(deployment, path):
            return "on an image whose compose service or ECS task sets a non-root user"
        return ""

    def _dedupe(self, ours: list[Finding], theirs: list[Finding]) -> list[Finding]:
        covering: dict[int, list[str]] = {}
        kept: list[Finding] = []
        for finding in theirs:
            span = finding.location.span
            assert span is not None
            last = span.end_line or span.line
            hit = next((i for i, mine in enumerate(ours)
                        if mine.location.path == span.path
                        and span.line <= mine.location.line <= last
                        and _covers(mine.rule_id, finding.rule_id)), None)
            if hit is None:
                kept.append(finding)
                continue
            self.covered += 1
            ids = covering.setdefault(hit, [])
            if finding.rule_id not in ids:
                ids.append(finding.rule_id)
        out = list(ours)
        for index, ids in covering.items():
            mine = out[index]
            out[index] = replace(mine, message=f"{mine.message} (also checkov "
                                               f"{', '.join(sorted(ids))})")
        return out + kept


def _user_elsewhere(deployment: Any, path: str) -> bool:
    """Every deployment of the image sets a user that is not root."""
    services = deployment.service_for_dockerfile(path)
    if not services:
        return False
    users = _declared_users(deployment)
    for service in services:
        user = users.get((service.span.path, service.span.line))
        if service.platform == "compose" and user is None:
            from mlaudit.compose_projects import project_of_service

            found = project_of_service(deployment.project, service.group, service.name)
            user = found[1].user if found is not None else None
        if not user or user.split(":")[0].strip() in ("root", "0"):
            return False
    return True


def _declared_users(deployment: Any) -> dict[tuple[str, int], str | None]:
    """(path, line) of each compose service and ECS container definition -> its user."""
    out: dict[tuple[str, int], str | None] = {}
    for model in getattr(deployment.project, "models", {}).values():
        for item in _walk(model):
            span = getattr(item, "span", None)
            if isinstance(span, Span) and hasattr(item, "user"):
                out[(span.path, span.line)] = getattr(item, "user", None)
    return out


def _walk(model: Any) -> Iterable[Any]:
    for name in ("services", "containers"):
        yield from getattr(model, name, ()) or ()
    for task in getattr(model, "task_definitions", ()) or ():
        yield from getattr(task, "containers", ()) or ()


def _descriptor(check_id: str, title: str, category: Category, severity: Severity,
                kind: str, guideline: str) -> Rule[Any]:
    """A `Rule` describing a checkov check, so every report (SARIF rule metadata, help
    links, the Markdown summary) treats it like one of mlaudit's."""
    docs = (f"{title}\n\n## What it flags\n\ncheckov check {check_id} ({kind}): {title}.\n\n"
            "## Why it matters\n\nReported by checkov and merged into mlaudit's report "
            "(`--with-checkov`).\n\n## How to fix\n\n"
            f"See {guideline or _DOCS}. Suppress it like any mlaudit finding: "
            f"`# mlaudit: ignore[{check_id}] reason`.\n")
    return Rule(id=check_id, name=check_id.lower().replace("_", "-"), title=title,
                severity=severity, category=category, target=object, docs=docs,
                confidence=Confidence.MEDIUM, kind=Kind.SECURITY, tags=("checkov", kind),
                options={"help_uri": guideline or _DOCS})


def split_refs(refs: list[str]) -> tuple[list[str], list[str]]:
    """(mlaudit refs, checkov check ids) of a --select/--ignore list."""
    ours = [r for r in refs if not is_check_id(r)]
    return ours, [r.upper() for r in refs if is_check_id(r)]
