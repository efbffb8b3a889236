"""`mlaudit graph`: the deployment model as a text tree, JSON, Mermaid or Graphviz dot.

Findings are marked on the nodes they concern: a finding whose location or any related
location falls inside a node's source extent shows its rule id and severity there.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mlaudit.engine import ScanResult
from mlaudit.finding import Finding
from mlaudit.models.deployment import (
    Deployment,
    EntryPoint,
    Function,
    HealthCheck,
    Image,
    Node,
    PipelineJob,
    Proxy,
    Scaling,
    Service,
    node_class,
)
from mlaudit.span import Span

# Edges followed downwards in the tree (internet -> edge -> service -> image).
_DOWN = ("exposes", "allows", "forwards", "proxies", "routes", "runs", "pulls", "packages",
         "deploys", "builds")
# Edges shown under their target (a health check under the service it checks).
_UP = ("checks", "scales")
_GROUPS = ("internet", "entry", "proxy", "service", "image", "healthcheck", "scaling",
           "function", "job", "resource")


def _class(node: Node) -> str:
    return node_class(node)


def finding_marks(result: ScanResult, deployment: Deployment) -> dict[str, list[str]]:
    """node id -> ["MLA401 high", "MLA201 medium", ...] for the active findings touching
    the node, the most severe first (then by rule id)."""
    found: dict[str, dict[str, Finding]] = {}
    for finding in result.active:
        spans: list[Span] = [s for s in [finding.location.span,
                                         *(r.location.span for r in finding.related)] if s]
        for span in spans:
            for node in deployment.nodes_at(span):
                mark = f"{finding.rule_id} {finding.severity.value}"
                found.setdefault(node.id, {}).setdefault(mark, finding)
    return {node_id: [mark for mark, _ in sorted(
                marks.items(), key=lambda item: (-item[1].severity.rank, item[0]))]
            for node_id, marks in found.items()}


def _port_phrase(ports: list[int]) -> str:
    """"port 8000", "ports 80, 443": what a reader expects instead of `:80,443`."""
    if not ports:
        return "port unknown"
    listed = ", ".join(str(p) for p in ports)
    return f"port {listed}" if len(ports) == 1 else f"ports {listed}"


def _range_phrase(node: EntryPoint) -> str:
    low, high = node.from_port, node.to_port
    if low is None or high is None:
        return "all ports" if node.protocol in ("-1", "all") else ""
    if (low, high) in ((0, 65535), (0, 0)) or (low <= 0 and node.protocol in ("-1", "all")):
        return "all ports"  # AWS writes "every port" as 0-65535, or 0/0 with protocol -1
    return f"port {low}" if low == high else f"ports {low}-{high}"


def describe(node: Node, deployment: Deployment) -> str:
    """One line about a node: its kind, name and the facts that matter most."""
    if isinstance(node, Service):
        ports = _port_phrase(sorted(deployment.ports_of(node)))
        image = node.image.raw if node.image else (node.image_id or "").removeprefix("image:")
        return f"{node.platform} service {node.name}, {ports}" + (
            f" (image {image})" if image else " (image unknown)")
    if isinstance(node, Image):
        exposed = [p.port for p in node.ports if p.port]
        if node.server is None:
            serves = "no server found" + (f", exposes {_port_phrase(exposed)}" if exposed
                                          else "")
        else:
            serves = f"{node.server.server} on {_port_phrase(exposed)}" if exposed else \
                f"{node.server.server}, port unknown"
        return f"image {node.dockerfile} ({serves})"
    if isinstance(node, EntryPoint):
        extra = f" from {', '.join(node.cidrs)}" if node.cidrs else ""
        tls = " with TLS" if node.tls else ""
        if node.kind == "nginx-server":
            # The model names it "<server_name> :<ports>"; say it in words.
            name = node.name.rsplit(" :", 1)[0]
            name = "(default server)" if name == "server" else name
            return f"nginx server {name} on {_range_phrase(node) or 'port 80'}{tls}"
        if node.kind == "compose-port":  # named "<host>-><container>" already
            return f"compose port mapping {node.name}{extra}{tls}"
        ports = _range_phrase(node)
        return f"{node.kind} {node.name}{' on ' + ports if ports else ''}{extra}{tls}"
    if isinstance(node, Proxy):
        if node.kind == "nginx":
            location = node.name.split(" -> ", 1)[0]
            if node.host is None and node.port is None:
                target = "an upstream mlaudit cannot resolve (a variable or a unix socket)"
            else:
                target = f"{node.host or 'an unknown host'}" + (
                    f" port {node.port}" if node.port else "")
            return f"nginx location {location} → {target}"
        return f"{node.kind} {node.name}" + (f" to port {node.port}" if node.port else "")
    if isinstance(node, HealthCheck):
        served = {True: " (served)", False: " (NOT served by the app)", None: ""}[node.served]
        state = " disabled" if node.disabled else ""
        return f"health check ({node.origin}){state} {node.path or ''}{served}".rstrip()
    if isinstance(node, Scaling):
        return f"{node.kind} {node.name} min {node.min_capacity} max {node.max_capacity}"
    if isinstance(node, Function):
        heavy = f" packages {','.join(node.packages)}" if node.packages else ""
        return f"{node.platform} function {node.name} ({node.runtime or '?'}){heavy}"
    if isinstance(node, PipelineJob):
        return f"job {node.job} [{','.join(node.roles) or 'other'}] ({node.workflow})"
    return f"{node.kind} {node.name}"


def _where(node: Node) -> str:
    return f"  [{node.span.path}:{node.span.line}]" if node.span.path else ""


def render_text(result: ScanResult, deployment: Deployment) -> str:
    marks = finding_marks(result, deployment)
    lines: list[str] = []
    seen: set[str] = set()

    def children(node_id: str) -> list[tuple[str, str]]:
        out = [(e.kind, e.target) for e in deployment.edges_from(node_id) if e.kind in _DOWN]
        out += [(e.kind, e.source) for e in deployment.edges_to(node_id) if e.kind in _UP]
        return out

    def emit(node_id: str, prefix: str, last: bool, depth: int, via: str) -> None:
        node = deployment.nodes.get(node_id)
        if node is None:
            return
        branch = "" if depth == 0 else ("└─ " if last else "├─ ")
        mark = f"  !! {'; '.join(marks[node_id])}" if node_id in marks else ""
        label = describe(node, deployment) if node_id != "internet" else "internet"
        again = "  (see above)" if node_id in seen else ""
        arrow = f"{via} → " if via and depth else ""
        lines.append(f"{prefix}{branch}{arrow}{label}{_where(node)}{mark}{again}")
        if node_id in seen:
            return
        seen.add(node_id)
        kids = children(node_id)
        inner = prefix + ("" if depth == 0 else ("   " if last else "│  "))
        for index, (kind, child) in enumerate(kids):
            emit(child, inner, index == len(kids) - 1, depth + 1, kind)

    _units_header(deployment, lines)
    if "internet" in deployment.nodes:
        emit("internet", "", True, 0, "")
    for group, title in (("service", "Services"), ("function", "Functions"),
                         ("image", "Images"), ("job", "Pipelines"), ("entry", "Entry points"),
                         ("proxy", "Proxies"), ("resource", "Other resources"),
                         ("scaling", "Scaling")):
        pending = [n for n in deployment.nodes.values()
                   if _class(n) == group and n.id not in seen]
        if not pending:
            continue
        lines.append("")
        lines.append(f"{title}:")
        for node in sorted(pending, key=lambda n: n.id):
            if node.id not in seen:
                emit(node.id, "", True, 0, "")
                _needs(deployment, node, lines)
    if not deployment.nodes:
        lines.append("no deployment facts found (no Dockerfile, compose, Terraform, nginx, "
                     "workflow or function definitions)")
    for problem in deployment.problems:
        lines.append(f"note: {problem}")
    return "\n".join(lines).lstrip("\n") + "\n"


def _units_header(deployment: Deployment, lines: list[str]) -> None:
    """The deployment units first: what mlaudit took for separate deployments, and the
    evidence that links two of them."""
    if not deployment.units:
        return
    lines.append("Deployment units:")
    for unit_id, unit in sorted(deployment.units.items()):
        role = "" if unit.role == "deployment" else f" [{unit.role}]"
        count = len(unit.files)
        lines.append(f"  {unit_id}{role} ({unit.kind}, {count} file{'s' * (count != 1)})")
    for link in sorted(deployment.unit_links, key=lambda u: (u.source, u.target, u.kind)):
        lines.append(f"  {link.source} --{link.kind}--> {link.target}")
    lines.append("")


def _needs(deployment: Deployment, node: Node, lines: list[str]) -> None:
    """A job's `needs:` edges both ways: every job is listed once, at its own place, and
    says which jobs it waits for and which wait for it."""
    if isinstance(node, PipelineJob):
        for job in deployment.jobs_needed_by(node):
            lines.append(f"   needs job {job.job}")
        waiting = sorted(_class_name_job(deployment, e.source)
                         for e in deployment.edges_to(node.id, "needs"))
        for name in waiting:
            lines.append(f"   needed by job {name}")


def _class_name_job(deployment: Deployment, node_id: str) -> str:
    node = deployment.nodes.get(node_id)
    return node.job if isinstance(node, PipelineJob) else node_id


def _escape_mermaid(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", " ")


def _by_unit(deployment: Deployment) -> list[tuple[str, str, list[Node]]]:
    """(unit id or "", title, nodes) per deployment unit, the internet and unplaced nodes
    first: each unit is drawn as its own subgraph."""
    groups: dict[str, list[Node]] = {}
    for node in deployment.nodes.values():
        groups.setdefault(deployment.node_units.get(node.id, ""), []).append(node)
    out: list[tuple[str, str, list[Node]]] = []
    for unit_id in sorted(groups):
        unit = deployment.units.get(unit_id)
        if unit is None:
            internet_only = all(n.id == "internet" for n in groups[unit_id])
            title = "internet" if internet_only else "outside any unit"
        else:
            role = "" if unit.role == "deployment" else f", {unit.role}"
            title = f"{unit.kind} {unit.name}{role}"
        out.append((unit_id, title, sorted(groups[unit_id], key=lambda n: n.id)))
    return out


def render_mermaid(result: ScanResult, deployment: Deployment) -> str:
    marks = finding_marks(result, deployment)
    ids = {node_id: f"n{i}" for i, node_id in enumerate(sorted(deployment.nodes))}
    out = ["flowchart LR"]
    for number, (_, title, members) in enumerate(_by_unit(deployment)):
        out.append(f'  subgraph u{number}["{_escape_mermaid(title)}"]')
        for node in members:
            label = describe(node, deployment) if node.id != "internet" else "internet"
            if node.id in marks:
                label += " ⚠ " + ", ".join(marks[node.id])
            out.append(f'    {ids[node.id]}["{_escape_mermaid(label)}"]')
        out.append("  end")
    for edge in deployment.edges:
        if edge.source in ids and edge.target in ids:
            out.append(f"  {ids[edge.source]} -->|{edge.kind}| {ids[edge.target]}")
    flagged = [ids[n] for n in sorted(marks) if n in ids]
    if flagged:
        out.append("  classDef finding stroke:#d33,stroke-width:3px")
        out.append(f"  class {','.join(flagged)} finding")
    return "\n".join(out) + "\n"


def _escape_dot(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def render_dot(result: ScanResult, deployment: Deployment) -> str:
    marks = finding_marks(result, deployment)
    ids = {node_id: f"n{i}" for i, node_id in enumerate(sorted(deployment.nodes))}
    out = ["digraph deployment {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for number, (_, title, members) in enumerate(_by_unit(deployment)):
        out.append(f'  subgraph cluster_u{number} {{ label="{_escape_dot(title)}";')
        for node in members:
            label = _escape_dot(describe(node, deployment) if node.id != "internet"
                                else "internet")
            style = ""
            if node.id in marks:
                # `\n` in a DOT string is Graphviz's line break: added after escaping, so
                # it is not turned into a literal backslash and n.
                label += "\\n" + _escape_dot(", ".join(marks[node.id]))
                style = ", color=red, penwidth=2"
            out.append(f'    {ids[node.id]} [label="{label}"{style}];')
        out.append("  }")
    for edge in deployment.edges:
        if edge.source in ids and edge.target in ids:
            out.append(f'  {ids[edge.source]} -> {ids[edge.target]} [label="{edge.kind}"];')
    out.append("}")
    return "\n".join(out) + "\n"


def render_json(result: ScanResult, deployment: Deployment) -> str:
    data: dict[str, Any] = deployment.to_json()
    data["findings"] = {k: v for k, v in sorted(finding_marks(result, deployment).items())}
    return json.dumps(data, indent=2) + "\n"


_RENDERERS = {"text": render_text, "json": render_json, "mermaid": render_mermaid,
              "dot": render_dot}


def render_graph(result: ScanResult, fmt: str) -> str:
    deployment = result.deployment
    if not isinstance(deployment, Deployment):
        return "no deployment model was built\n"
    renderer = _RENDERERS.get(fmt, render_text)
    return renderer(result, deployment)


def mermaid_ids_ok(text: str) -> bool:
    """Every node definition has an alphanumeric id and a quoted label (for tests)."""
    pattern = re.compile(r'^\s+(\w+)\["[^"]*"\]$')
    defs = [ln for ln in text.splitlines() if '["' in ln and "subgraph" not in ln]
    return all(pattern.match(ln) for ln in defs)
