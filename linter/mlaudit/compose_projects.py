"""Compose projects: the sets of compose files `docker compose` reads together, merged.

Which files form a project (docs.docker.com/compose/how-tos/multiple-compose-files/merge/):
- With no `-f`, Compose reads the directory's default file (`compose.yaml`, `compose.yml`,
  then the legacy `docker-compose.yaml`/`.yml`) and, when present, its override file
  (`compose.override.yaml` ...; the same stem first). An override with no base file in its
  directory is read alone.
- `-f a -f b` (or `--file`) in a shell script, Makefile, workflow step or README code block,
  and `COMPOSE_FILE=a:b` in a `.env`, name a set merged in that order: that set is one project.
- Any other compose file (`docker-compose.prod.yml`) is a project of its own, unless it is
  only ever used inside such a set, pulled in by `include:` or named by `extends: {file}`.

How files merge (Compose Specification, "Merge", docs.docker.com/reference/compose-file/merge/):
mappings merge key by key and the later file wins; sequences append; `command`, `entrypoint`
and `healthcheck.test` are replaced; `ports`, `volumes`, `secrets`, `configs` merge by a unique
key (ports: host ip + target + published + protocol, as compose-go's port merge does); in a
`-f` set, relative paths resolve against the first file's directory. Every merged value keeps
the span of the file and line it was written at: an override's health check points into the
override file; a service's own span is where it is first defined.

Each service of a project gets a `purpose` (see `classify`): serve, emulator, test, job or
unknown; serving-health rules only judge `serve` services.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from mlaudit.models.command import analyse_argv
from mlaudit.models.compose import (
    BuildSpec,
    ComposeFile,
    ComposeService,
    Deploy,
    HealthCheck,
)
from mlaudit.models.dockerfile import Dockerfile
from mlaudit.parsers.yaml_document import resolve_path
from mlaudit.project import ParsedProject

__all__ = [
    "DEFAULT_NAMES",
    "ComposeProject",
    "classify",
    "compose_projects",
    "merge_service",
    "project_of_service",
    "project_set_from_words",
]

DEFAULT_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_CACHE_KEY = "_mlaudit_compose_projects"
_MAX_DEPTH = 8  # extends/include chains deeper than this are cut (and cycles with them)


@dataclass(frozen=True)
class ComposeProject:
    """One compose project. `files` in merge order; `included` are files pulled in by
    `include:` (their services are part of `services`); `origin` tells how the set was
    found: default (no -f), set (a -f list or COMPOSE_FILE) or single (a file alone)."""

    id: str
    directory: str
    files: tuple[str, ...]
    services: tuple[ComposeService, ...]
    origin: str = "default"
    included: tuple[str, ...] = ()

    @property
    def all_files(self) -> tuple[str, ...]:
        return self.files + tuple(f for f in self.included if f not in self.files)

    def service(self, name: str) -> ComposeService | None:
        return next((s for s in self.services if s.name == name), None)


def compose_projects(project: ParsedProject) -> list[ComposeProject]:
    """The repository's compose projects, computed once per scan (cached on `project`)."""
    store = vars(project)
    cached = store.get(_CACHE_KEY)
    if cached is None:
        cached = _Discovery(project).projects()
        store[_CACHE_KEY] = cached
    return list(cached)


def project_of_service(project: ParsedProject, group: str | None, name: str
                       ) -> tuple[ComposeProject, ComposeService] | None:
    """The merged service a compose Service node (`group` = project id) stands for."""
    # Indexed once per scan: asked for every service, a walk over every project each
    # time is quadratic on a monorepo of thousands of compose files.
    store = vars(project)
    index = store.get(_CACHE_KEY + "-by-id")
    if index is None:
        index = {}
        for item in compose_projects(project):
            index.setdefault(item.id, item)
        store[_CACHE_KEY + "-by-id"] = index
    found = index.get(group)
    if found is None:
        return None
    service = found.service(name)
    return (found, service) if service is not None else None


# -- discovery -------------------------------------------------------------------------------

_COMPOSE_CMD_RE = re.compile(r"\bdocker[ -]compose\b|\bpodman[ -]compose\b")
_MAKEFILES = ("Makefile", "makefile", "GNUmakefile")


def project_set_from_words(words: list[str]) -> list[str]:
    """The `-f`/`--file` values of one compose command line, in order."""
    out: list[str] = []
    for index, word in enumerate(words):
        if word in ("-f", "--file") and index + 1 < len(words):
            out.append(words[index + 1])
        elif word.startswith("--file="):
            out.append(word.split("=", 1)[1])
        elif word.startswith("-f") and len(word) > 2 and not word.startswith("--"):
            out.append(word[2:])
    return out


