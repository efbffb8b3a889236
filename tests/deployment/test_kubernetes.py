"""Kubernetes: manifests found by content, Kustomize overlays merged, Helm charts read from
their values, Terraform's kubernetes_* resources, and the realistic k8s-model-service
project end to end (scan and graph pinned by golden files; `MLAUDIT_UPDATE_GOLDEN=1`
rewrites them after a deliberate change).
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from mlaudit.models.deployment import HealthCheck, Scaling, Service
from mlaudit.models.kubernetes import KubeApp, Manifest, Workload
from mlaudit_reports.graph import render_graph
from tests.helpers import FIXTURES, scan_dir

PROJECT = FIXTURES / "projects" / "k8s-model-service"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _golden(name: str, data: object) -> None:
    path = GOLDEN / name
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if os.environ.get("MLAUDIT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text), (
        f"{name} changed: rerun with MLAUDIT_UPDATE_GOLDEN=1 if that is intended")


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def _apps(result: object) -> list[KubeApp]:
    deployment = getattr(result, "deployment", None)
    return [a for a in getattr(deployment, "extra_subjects", ()) if isinstance(a, KubeApp)]


# -- the realistic project ------------------------------------------------------------------

def test_k8s_model_service_scan_golden() -> None:
    result = scan_dir(PROJECT)
    _golden("k8s-model-service-scan.json", sorted(
        [f.rule_id, f.location.path, f.location.line, f.severity.value, f.message]
        for f in result.active))
    # The one malformed manifest is a diagnostic at its line; every other file is scanned.
    assert [(d.level.value, d.span.path if d.span else None, d.span.line if d.span else None)
            for d in result.diagnostics] == [("error", "deploy/jobs/reindex.yaml", 22)]


def test_k8s_model_service_graph_golden() -> None:
    data = json.loads(render_graph(scan_dir(PROJECT, rules=["MLA001"]), "json"))
    assert data["schema"] == "mlaudit.deployment/v2"
    _golden("k8s-model-service-graph.json", {k: v for k, v in data.items() if k != "findings"})


def test_units_are_overlays_charts_and_roots_never_a_base() -> None:
    deployment = scan_dir(PROJECT, rules=["MLA001"]).deployment
    kinds = {u.id: u.kind for u in deployment.units.values()}
    assert kinds["kustomize:deploy/overlays/prod"] == "kustomize-overlay"
    assert kinds["kustomize:deploy/overlays/staging"] == "kustomize-overlay"
    assert kinds["helm:charts/model-api"] == "helm-chart"
    assert not [u for u in kinds if "base" in u]  # a base used by overlays is no unit
    prod = deployment.units["kustomize:deploy/overlays/prod"]
    assert set(prod.files) >= {"deploy/base/deployment.yaml", "deploy/overlays/prod/hpa.yaml",
                               "deploy/overlays/prod/resources.yaml"}
    # one node per overlay for the base's Deployment, each placed in its overlay
    services = [s for s in deployment.services() if s.platform == "kubernetes"]
    placed = {deployment.node_units[s.id] for s in services}
    assert {"kustomize:deploy/overlays/prod", "kustomize:deploy/overlays/staging",
            "helm:charts/model-api"} <= placed
    # the terraform root deploys the chart through its helm_release
    assert any(link.source == "terraform:infra" and link.target == "helm:charts/model-api"
               for link in deployment.unit_links)


def test_overlay_merge_applies_patches_images_replicas_and_prefix() -> None:
    apps = {a.unit: a for a in _apps(scan_dir(PROJECT, rules=["MLA001"]))}
    prod = apps["kustomize:deploy/overlays/prod"].workloads()[0]
    staging = apps["kustomize:deploy/overlays/staging"].workloads()[0]
    assert staging.name == "staging-sentiment-api" and prod.name == "sentiment-api"
    # JSON 6902 patch: the line of the operation inside the kustomization's block scalar
    assert prod.replicas == 3 and prod.replicas_span is not None
    assert (prod.replicas_span.path, prod.replicas_span.line) == (
        "deploy/overlays/prod/kustomization.yaml", 14)
    container = (prod.containers or ())[0]
    assert container.image is not None and container.image.tag == "1.4.2"
    assert container.resources is not None and container.resources.span.path == \
        "deploy/overlays/prod/resources.yaml"
    assert container.span.path == "deploy/base/deployment.yaml"  # unpatched: the base
    assert staging.replicas == 1 and (staging.containers or ())[0].resources is None


def test_probes_are_health_checks_with_named_ports_resolved() -> None:
    deployment = scan_dir(PROJECT, rules=["MLA001"]).deployment
    service = next(s for s in deployment.services()
                   if s.id.endswith("prod:Deployment/sentiment-api"))
    checks = {c.kind: c for c in service.healthchecks}
    assert isinstance(checks["readiness-probe"], HealthCheck)
    assert (checks["readiness-probe"].path, checks["readiness-probe"].port) == ("/readyz", 8080)
    assert checks["readiness-probe"].served is False  # the app serves /ready, not /readyz
    assert checks["liveness-probe"].served is True
    assert deployment.image_of(service) is not None  # built by the release workflow
    scaling = deployment.scaling_for(service)
    assert [(s.kind, s.min_capacity, s.max_capacity) for s in scaling] == [("hpa", 3, 10)]
    assert all(isinstance(s, Scaling) for s in scaling)


# -- detection by content -------------------------------------------------------------------

def test_manifests_are_found_by_content_and_nothing_else_is(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "ops/app.yml": """
            # comment first
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: a}
            spec:
              template:
                spec:
                  containers:
                    - name: c
                      image: nginx:1.27
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: a}
            spec:
              type: NodePort
              ports:
                - port: 80
                  nodePort: 30080
            """,
        "ops/list.yaml": """
            apiVersion: v1
            kind: List
            items:
              - apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: a}
                spec:
                  scaleTargetRef: {kind: Deployment, name: a}
                  maxReplicas: 4
            """,
        "docker-compose.yml": "services:\n  api:\n    image: nginx:1.27\n",
        "template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n",
        "openapi.yaml": "openapi: 3.1.0\ninfo: {title: api, version: '1'}\npaths: {}\n",
        ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps: []\n",
        "config/kind-only.yaml": "kind: settings\nvalues: [1, 2]\n",
        "chart/templates/deployment.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ include "x.fullname" . }}
            spec:
              replicas: {{ .Values.replicaCount }}
            """,
    })
    result = scan_dir(root, rules=["MLA001"])
    assert not result.diagnostics
    manifests = {p: m for p, m in result.project.models.items() if isinstance(m, Manifest)}
    assert sorted(manifests) == ["ops/app.yml", "ops/list.yaml"]
    objects = manifests["ops/app.yml"].objects
    assert [(o.kind, o.span.line) for o in objects] == [("Deployment", 2), ("Service", 16)]
    assert manifests["ops/app.yml"].other_kinds == ("ConfigMap",)
    workload = objects[0]
    assert isinstance(workload, Workload)
    assert (workload.containers or ())[0].span.line == 9
    assert [type(m).__name__ for p, m in result.project.models.items()
            if p == "docker-compose.yml"] == ["ComposeFile"]
    assert "chart/templates/deployment.yaml" not in result.project.models


