"""The Terraform Kubernetes provider's resources → the Kubernetes objects they create (``Kubernetes::<Kind>``).

The provider writes each object's fields in snake_case, lists as repeated singular blocks (``container``,
``volume``, ``port``, ``rule``) and single objects as one block (``metadata``, ``security_context``);
:func:`to_object` turns that back into the object Kubernetes stores, so the Kubernetes rules judge a
``kubernetes_deployment_v1`` exactly as they judge the manifest it applies. Maps (labels, annotations,
resource limits, ConfigMap data) keep their keys. ``kubernetes_manifest`` holds the object itself.
"""

from __future__ import annotations

from typing import Any

from wasec.model.resource import Loc, PathKey
from wasec.model.values import Unknown
from wasec.sources.terraform.body import Body
from wasec.sources.terraform.mapping import Builder, maps

PREFIX = "Kubernetes::"
# the provider's resource names (each also with _v1, the names of provider 2.x) → (apiVersion, kind)
KINDS = {
    "kubernetes_pod": ("v1", "Pod"), "kubernetes_deployment": ("apps/v1", "Deployment"),
    "kubernetes_daemonset": ("apps/v1", "DaemonSet"), "kubernetes_daemon_set": ("apps/v1", "DaemonSet"),
    "kubernetes_stateful_set": ("apps/v1", "StatefulSet"),
    "kubernetes_replication_controller": ("v1", "ReplicationController"),
    "kubernetes_job": ("batch/v1", "Job"), "kubernetes_cron_job": ("batch/v1", "CronJob"),
    "kubernetes_config_map": ("v1", "ConfigMap"), "kubernetes_secret": ("v1", "Secret"),
    "kubernetes_service_account": ("v1", "ServiceAccount"), "kubernetes_namespace": ("v1", "Namespace"),
    "kubernetes_service": ("v1", "Service"), "kubernetes_ingress": ("networking.k8s.io/v1", "Ingress"),
    "kubernetes_network_policy": ("networking.k8s.io/v1", "NetworkPolicy"),
    "kubernetes_role": ("rbac.authorization.k8s.io/v1", "Role"),
    "kubernetes_cluster_role": ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    "kubernetes_role_binding": ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    "kubernetes_cluster_role_binding": ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    "kubernetes_persistent_volume": ("v1", "PersistentVolume"),
}
# repeated blocks that are one list in the object, under the object's (plural) name
LISTS = {
    "container": "containers", "init_container": "initContainers", "volume": "volumes",
    "volume_mount": "volumeMounts", "port": "ports", "toleration": "tolerations", "sysctl": "sysctls",
    "rule": "rules", "subject": "subjects", "topology_spread_constraint": "topologySpreadConstraints",
    "readiness_gate": "readinessGates", "host_aliases": "hostAliases", "image_pull_secrets": "imagePullSecrets",
    "volume_claim_template": "volumeClaimTemplates", "env": "env", "env_from": "envFrom", "ingress": "ingress",
    "egress": "egress", "from": "from", "to": "to", "ports": "ports", "match_expressions": "matchExpressions",
    "items": "items", "path": "paths", "tls": "tls", "http_get": "httpGet",
}
SINGLE = {"http_get"}  # a block whose name is in LISTS for its camelCase only


# fields whose Kubernetes name keeps an acronym in capitals
ACRONYMS = {"host_pid": "hostPID", "host_ipc": "hostIPC", "host_ip": "hostIP", "pod_ip": "podIP",
            "cluster_ip": "clusterIP", "cluster_ips": "clusterIPs", "external_ips": "externalIPs",
            "load_balancer_ip": "loadBalancerIP", "api_version": "apiVersion"}


def camel(name: str) -> str:
    if name in ACRONYMS:
        return ACRONYMS[name]
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def to_object(body: Body, path: PathKey, locs: dict[PathKey, Loc]) -> dict[str, Any]:
    """The Kubernetes object (or part of one) a provider block describes; ``locs`` gets each field's line."""
    out: dict[str, Any] = {}
    blocks = body.block_names()
    for name in body.names():
        if name in blocks:
            continue
        val = body.attr(name)
        if val is None:
            continue
        key = camel(name)
        out[key] = val.value  # maps (labels, limits, data) keep their keys
        locs[(*path, key)] = Loc(val.file, val.line)
    for name in blocks:
        found = body.blocks(name)
        if not found:
            unknown = body.blocks_unknown(name)
            if unknown is not None:
                out[LISTS.get(name, camel(name))] = unknown
            continue
        if name in LISTS and name not in SINGLE:
            key = LISTS[name]
            items = []
            for i, b in enumerate(found):
                locs[(*path, key, i)] = Loc(b.file, b.line)
                items.append(to_object(b, (*path, key, i), locs))
            out[key] = items
            locs.setdefault((*path, key), Loc(found[0].file, found[0].line))
        else:
            key = LISTS.get(name, camel(name))
            locs[(*path, key)] = Loc(found[0].file, found[0].line)
            out[key] = to_object(found[0], (*path, key), locs)
    return out


def _provider_object(b: Body, o: Builder, m: Any, tf_type: str) -> None:
    api_version, kind = KINDS[tf_type.removesuffix("_v1")]
    locs: dict[PathKey, Loc] = {}
    obj = {"apiVersion": api_version, "kind": kind, **to_object(b, (), locs)}
    o.type = PREFIX + kind
    o.props = obj
    o.locs.update(locs)
    name = obj.get("metadata", {}).get("name") if isinstance(obj.get("metadata"), dict) else None
    o.name(name)


def _register(tf_type: str) -> None:
    for t in (tf_type, f"{tf_type}_v1"):
        maps(t, PREFIX + KINDS[tf_type][1])(lambda b, o, m, t=t: _provider_object(b, o, m, t))


for _t in KINDS:
    _register(_t)


@maps("kubernetes_manifest", PREFIX + "Object")
def _manifest(b: Body, o: Builder, m: Any) -> None:
    """``manifest = {apiVersion = …, kind = …, …}``: the object as Kubernetes stores it."""
    val = b.attr("manifest")
    obj = val.value if val is not None else None
    if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str) or isinstance(obj.get("kind"), Unknown):
        m.drop()  # an object whose kind is known only at apply: nothing to judge it as (counted with the others)
        return
    o.type = PREFIX + str(obj["kind"])
    o.props = dict(obj)
    meta = obj.get("metadata")
    o.name(meta.get("name") if isinstance(meta, dict) else None)