def _words(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=False, posix=True)
    except ValueError:
        return line.split()


class _Discovery:
    def __init__(self, project: ParsedProject) -> None:
        self.project = project
        self.files: dict[str, ComposeFile] = {
            p: m for p, m in project.models.items() if isinstance(m, ComposeFile)}
        self.loaded: dict[str, ComposeFile | None] = dict(self.files)
        # services a script or workflow runs as `docker compose run SERVICE <test command>`
        self.test_runs: set[str] = set()

    # A file named by -f, include or extends may not be a parsed model (a fragment with no
    # image/build, sniffed as plain YAML): parse it on demand from the scanned sources.
    def load(self, path: str) -> ComposeFile | None:
        if path not in self.loaded:
            model: ComposeFile | None = None
            source = self.project.file(path)
            if source is not None:
                from mlaudit.parsers import compose as compose_parser
                try:
                    model = compose_parser.parse(source)
                except Exception:
                    model = None
            self.loaded[path] = model
        return self.loaded[path]

    def projects(self) -> list[ComposeProject]:
        sets = self._explicit_sets()
        referenced = self._referenced()
        in_sets = {f for s in sets if len(s) > 1 for f in s}
        found: list[tuple[tuple[str, ...], str]] = []
        test_runs = frozenset(self.test_runs)
        by_dir: dict[str, list[str]] = {}
        for path in sorted(self.files):
            by_dir.setdefault(posixpath.dirname(path), []).append(path)
        claimed: set[str] = set()
        for _directory, paths in sorted(by_dir.items()):
            default = _default_files(paths)
            if default:
                found.append((tuple(default), "default"))
                claimed.update(default)
        found.extend((files, "single") for files in sets if len(files) == 1)
        for path in sorted(self.files):
            if path in claimed or path in in_sets or path in referenced:
                continue
            found.append(((path,), "single"))
        # -f sets last: a set sharing its first file with a default or single project is
        # then the one named after all its files, and the plain id keeps meaning "that file
        # as `docker compose` reads it alone".
        found.extend((files, "set") for files in sets if len(files) > 1)
        out: list[ComposeProject] = []
        seen_files: set[tuple[str, ...]] = set()
        seen_ids: set[str] = set()
        for files, origin in found:
            if files in seen_files:
                continue
            seen_files.add(files)
            ident = f"compose:{files[0]}"
            if ident in seen_ids:  # the same first file in another set: name the whole set
                ident = "compose:" + "+".join(files)
            seen_ids.add(ident)
            merged, included = self.merge_files(files, 0, set())
            services = tuple(_with_purpose(merged, self.project, test_runs))
            out.append(ComposeProject(ident, posixpath.dirname(files[0]) or ".", files,
                                      services, origin, tuple(included)))
        return out

    def _referenced(self) -> set[str]:
        """Files other compose files include or extend from: parts of those projects."""
        out: set[str] = set()
        for path, model in self.files.items():
            for item in model.include:
                out.update(item.files)
            for service in model.services:
                if service.extends is not None and service.extends.file not in (None, path):
                    out.add(service.extends.file or "")
        return out & set(self.files)

    # -- explicit file sets -----------------------------------------------------------------
    def _explicit_sets(self) -> list[tuple[str, ...]]:
        sets: list[tuple[str, ...]] = []
        for path, text in self._command_texts():
            base = posixpath.dirname(path)
            for line in _logical_lines(text):
                if not _COMPOSE_CMD_RE.search(line):
                    continue
                for segment in re.split(r"&&|\|\||;|\|", line):
                    words = _words(segment)
                    ran = _compose_run(words)
                    if ran is not None and _runs_tests(ran[1]):
                        self.test_runs.add(ran[0])
                    names = project_set_from_words(words)
                    if names:
                        files = self._resolve_set(names, base, _cd_dirs(line))
                        if files and files not in sets:
                            sets.append(files)
        for path, text in self._dotenv_texts():
            files = self._compose_file_var(path, text)
            if files and files not in sets:
                sets.append(files)
        return sets

    def _command_texts(self) -> Iterable[tuple[str, str]]:
        directories = {posixpath.dirname(p) for p in self.files} | {""}
        for source in self.project.files:
            path = source.path
            name = posixpath.basename(path).lower()
            interesting = name.endswith(".sh") or (
                name.endswith((".yml", ".yaml")) and "/workflows/" in f"/{path}") or (
                name.startswith("readme") and name.endswith((".md", ".rst")))
            if interesting:
                text = self.project.read_text(path)
                if text and ("compose" in text):
                    if name.endswith((".yml", ".yaml")):
                        text = _workflow_runs(text)
                    yield path, text
        for directory in sorted(directories):  # Makefiles are not scanned sources: read them
            for name in _MAKEFILES:
                path = posixpath.join(directory, name) if directory else name
                text = self.project.read_text(path)
                if text and "compose" in text:
                    yield path, text
                    break

    def _dotenv_texts(self) -> Iterable[tuple[str, str]]:
        for source in self.project.files:
            if posixpath.basename(source.path) == ".env":
                text = self.project.read_text(source.path)
                if text and "COMPOSE_FILE" in text:
                    yield source.path, text

    def _compose_file_var(self, path: str, text: str) -> tuple[str, ...] | None:
        values: dict[str, str] = {}
        for line in text.splitlines():
            key, sep, value = line.strip().removeprefix("export ").partition("=")
            if sep and key.strip() in ("COMPOSE_FILE", "COMPOSE_PATH_SEPARATOR"):
                values[key.strip()] = value.strip().strip("\"'")
        raw = values.get("COMPOSE_FILE")
        if not raw:
            return None
        separator = values.get("COMPOSE_PATH_SEPARATOR") or (";" if ";" in raw else ":")
        names = [n for n in raw.split(separator) if n]
        return self._resolve_set(names, posixpath.dirname(path), [])

    def _resolve_set(self, names: list[str], base: str, cd_dirs: list[str]
                     ) -> tuple[str, ...] | None:
        """Repo paths of a -f list, tried from the command's own directory, a `cd DIR` on
        the same line, then the repository root; None unless every file is a compose file."""
        if any("$" in n for n in names):
            return None  # a variable picks the files: cannot tell which
        for start in [*(posixpath.normpath(posixpath.join(base, d)) for d in cd_dirs),
                      base, ""]:
            start = "" if start == "." else start
            paths = [resolve_path(start or ".", n) for n in names]
            if all(p is not None and self.load(p) is not None for p in paths):
                return tuple(p for p in paths if p is not None)
        return None

    # -- merging ----------------------------------------------------------------------------
    def merge_files(self, files: Iterable[str], depth: int, stack: set[str]
                    ) -> tuple[list[ComposeService], list[str]]:
        merged: dict[str, ComposeService] = {}
        included: list[str] = []
        files = list(files)
        base_dir = posixpath.dirname(files[0]) if files else ""
        for path in files:
            model = self.load(path)
            if model is None:
                continue
            for item in model.include:
                if depth >= _MAX_DEPTH or any(f in stack for f in item.files):
                    continue
                inner, more = self.merge_files(item.files, depth + 1, stack | set(files))
                included.extend([*item.files, *more])
                for service in inner:  # Compose refuses a name defined twice: keep ours
                    merged.setdefault(service.name, service)
            for service in model.services:
                service = self._extended(service, path, 0)
                if posixpath.dirname(path) != base_dir:
                    service = _rebase(service, base_dir)
                before = merged.get(service.name)
                merged[service.name] = service if before is None else \
                    merge_service(before, service)
        return list(merged.values()), included

    def _extended(self, service: ComposeService, path: str, depth: int) -> ComposeService:
        """The service with its `extends` applied: the named service (of this file or
        `file`, its paths relative to that file) with this one merged over it."""
        ext = service.extends
        if ext is None or ext.unresolved or depth >= _MAX_DEPTH:
            return service
        source_path = ext.file or path
        model = self.load(source_path)
        base = model.service(ext.service) if model is not None else None
        if base is None or (source_path == path and base.name == service.name):
            return service
        base = self._extended(base, source_path, depth + 1)
        merged = merge_service(base, service)
        return replace(merged, name=service.name, span=service.span, extends=None)


