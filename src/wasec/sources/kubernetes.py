"""Kubernetes manifests → canonical resources, one per object, with the line of every field.

Multi-document YAML, JSON, ``List`` kinds (``kubectl get -o yaml``), rendered Helm (``helm template``,
its ``# Source:`` comments kept as they are) and Kustomize output all read the same way. An object's
type is ``Kubernetes::<Kind>`` and its properties are the object itself (``metadata``, ``spec``,
``data``, ``rules`` …), so rules read the fields Kubernetes documents. Its id is
``<Kind>/<namespace>/<name>``; an object without a namespace is in ``default`` (as ``kubectl apply``
would put it) unless its kind is cluster-wide. Objects are peers (a ServiceAccount deciding a pod's token,
a NetworkPolicy guarding a namespace) only when they are deployed together: the same rendered stream, the
same folder, or the same kustomization.
"""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from typing import Any

from wasec.errors import InputError, ParseError
from wasec.model.finding import Problem
from wasec.model.kubernetes import POD_SPEC, WORKLOAD, pod_spec_path
from wasec.model.resource import Loc, Origin, PathKey, Resource
from wasec.sources.documents import load_json_stream, load_yaml, load_yaml_all
from wasec.sources.files import read_text

SOURCE = "kubernetes"
PREFIX = "Kubernetes::"
CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "StorageClass", "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "IngressClass", "RuntimeClass",
    "APIService", "CSIDriver", "PodSecurityPolicy",
})
# a chart's raw templates hold Go template actions; other tools' templates hold {{name}} placeholders
_GO_TEMPLATE = re.compile(r"\{\{-?\s*(\.|include|template|if|range|with|end|define|toYaml|\$)")
_PLACEHOLDER = "{{"
_PATCH_HINT = ("a Kustomize patch, merged into its base: scan the rendered output "
               "(kustomize build DIR | wasec scan -)")
_KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_POD_SPECS = (("spec",), ("spec", "template", "spec"), ("spec", "jobTemplate", "spec", "template", "spec"))
_TEMPLATE_HINT = ("a template, not a manifest: render it first "
                  "(helm template RELEASE CHART | wasec scan -, or the tool that fills its {{ }} placeholders)")


def is_manifest(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("apiVersion"), str) and isinstance(doc.get("kind"), str)


def load_manifests(path: str, max_bytes: int, text: str | None = None) -> tuple[list[Resource], list[Problem]]:
    """Every Kubernetes object in one file (``text`` when already read, as from standard input)."""
    problems: list[Problem] = []
    try:
        text = read_text(path, max_bytes) if text is None else text
    except InputError as e:
        return [], [Problem(path, str(e))]
    # Go templates inside string values are data (alert texts, ApplicationSet fields): only text that is not
    # YAML yet, or a chart's templates/ whose quoted actions would be read as real values, waits for rendering
    if path != "-" and _GO_TEMPLATE.search(text) and in_chart_templates(path):
        return [], [Problem(path, _TEMPLATE_HINT, kind="warning")]
    if path != "-" and kustomize_patch(path):
        return [], [Problem(path, _PATCH_HINT, kind="warning")]
    try:
        if path.lower().endswith(".json"):
            docs = load_json_stream(text)
        else:
            docs = load_yaml_all(text)
    except ParseError as e:
        if _PLACEHOLDER in text:
            return [], [Problem(path, _TEMPLATE_HINT, e.line, kind="warning")]
        return [], [Problem(path, e.message, e.line)]
    resources: list[Resource] = []
    namespace = kustomize_namespace(path)
    for value, lines, first in docs:
        for obj, prefix in _objects(value):
            if is_manifest(obj) and obj["apiVersion"].startswith("kustomize.config.k8s.io/"):
                continue  # a kustomization: read for what it deploys together, not an object of the cluster
            if not is_manifest(obj):
                if obj is not value or isinstance(value, dict):
                    problems.append(Problem(path, "a document that is not a Kubernetes object (no apiVersion and kind)",
                                            lines.get(prefix, first), kind="warning"))
                continue
            missing = _container_without_image(obj)
            if missing is not None:
                problems.append(Problem(path, f"a patch, not a whole object: container {missing} has no image "
                                              "(judge what the patch is merged into, as rendered)",
                                        lines.get(prefix, first), kind="warning"))
                continue
            if namespace and obj["kind"] not in CLUSTER_SCOPED:  # kustomize's namespace: applies to every object
                meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
                obj = {**obj, "metadata": {**meta, "namespace": namespace}}
            resources.append(resource_of(path, obj, {k[len(prefix):]: v for k, v in lines.items() if k[:len(prefix)] == prefix},
                                         lines.get(prefix, first)))
    return resources, problems


def load_stdin(max_bytes: int) -> tuple[list[Resource], list[Problem], str]:
    """Manifests piped in (``helm template … | wasec scan -``), and the text read (for the secrets scan). Nothing,
    or nothing Kubernetes reads, is an error: a render that failed upstream must not pass the gate as a clean scan."""
    if sys.stdin.isatty():
        return [], [Problem("-", "standard input is a terminal: pipe manifests in (helm template … | wasec scan -)")], ""
    data = sys.stdin.buffer.read(max_bytes + 1)
    if len(data) > max_bytes:
        return [], [Problem("-", f"standard input is larger than {max_bytes} bytes")], ""
    if not data.strip():
        return [], [Problem("-", "standard input is empty: nothing was piped in (did the command before | fail?)")], ""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return [], [Problem("-", f"standard input is not UTF-8 text (byte {e.start})")], ""
    resources, problems = load_manifests("-", max_bytes, text=text)
    if not resources and not any(p.kind == "error" for p in problems):
        problems.append(Problem("-", "standard input holds no Kubernetes object (apiVersion and kind)"))
    return resources, problems, text