def test_malformed_manifests_are_diagnostics_and_the_scan_goes_on(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "k8s/broken.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: [x\n",
        "k8s/kustomization.yaml": "resources:\n  - app.yaml\n  - missing.yaml\n  - ../../outside\n"
                                  "patches:\n  - patch: |-\n      {not: [valid\n",
        "k8s/app.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: odd}
            spec:
              replicas: many
              strategy: [not, a, mapping]
              template:
                spec:
                  containers: "a string where a list belongs"
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: odd2}
            spec:
              template:
                spec:
                  containers:
                    - "not a mapping"
                    - name: c
                      ports: {containerPort: 80}
                      resources: [1, 2]
                      env: {A: b}
                      readinessProbe: yes
            """,
        "chart/Chart.yaml": "apiVersion: v2\nname: [broken\n",
        "Dockerfile": "FROM python:latest\nCMD [\"python\", \"app.py\"]\n",
    })
    result = scan_dir(root)
    errors = sorted((d.span.path, d.span.line) for d in result.diagnostics
                    if d.level.value == "error" and d.span is not None)
    assert errors == [("chart/Chart.yaml", 2), ("k8s/broken.yaml", 4),
                      ("k8s/kustomization.yaml", 7)]  # the inline patch's own line
    assert not result.deployment.problems
    assert any(f.rule_id == "MLA203" and f.location.path == "Dockerfile"
               for f in result.active)  # the other files were still scanned
    apps = _apps(result)
    assert [a.unit for a in apps] == ["kubernetes:k8s"]  # its manifests, read on their own
    assert {w.name for w in apps[0].workloads()} == {"odd", "odd2"}


def test_terraform_kubernetes_resources_join_their_root(tmp_path: Path) -> None:
    root = _write(tmp_path, {"infra/main.tf": """
        resource "kubernetes_deployment_v1" "api" {
          metadata {
            name = "api"
          }
          spec {
            replicas = 2
            template {
              metadata {
                labels = { app = "api" }
              }
              spec {
                container {
                  name    = "api"
                  image   = "ghcr.io/acme/api:1.0.0"
                  command = ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
                  liveness_probe {
                    http_get {
                      path = "/healthz"
                      port = 8000
                    }
                  }
                }
              }
            }
          }
        }
        """})
    deployment = scan_dir(root, rules=["MLA001"]).deployment
    service = next(s for s in deployment.services() if s.platform == "kubernetes")
    assert deployment.node_units[service.id] == "terraform:infra"
    assert [u.kind for u in deployment.units.values()] == ["terraform-root"]
    assert [(p.port, p.origin) for p in service.ports] == [(8000, "k8s-command")]
    assert [(c.kind, c.path, c.span.line) for c in service.healthchecks] == [
        ("liveness-probe", "/healthz", 16)]
    assert isinstance(service, Service)


def test_odd_shapes_never_break_the_model_or_a_rule(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "k8s/odd.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: [not, a, mapping]
            spec:
              replicas: "3"
              strategy: {rollingUpdate: {maxUnavailable: "abc%"}}
              template:
                metadata: {labels: [x]}
                spec:
                  securityContext: {runAsNonRoot: "maybe"}
                  nodeSelector: [gpu]
                  tolerations: [1, {key: nvidia.com/gpu}]
                  containers:
                    - name: c
                      image: ""
                      command: "uvicorn app:app"
                      ports: [8080, {containerPort: "http"}]
                      resources: {requests: [cpu], limits: {nvidia.com/gpu: 1}}
                      readinessProbe: {httpGet: {port: {a: b}}}
                      env: [{name: X}, {value: y}, "Z"]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: s}
            spec: {type: LoadBalancer, selector: [a], ports: [80, {targetPort: [1]}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: i}
            spec: {rules: [1, {http: {paths: [{backend: 3}, {backend: {service: {}}}]}}]}
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: h}
            spec: {scaleTargetRef: [x], minReplicas: two}
            ---
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata: {name: k}
            spec: 5
            ---
            - just a list
            ---
            apiVersion: v1
            kind: List
            items: [1, {apiVersion: v1, kind: Service, metadata: {name: t}}]
            """,
        "k8s/kustomization.yaml": """
            resources: [odd.yaml, 7]
            images: [{newTag: x}, 3, {name: ghcr.io/acme/x, newTag: [1]}]
            replicas: [{name: c, count: many}, 2]
            patches: [3, {path: 4}, {patch: 5}, {target: {kind: Deployment}, patch: "- {op: add}"}]
            namePrefix: [x]
            """,
        "ov/kustomization.yaml": "resources: [../k8s, ../ov, ../nowhere]\nnamePrefix: p-\n",
        "chart/Chart.yaml": "apiVersion: v2\nname: c\n",
        "chart/values.yaml": "image: {repository: [x]}\nservice: 3\nautoscaling: {enabled: yes}\n"
                             "resources: {limits: 1}\ningress: {enabled: true, tls: 0}\n",
        "chart/templates/deployment.yaml": "image: {{ .Values.image.repository }}\n"
                                           "readinessProbe:\nresources:\n",
    })
    result = scan_dir(root)
    assert not result.deployment.problems
    assert not result.diagnostics  # no parse error, and no rule failed on these shapes
    # an overlay that lists itself is still an overlay (kustomize would refuse the loop)
    assert {a.unit for a in _apps(result)} == {"kustomize:ov", "helm:chart"}
    assert {f.rule_id for f in result.active} >= {"MLA906", "MLA908"}