def _workflow_runs(text: str) -> str:
    """The `run:` scripts of a workflow (folded or literal blocks as YAML reads them); the
    raw text when it does not load."""
    import yaml  # imported here: a scan with no compose file never loads PyYAML

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    runs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "run" and isinstance(value, str):
                    runs.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return "\n".join(runs)


def _logical_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined (Makefile and shell recipes)."""
    out: list[str] = []
    current = ""
    for raw in text.splitlines():
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        out.append(current + raw)
        current = ""
    if current:
        out.append(current)
    return out


def _cd_dirs(line: str) -> list[str]:
    return [m.group(1).strip("\"'") for m in re.finditer(r"\bcd\s+([^\s;&|]+)", line)]


def _default_files(paths: list[str]) -> list[str]:
    """The files `docker compose` (no -f) reads in a directory: the first default name
    present plus its override (same stem first, then the other stem); an override alone
    when there is no base."""
    by_name = {posixpath.basename(p): p for p in paths}
    for name in DEFAULT_NAMES:
        if name in by_name:
            stem = name.rsplit(".", 1)[0]
            stems = (stem, "docker-compose" if stem == "compose" else "compose")
            for candidate in (f"{s}.override.{e}" for s in stems for e in ("yaml", "yml")):
                if candidate in by_name:
                    return [by_name[name], by_name[candidate]]
            return [by_name[name]]
    for stem in ("compose", "docker-compose"):
        for ext in ("yaml", "yml"):
            if f"{stem}.override.{ext}" in by_name:
                return [by_name[f"{stem}.override.{ext}"]]
    return []


def _rebase(service: ComposeService, base_dir: str) -> ComposeService:
    """Paths of a later -f file are relative to the first file's directory (Compose
    "Merge": "all paths in the files are relative to the base Compose file")."""
    build = service.build
    if build is not None and not build.inline:
        context = resolve_path(base_dir or ".", build.raw_context)
        name = posixpath.basename(build.dockerfile) if build.dockerfile else "Dockerfile"
        build = replace(build, context=context,
                        dockerfile=resolve_path(context, name) if context is not None else None)
    env_files = tuple(replace(e, path=resolve_path(base_dir or ".", e.raw))
                      for e in service.env_files)
    return replace(service, build=build, env_files=env_files)


# -- the merge of one service -----------------------------------------------------------------

def _by_key(base: Iterable[Any], over: Iterable[Any], key: Any) -> tuple[Any, ...]:
    """Sequence merge by unique key: an entry of `over` replaces the base entry with the
    same key in place; new ones are appended."""
    out: dict[Any, Any] = {}
    for item in base:
        out[key(item)] = item
    for item in over:
        out[key(item)] = item
    return tuple(out.values())


def _merge_health(a: HealthCheck | None, b: HealthCheck | None) -> HealthCheck | None:
    if a is None or b is None:
        return b or a
    # a mapping, merged key by key; `test` is replaced (Merge, "Shell commands"). The span
    # is the override's: that is where the check as run was last written.
    return HealthCheck(b.test or a.test, a.disable or b.disable, b.interval or a.interval,
                       b.timeout or a.timeout, b.retries if b.retries is not None else a.retries,
                       b.start_period or a.start_period, b.span)


def _merge_build(a: BuildSpec | None, b: BuildSpec | None) -> BuildSpec | None:
    if a is None or b is None:
        return b or a
    if b.raw_context == "." and a.raw_context != ".":  # b wrote no context: keep a's
        default = b.context is not None and b.dockerfile == posixpath.normpath(
            posixpath.join(b.context, "Dockerfile"))
        dockerfile = a.dockerfile if default else b.dockerfile
        return BuildSpec(a.context, dockerfile, a.raw_context, b.target or a.target, b.span,
                         b.inline or a.inline)
    return replace(b, target=b.target or a.target)


def _merge_deploy(a: Deploy | None, b: Deploy | None) -> Deploy | None:
    if a is None or b is None:
        return b or a
    return Deploy(b.span, b.replicas if b.replicas is not None else a.replicas,
                  b.limits or a.limits, b.reservations or a.reservations, a.gpu or b.gpu,
                  b.restart_condition or a.restart_condition)


def merge_service(base: ComposeService, over: ComposeService) -> ComposeService:
    """`over` merged onto `base` by the Compose Specification "Merge" rules. The result keeps
    `base`'s name and span (where the service was first defined)."""
    image_set = over.image_span is not None
    command_set = over.command_span is not None
    entry_set = over.entrypoint_span is not None
    command = over.command if command_set else base.command
    entrypoint = over.entrypoint if entry_set else base.entrypoint
    launch = (entrypoint or ()) + (command or ())
    return replace(
        base,
        image=over.image if image_set else base.image,
        image_span=over.image_span if image_set else base.image_span,
        build=_merge_build(base.build, over.build),
        command=command,
        command_span=over.command_span if command_set else base.command_span,
        entrypoint=entrypoint,
        entrypoint_span=over.entrypoint_span if entry_set else base.entrypoint_span,
        server=analyse_argv(launch) if launch else None,
        ports=_by_key(base.ports, over.ports,
                      lambda p: (p.host_ip or "", p.published_text or "", p.target,
                                 p.protocol.lower())),
        expose=_by_key(base.expose, over.expose, lambda e: (e.port, e.protocol)),
        healthcheck=_merge_health(base.healthcheck, over.healthcheck),
        environment=_by_key(base.environment, over.environment, lambda v: v.name),
        env_files=_by_key(base.env_files, over.env_files,
                          lambda e: e.path or e.raw),
        depends_on=_by_key(base.depends_on, over.depends_on, lambda d: d.name),
        deploy=_merge_deploy(base.deploy, over.deploy),
        networks=tuple(dict.fromkeys(base.networks + over.networks)),
        network_mode=over.network_mode or base.network_mode,
        labels={**base.labels, **over.labels},
        volumes=_by_key(base.volumes, over.volumes, lambda v: v.target),
        restart=over.restart or base.restart,
        user=over.user or base.user,
        privileged=base.privileged or over.privileged,
        profiles=tuple(dict.fromkeys(base.profiles + over.profiles)),
        extends=over.extends if over.extends is not None else base.extends,
    )