@lru_cache(maxsize=1024)
def _chart_dir(directory: str) -> bool:
    return os.path.basename(directory) == "templates" and os.path.isfile(os.path.join(os.path.dirname(directory), "Chart.yaml"))


def in_chart_templates(path: str) -> bool:
    """Whether ``path`` lies under a Helm chart's ``templates/`` directory (``Chart.yaml`` beside it)."""
    directory = os.path.dirname(os.path.abspath(path))
    while True:
        if _chart_dir(directory):
            return True
        parent = os.path.dirname(directory)
        if parent == directory:
            return False
        directory = parent


@lru_cache(maxsize=1024)
def _kustomization(directory: str) -> dict[str, Any] | None:
    """A directory's kustomization, parsed ({} when it cannot be read: reported when read as a file), or None."""
    for name in _KUSTOMIZATIONS:
        kustomization = os.path.join(directory, name)
        if not os.path.isfile(kustomization):
            continue
        try:
            doc, _ = load_yaml(read_text(kustomization, 1 << 20))
        except (InputError, ParseError):
            return {}
        return doc if isinstance(doc, dict) else {}
    return None


def _listed(directory: str, keys: tuple[str, ...]) -> frozenset[str]:
    doc = _kustomization(directory) or {}
    listed: list[Any] = []
    for key in keys:
        if isinstance(doc.get(key), list):
            listed += doc[key]
    files = (item.get("path") if isinstance(item, dict) else item for item in listed)
    return frozenset(os.path.normpath(os.path.join(directory, f)) for f in files
                     if isinstance(f, str) and "\n" not in f and "://" not in f)  # a string with lines is inline


def _patches_of(directory: str) -> frozenset[str]:
    """The files a directory's kustomization lists as patches (strategic merge or JSON 6902)."""
    return _listed(directory, ("patchesStrategicMerge", "patchesJson6902", "patches"))


def _deployer(path: str) -> str | None:
    """The directory whose kustomization deploys ``path``: its own folder's, or one up to two folders above that
    lists it (or a folder holding it)."""
    full = os.path.abspath(path)
    here = os.path.dirname(full)
    if _kustomization(here) is not None:
        return here
    directory = here
    for _ in range(2):
        directory = os.path.dirname(directory)
        if _kustomization(directory) is not None and any(
                full == p or full.startswith(p + os.sep) for p in _listed(directory, ("resources",))):
            return directory
    return None


def deploy_unit(path: str) -> str:
    """The scope of a manifest: what is deployed with it — its kustomization's directory, or its own folder.
    Standard input is one rendered release."""
    if path in ("-", "admission"):
        return path
    return _deployer(path) or os.path.dirname(os.path.abspath(path))


def kustomize_namespace(path: str) -> str | None:
    """The namespace the kustomization deploying ``path`` puts its objects in (``namespace:``), as kustomize would."""
    if path in ("-", "admission"):
        return None
    where = _deployer(path)
    ns = (_kustomization(where) or {}).get("namespace") if where else None
    return ns if isinstance(ns, str) and ns else None


def forget_layout() -> None:
    """Forget what was read of kustomizations and charts (the folders' layout may have changed since)."""
    for cached in (_chart_dir, _kustomization):
        cached.cache_clear()


def kustomize_patch(path: str) -> bool:
    """Whether a kustomization in the file's directory, or up to two above it, lists the file as a patch."""
    full = os.path.abspath(path)
    directory = os.path.dirname(full)
    for _ in range(3):
        if full in _patches_of(directory):
            return True
        directory = os.path.dirname(directory)
    return False


def _container_without_image(obj: dict[str, Any]) -> str | None:
    """The name of a container with no image: Kubernetes requires one, so the object is a patch's fragment."""
    for keys in _POD_SPECS:
        spec: Any = obj
        for k in keys:
            spec = spec.get(k) if isinstance(spec, dict) else None
        if not isinstance(spec, dict):
            continue
        for kind in ("containers", "initContainers"):
            listed = spec.get(kind)
            for c in listed if isinstance(listed, list) else ():
                if isinstance(c, dict) and not c.get("image"):
                    return str(c.get("name") or "(unnamed)")
    return None


def _objects(value: Any) -> list[tuple[Any, PathKey]]:
    """The objects of one document: itself, or the items of a ``List`` (``v1/List``, ``DeploymentList`` …)."""
    if isinstance(value, dict) and isinstance(value.get("items"), list) and str(value.get("kind", "")).endswith("List"):
        return [(item, ("items", i)) for i, item in enumerate(value["items"])]
    return [(value, ())]


def resource_of(path: str, obj: dict[str, Any], lines: dict[PathKey, int] | None = None, line: int = 1) -> Resource:
    """The canonical resource of one Kubernetes object (``lines``: where each field is written, when known)."""
    lines = lines or {}
    kind = obj["kind"]
    meta: dict[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    name = str(meta.get("name") or meta.get("generateName") or "(unnamed)")
    namespace = None if kind in CLUSTER_SCOPED else str(meta.get("namespace") or "default")
    rid = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
    locs = {k: Loc(path, n) for k, n in lines.items()}
    locs[()] = Loc(path, line)
    labels: dict[str, Any] = meta["labels"] if isinstance(meta.get("labels"), dict) else {}
    also = (WORKLOAD,) if kind not in POD_SPEC and pod_spec_path(kind, obj) else ()
    return Resource(type=PREFIX + kind, id=rid, properties=obj, origin=Origin(SOURCE, deploy_unit(path), path, line),
                    locs=locs, names=(name,), tags={str(k): str(v) for k, v in labels.items()}, also=also)
