"""Where a Kubernetes object keeps its pod spec: shared by the source (which objects are workloads) and the rules.

The built-in workload kinds are fixed by the API. Any other object that carries a pod template — a Knative
Service, Configuration or Revision, an Argo Rollout, a custom resource with ``spec.template.spec.containers``
— is a workload too, judged as ``Kubernetes::Workload`` beside its own kind.
"""

from __future__ import annotations

from typing import Any

PREFIX = "Kubernetes::"
WORKLOAD = PREFIX + "Workload"  # what an object of another kind that carries a pod template is also judged as
POD_SPEC = {"Pod": "spec", "Deployment": "spec.template.spec", "StatefulSet": "spec.template.spec",
            "DaemonSet": "spec.template.spec", "ReplicaSet": "spec.template.spec",
            "ReplicationController": "spec.template.spec", "Job": "spec.template.spec",
            "CronJob": "spec.jobTemplate.spec.template.spec"}
# where other kinds keep one, most common first (Knative Revision: spec itself)
TEMPLATE_PATHS = ("spec.template.spec", "spec.jobTemplate.spec.template.spec", "spec")


def _dig(obj: Any, path: str) -> Any:
    for k in path.split("."):
        obj = obj.get(k) if isinstance(obj, dict) else None
    return obj


def _has_containers(spec: Any) -> bool:
    listed = spec.get("containers") if isinstance(spec, dict) else None
    return isinstance(listed, list) and any(isinstance(c, dict) and "image" in c for c in listed)


def pod_spec_path(kind: str, obj: dict[str, Any]) -> str | None:
    """The dotted path of the object's pod spec, or None when it carries none."""
    if kind in POD_SPEC:
        return POD_SPEC[kind]
    return next((p for p in TEMPLATE_PATHS if _has_containers(_dig(obj, p))), None)