# -- purpose --------------------------------------------------------------------------------

# Local stand-ins for cloud services, run for development and tests (matched on the image
# repository, with or without a registry, or on the image's last path segment).
_EMULATORS = frozenset({
    "dynamodb-local", "localstack", "localstack-pro", "minio", "mailhog", "mailpit",
    "mailcatcher", "azurite", "fake-gcs-server", "elasticmq", "elasticmq-native", "moto",
    "motoserver", "pubsub-emulator", "firebase-emulator", "cloud-spanner-emulator",
    "gcloud-emulators", "smtp4dev", "wiremock", "mockserver", "s3mock",
})
_TEST_TOOLS = frozenset({
    "pytest", "py.test", "playwright", "cypress", "jest", "vitest", "mocha", "karma",
    "tox", "nox", "behave", "robot", "newman", "k6", "locust",
})
_TEST_PAIRS = (("npm", "test"), ("yarn", "test"), ("pnpm", "test"), ("bun", "test"),
               ("go", "test"), ("cargo", "test"), ("-m", "pytest"), ("-m", "unittest"),
               ("npm", "run", "test"), ("yarn", "run", "test"), ("pnpm", "run", "test"),
               ("npx", "playwright"), ("npx", "cypress"))
_ONE_SHOT_RE = re.compile(
    r"\b(?:migrat\w*|alembic|upgrade|collectstatic|loaddata|seed\w*|prestart|"
    r"createbuckets?|mc\s+mb|init[-_]?db|db[-_]?init|download\w*|makemigrations)\b", re.I)


