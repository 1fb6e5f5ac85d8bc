"""Kubernetes RBAC beyond wildcards: the grants the CIS Kubernetes and EKS benchmarks single out (creating pods,
exec, nodes/proxy, PersistentVolumes, certificate approval, webhook configurations, tokens, Secrets) and the
bindings that hand the cluster to everyone (cluster-admin, system:masters, anonymous users, default accounts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wasec.rules.pack.kubernetes import IAM, ROLES, SECRETS, K, _mapping, _rules, _strings
from wasec.rules.registry import rule
from wasec.rules.view import Fail, View

BINDINGS = [K + "RoleBinding", K + "ClusterRoleBinding"]
WORKLOAD_RESOURCES = frozenset({"pods", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs",
                                "replicationcontrollers"})
WORKLOAD_GROUPS = frozenset({"", "apps", "batch", "extensions", "*"})


def _grants(r: View, verbs: set[str], resources: set[str], groups: set[str]) -> Iterator[tuple[str, set[str], set[str]]]:
    """(path, the verbs granted of ``verbs``, the resources granted of ``resources``) for each rule granting them."""
    for p, rr in _rules(r):
        if rr.get("resourceNames"):
            continue  # named objects only
        got_verbs = _strings(rr, p, "verbs")
        got_resources = _strings(rr, p, "resources")
        got_groups = _strings(rr, p, "apiGroups", ("",))
        v = verbs if "*" in got_verbs else got_verbs & verbs
        res = resources if "*" in got_resources else got_resources & resources
        if v and res and (got_groups & groups or "*" in got_groups):
            yield p, v, res


def _grant_rule(rid: str, title: str, severity: str, verbs: set[str], resources: set[str], groups: set[str],
                why: str, fix: str, cis_eks: tuple[str, ...], example: str, wa: tuple[str, ...] = IAM) -> None:
    @rule(rid, title=title, severity=severity, types=ROLES, area="identity", category="access", wa=wa,
          cis_eks=cis_eks, why=why, fix=fix, example=example)
    def check(r: View) -> Any:
        return [Fail(f"{p}.verbs", f"the rule grants {', '.join(sorted(v))} on {', '.join(sorted(res))}", sorted(v))
                for p, v, res in _grants(r, verbs, resources, groups)]


_grant_rule("k8s-rbac-create-pods", "Roles do not let subjects create workloads", "medium",
            {"create", "update", "patch"}, set(WORKLOAD_RESOURCES), set(WORKLOAD_GROUPS),
            "Who can create a pod can run it with any service account of the namespace and mount its Secrets: "
            "creating workloads is reading every credential of the namespace.",
            "Let a deployment pipeline (GitOps controller) create workloads; grant people read access.", ("4.1.4",),
            'rules:\n  - apiGroups: ["apps"]\n    resources: ["deployments"]\n    verbs: ["get", "list", "watch"]')
_grant_rule("k8s-rbac-exec", "Roles do not grant exec or attach into pods", "medium", {"create", "get"},
            {"pods/exec", "pods/attach"}, {"", "*"},
            "exec and attach run commands inside a running container, with its credentials and data, outside any "
            "deployment review.", "Grant exec only to break-glass roles; use kubectl debug with an audited role.",
            ("4.1.4",), 'rules:\n  - apiGroups: [""]\n    resources: ["pods", "pods/log"]\n    verbs: ["get", "list"]')
_grant_rule("k8s-rbac-nodes-proxy", "Roles do not grant nodes/proxy", "high", {"get", "create", "*"},
            {"nodes/proxy"}, {"", "*"},
            "nodes/proxy reaches the kubelet's API directly: exec into any pod on the node, past the API server's "
            "admission and audit.", "Remove nodes/proxy; monitoring agents read metrics through nodes/metrics.",
            ("4.1.3",), 'rules:\n  - apiGroups: [""]\n    resources: ["nodes/metrics"]\n    verbs: ["get"]')
_grant_rule("k8s-rbac-pv-create", "Roles do not let subjects create PersistentVolumes", "medium", {"create"},
            {"persistentvolumes"}, {"", "*"},
            "A PersistentVolume can point at a hostPath: its creator mounts any node's file system into a pod.",
            "Let storage classes provision volumes; keep PersistentVolume creation for cluster administrators.",
            ("4.1.3",), 'rules:\n  - apiGroups: [""]\n    resources: ["persistentvolumeclaims"]\n    verbs: ["create"]')
_grant_rule("k8s-rbac-csr-approve", "Roles do not approve certificate signing requests", "high",
            {"update", "patch", "approve", "*"}, {"certificatesigningrequests/approval", "signers"},
            {"certificates.k8s.io", "*"},
            "Approving a certificate signing request mints a client certificate for any user or group, "
            "system:masters included.", "Leave approval to the controller manager; remove the grant.", ("4.1.3",),
            'rules:\n  - apiGroups: ["certificates.k8s.io"]\n    resources: ["certificatesigningrequests"]\n    verbs: ["get", "list"]')
_grant_rule("k8s-rbac-webhook-config", "Roles do not change admission webhook configurations", "high",
            {"create", "update", "patch", "delete", "deletecollection"},
            {"validatingwebhookconfigurations", "mutatingwebhookconfigurations", "validatingadmissionpolicies",
             "validatingadmissionpolicybindings"}, {"admissionregistration.k8s.io", "*"},
            "Whoever changes the admission configuration switches the cluster's policy off, or sends every object "
            "to a webhook of their own that reads and rewrites it.",
            "Keep admission configuration for cluster administrators and the policy engine's own account.", ("4.1.3",),
            'rules:\n  - apiGroups: ["admissionregistration.k8s.io"]\n    resources: ["validatingwebhookconfigurations"]\n    verbs: ["get", "list"]')
_grant_rule("k8s-rbac-sa-token-create", "Roles do not let subjects mint service-account tokens", "medium", {"create"},
            {"serviceaccounts/token"}, {"", "*"},
            "Creating a token for a service account is acting as it, with every permission it holds.",
            "Remove the grant; pods receive their tokens by projection.", ("4.1.3",),
            'rules:\n  - apiGroups: [""]\n    resources: ["serviceaccounts"]\n    verbs: ["get", "list"]')


@rule("k8s-rbac-secrets-namespace", title="Roles read only the Secrets they name", severity="medium", types=ROLES,
      area="identity", category="access", wa=(*IAM, *SECRETS), cis_eks=("4.1.2",),
      why="get, list or watch on every Secret of a namespace reads its service-account tokens and every credential "
          "its workloads hold; a service account bound to such a Role hands them to every pod that uses it.",
      fix="Name the Secrets the subject needs in resourceNames (and grant only get).",
      example='rules:\n  - apiGroups: [""]\n    resources: ["secrets"]\n    resourceNames: ["app-tls"]\n    verbs: ["get"]')
def rbac_secrets_namespace(r: View) -> Any:
    accounts = _bound_accounts(r)
    who = f", bound to service account{'s' if len(accounts) > 1 else ''} {', '.join(accounts)}" if accounts else ""
    return [Fail(f"{p}.resources", f"the rule reads every Secret ({', '.join(sorted(v))}){who}", sorted(res))
            for p, v, res in _grants(r, {"get", "list", "watch"}, {"secrets"}, {""})]


def _bound_accounts(r: View) -> list[str]:
    """The service accounts the bindings deployed with this role bind it to."""
    name, kind = r.get("metadata.name"), r.type[len(K):]
    out = []
    for b in r.peers(*BINDINGS):
        ref = _mapping(b.properties.get("roleRef"))
        if ref.get("name") == name and ref.get("kind", kind) == kind:
            subjects = b.properties.get("subjects")
            for s in subjects if isinstance(subjects, list) else []:
                if isinstance(s, dict) and s.get("kind") == "ServiceAccount":
                    out.append(f"{s.get('namespace') or 'default'}/{s.get('name')}")
    return sorted(set(out))


def _subjects(r: View) -> Iterator[tuple[str, dict[str, Any]]]:
    for p, s in r.items("subjects"):
        if isinstance(s, dict):
            yield p, s


EVERYONE = {"system:anonymous": "anonymous requests", "system:unauthenticated": "unauthenticated requests",
            "system:authenticated": "every authenticated user"}


@rule("k8s-rbac-everyone", title="No role is bound to anonymous, unauthenticated or all authenticated users",
      severity="critical", types=BINDINGS, area="identity", category="access", wa=IAM, cis_eks=("4.1.1",),
      why="system:anonymous and system:unauthenticated are anyone who reaches the API server; system:authenticated "
          "is anyone with any credential, every service account of every namespace included.",
      fix="Bind the role to the users, groups or service accounts that need it.",
      example='subjects:\n  - kind: Group\n    name: shop-developers\n    apiGroup: rbac.authorization.k8s.io')
def rbac_everyone(r: View) -> Any:
    return [Fail(f"{p}.name", f"the binding grants {r.get('roleRef.name')} to {EVERYONE[s['name']]}", s["name"])
            for p, s in _subjects(r) if isinstance(s.get("name"), str) and s["name"] in EVERYONE
            and s.get("kind") in ("Group", "User")]


@rule("k8s-rbac-cluster-admin", title="cluster-admin is bound only to break-glass subjects", severity="high",
      types=BINDINGS, area="identity", category="access", wa=IAM, cis_eks=("4.1.1",),
      why="cluster-admin is every permission on every object of the cluster; a workload or team bound to it owns "
          "the cluster.", fix="Bind a role scoped to the job; keep cluster-admin for audited break-glass access.",
      example='roleRef:\n  kind: ClusterRole\n  name: shop-deployer\n  apiGroup: rbac.authorization.k8s.io')
def rbac_cluster_admin(r: View) -> Any:
    if r.get("roleRef.name") != "cluster-admin":
        return None
    subjects = [f"{s.get('kind')} {s.get('name')}" for _, s in _subjects(r) if s.get("name") != "system:masters"]
    return Fail("roleRef.name", f"cluster-admin is bound to {', '.join(subjects)}", "cluster-admin") if subjects else None


@rule("k8s-rbac-system-masters", title="Nothing is bound to the system:masters group", severity="high",
      types=BINDINGS, area="identity", category="access", wa=IAM, cis_eks=("4.1.7",),
      why="system:masters bypasses RBAC altogether and its certificates cannot be revoked: bindings to it are "
          "at best useless and hide who holds what.", fix="Bind roles to groups of your own.",
      example='subjects:\n  - kind: Group\n    name: platform-admins\n    apiGroup: rbac.authorization.k8s.io')
def rbac_system_masters(r: View) -> Any:
    return [Fail(f"{p}.name", "the binding names the system:masters group", s["name"]) for p, s in _subjects(r)
            if s.get("name") == "system:masters"]


@rule("k8s-rbac-default-sa-bound", title="No role is bound to a default service account", severity="medium",
      types=BINDINGS, area="identity", category="access", wa=IAM, cis_eks=("4.1.5",),
      why="Every pod that names no service account runs as default: a role bound to it is granted to all of them.",
      fix="Create a service account for the workload, bind the role to it and name it in the pod spec.",
      example='subjects:\n  - kind: ServiceAccount\n    name: shop-api\n    namespace: shop')
def rbac_default_sa(r: View) -> Any:
    return [Fail(f"{p}.name", f"the binding grants {r.get('roleRef.name')} to the default service account of "
                              f"{s.get('namespace') or r.get('metadata.namespace') or 'default'}", "default")
            for p, s in _subjects(r) if s.get("kind") == "ServiceAccount" and s.get("name") == "default"]
