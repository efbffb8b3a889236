"""MLA9xx: Kubernetes workloads, Services, Ingresses and autoscalers (manifests, Kustomize
overlays, Helm charts), read as the cluster would receive them (`mlaudit.models.kubernetes`).

The rules of this family, by module name (one rule per module). The package imports none
of them.
"""

MODULES: tuple[str, ...] = (
    "k8s_autoscaler_fixed_size",
    "k8s_gpu_limit_missing",
    "k8s_ingress_tls_missing",
    "k8s_liveness_probe_missing",
    "k8s_readiness_probe_missing",
    "k8s_resources_missing",
    "k8s_rollout_unavailable_all",
    "k8s_runs_as_root",
    "k8s_service_exposes_app_server",
    "k8s_single_replica",
)