def _tokens(argv: Iterable[str]) -> list[str]:
    """argv with `sh -c "..."` strings split too, and paths cut to their base name."""
    out: list[str] = []
    for arg in argv:
        for word in re.split(r"\s+|&&|;|\|\|", arg):
            if word:
                out.append(posixpath.basename(word) if "/" in word else word)
    return out


def _runs_tests(argv: Iterable[str]) -> bool:
    words = _tokens(argv)
    if any(w in _TEST_TOOLS for w in words):
        return True
    return any(tuple(words[i:i + len(pair)]) == pair
               for pair in _TEST_PAIRS for i in range(len(words)))


# Images that exist to run browser end-to-end suites.
_TEST_IMAGES = frozenset({"playwright", "cypress/included", "cypress/base", "cypress/browsers"})


def _is_test_image(refs: Iterable[Any]) -> bool:
    for ref in refs:
        repository = str(getattr(ref, "repository", "") or "")
        if repository in _TEST_IMAGES or repository.rsplit("/", 1)[-1] == "playwright":
            return True
    return False


_RUN_VALUE_OPTIONS = frozenset({
    "-e", "--env", "-w", "--workdir", "-u", "--user", "--name", "--entrypoint", "-v",
    "--volume", "-p", "--publish", "-l", "--label", "--env-from-file", "--cap-add",
    "--cap-drop", "-f", "--file", "--profile", "--project-name", "--project-directory",
    "--env-file", "--ansi", "--progress", "-P"})


def _compose_run(words: list[str]) -> tuple[str, list[str]] | None:
    """(service, command) of a `docker compose [opts] run [opts] SERVICE COMMAND...`."""
    start = next((i for i, w in enumerate(words) if w in ("compose", "docker-compose")
                  or w.endswith("docker-compose")), None)
    if start is None:
        return None
    index = start + 1
    while index < len(words) and words[index].startswith("-"):
        index += 2 if words[index] in _RUN_VALUE_OPTIONS else 1
    if index >= len(words) or words[index] != "run":
        return None
    index += 1
    while index < len(words) and words[index].startswith("-"):
        index += 2 if words[index] in _RUN_VALUE_OPTIONS else 1
    if index >= len(words):
        return None
    return words[index], words[index + 1:]


def _is_emulator(refs: Iterable[Any]) -> bool:
    for ref in refs:
        if ref is None or getattr(ref, "has_variable", False):
            continue
        repository = str(getattr(ref, "repository", "") or "")
        last = repository.rsplit("/", 1)[-1]
        if last in _EMULATORS or repository in _EMULATORS:
            return True
    return False


def classify(service: ComposeService, image_argv: tuple[str, ...] = (),
             base_image: Any = None, completed_by_others: bool = False,
             image_serves: bool = False) -> str:
    """What a compose service is for, from what it runs (first match wins):

    - emulator: its image (or the base image of the Dockerfile it builds) is a local stand-in
      for a cloud service (DynamoDB Local, LocalStack, MinIO, mail catchers, Azurite,
      fake-gcs-server, ElasticMQ, moto ...);
    - test: its command (or, with none, its image's ENTRYPOINT/CMD) runs a test tool (pytest,
      playwright, cypress, jest, `npm test`, `go test` ...), or it runs a browser-test image
      (Playwright, Cypress); also (set by the project scan) a service with no command of its
      own that a script or workflow runs as `docker compose run SERVICE <test command>`. A
      name such as `e2e` alone decides nothing;
    - job: a one-shot container: another service waits for it with
      `condition: service_completed_successfully`, or it publishes nothing, starts no
      server and either says `restart: "no"`/`on-failure` with a command of its own or runs
      a one-shot command (migrations, seeding, bucket creation, downloads);
    - serve: it publishes or exposes a port, or starts an app server;
    - unknown: none of these (a worker, a database image we know nothing about).
    """
    argv = (service.entrypoint or ()) + (service.command or ())
    runs = argv or image_argv
    if _is_emulator((service.image, base_image)):
        return "emulator"
    if (runs and _runs_tests(runs)) or _is_test_image((service.image, base_image)):
        return "test"
    publishes = bool(service.ports or service.expose)
    serves = service.server is not None and not service.server.is_script
    serves = serves or (not argv and image_serves)
    if completed_by_others:
        return "job"
    if not publishes and not serves and runs:
        restart = (service.restart or "").strip("\"'").lower()
        one_shot = bool(_ONE_SHOT_RE.search(" ".join(runs)))
        if (argv and restart in ("no", "on-failure")) or (
                one_shot and restart not in ("always", "unless-stopped")):
            return "job"
    if publishes or serves or service.server is not None:
        return "serve"
    return "unknown"


def _with_purpose(services: list[ComposeService], project: ParsedProject,
                  test_runs: frozenset[str] = frozenset()) -> Iterable[ComposeService]:
    completed = {d.name for s in services for d in s.depends_on
                 if d.condition == "service_completed_successfully"}
    dockerfiles = project.by_path(Dockerfile)
    for service in services:
        argv: tuple[str, ...] = ()
        base = None
        image_serves = False
        dockerfile = _built(service, dockerfiles)
        if dockerfile is not None:
            stage = (dockerfile.stage_named(service.build.target)
                     if service.build is not None and service.build.target
                     else dockerfile.final_stage)
            if stage is not None:
                argv = stage.launch_argv
                base = stage.image
            image_serves = dockerfile.is_serving and stage is dockerfile.final_stage
        purpose = classify(service, argv, base, service.name in completed, image_serves)
        if purpose in ("serve", "unknown") and service.name in test_runs and \
                service.command is None and service.server is None:
            purpose = "test"  # its command is given at `compose run` time, and runs tests
        yield replace(service, purpose=purpose)


def _built(service: ComposeService, dockerfiles: dict[str, Dockerfile]) -> Dockerfile | None:
    build = service.build
    if build is None or build.inline:
        return None
    path = build.dockerfile or (posixpath.join(build.context, "Dockerfile")
                                if build.context is not None else None)
    return dockerfiles.get(posixpath.normpath(path)) if path else None
