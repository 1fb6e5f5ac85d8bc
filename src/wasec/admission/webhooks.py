"""The ValidatingWebhookConfiguration that puts the webhook in front of a cluster, safely.

- Namespaced kinds: one webhook per combination of the namespace labels ``wasec.io/enforce``,
  ``wasec.io/warn`` and ``wasec.io/audit`` (see :mod:`wasec.admission.levels`); every namespace matches
  at most one enforce-or-warn webhook and at most one audit webhook, so a finding is said once.
  System namespaces and wasec's own are excluded by their ``kubernetes.io/metadata.name`` label.
- Cluster-scoped kinds (ClusterRoles, Namespaces …) ignore namespace selectors, so they get a webhook
  of their own, written only when its level is chosen explicitly.
- Requests from the control plane's identities never reach the webhook (``matchConditions``), and the
  webhook exempts them again itself.
- Only enforcing webhooks fail closed; warn and audit webhooks never stand in the way when wasec is down.
"""

from __future__ import annotations

from typing import Any

from wasec.admission.levels import INVALID, LABEL, LANES, LEVELS, Exemptions, Levels
from wasec.model.finding import Severity

# the kinds wasec's rules judge, by API group and resource (what a webhook rule names)
KINDS: dict[str, tuple[str, str, bool]] = {  # kind -> (group, resource, namespaced)
    "Pod": ("", "pods", True), "Deployment": ("apps", "deployments", True),
    "StatefulSet": ("apps", "statefulsets", True), "DaemonSet": ("apps", "daemonsets", True),
    "ReplicaSet": ("apps", "replicasets", True), "ReplicationController": ("", "replicationcontrollers", True),
    "Job": ("batch", "jobs", True), "CronJob": ("batch", "cronjobs", True), "ConfigMap": ("", "configmaps", True),
    # Secrets are left out on purpose: a webhook that judged them would receive every credential of the cluster
    "Service": ("", "services", True), "ServiceAccount": ("", "serviceaccounts", True),
    "Ingress": ("networking.k8s.io", "ingresses", True), "NetworkPolicy": ("networking.k8s.io", "networkpolicies", True),
    "Role": ("rbac.authorization.k8s.io", "roles", True),
    "RoleBinding": ("rbac.authorization.k8s.io", "rolebindings", True),
    "ClusterRole": ("rbac.authorization.k8s.io", "clusterroles", False),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", "clusterrolebindings", False),
    "PersistentVolume": ("", "persistentvolumes", False), "Namespace": ("", "namespaces", False),
}
# kubectl debug adds ephemeral containers through a subresource of its own
SUBRESOURCES = {"pods": ("pods/ephemeralcontainers",)}
_NAME_LABEL = "kubernetes.io/metadata.name"


def _rules(kinds: list[str], namespaced: bool) -> list[dict[str, Any]]:
    by_group: dict[str, list[str]] = {}
    for kind in kinds:
        group, resource, scoped = KINDS[kind]
        if scoped == namespaced:
            by_group.setdefault(group, []).extend([resource, *SUBRESOURCES.get(resource, ())])
    return [{"apiGroups": [g], "apiVersions": ["*"], "operations": ["CREATE", "UPDATE"], "resources": sorted(rs),
             "scope": "Namespaced" if namespaced else "Cluster"} for g, rs in sorted(by_group.items())]


def _match_conditions(exempt: Exemptions) -> list[dict[str, Any]]:
    """CEL that keeps the control plane's requests from ever reaching the webhook (Kubernetes 1.30 and later)."""
    exact = [u for u in exempt.users if "*" not in u]
    prefixes = [u.rstrip("*") for u in exempt.users if u.endswith("*") and "*" not in u[:-1]]
    parts = [f"!(request.userInfo.username in {_cel_list(exact)})"] if exact else []
    parts += [f"!request.userInfo.username.startsWith('{p}')" for p in prefixes]
    parts += [f"!('{g}' in request.userInfo.groups)" for g in exempt.groups]
    return [{"name": "not-the-control-plane", "expression": " && ".join(parts)}] if parts else []


def _cel_list(items: list[str]) -> str:
    return "[" + ", ".join(f"'{i}'" for i in items) + "]"


def _hook(name: str, levels: Levels, selector: dict[str, Any] | None, rules: list[dict[str, Any]], service: str,
          namespace: str, ca_bundle: str, exempt: Exemptions, timeout: int) -> dict[str, Any]:
    hook: dict[str, Any] = {
        "name": name,
        "admissionReviewVersions": ["v1"],
        "sideEffects": "None",
        "timeoutSeconds": timeout,
        "failurePolicy": "Fail" if levels.enforce is not None else "Ignore",
        "matchPolicy": "Equivalent",
        "rules": rules,
        "clientConfig": {"service": {"name": service, "namespace": namespace, "path": levels.path(), "port": 443},
                         **({"caBundle": ca_bundle} if ca_bundle else {})},
    }
    if selector is not None:
        hook["namespaceSelector"] = selector
    conditions = _match_conditions(exempt)
    if conditions:
        hook["matchConditions"] = conditions
    return hook


def _label_is(lane: str, value: str | None) -> dict[str, Any]:
    if value is None:
        return {"key": LABEL + lane, "operator": "DoesNotExist"}
    if value == INVALID:
        return {"key": LABEL + lane, "operator": "NotIn", "values": list(LEVELS)}  # (with Exists, below)
    return {"key": LABEL + lane, "operator": "In", "values": [value]}


def _below(level: str) -> list[str]:
    return list(LEVELS[LEVELS.index(level) + 1:])


def configuration(kinds: list[str], service: str = "wasec-admission", namespace: str = "wasec", ca_bundle: str = "",
                  exempt: Exemptions | None = None, cluster: Levels | None = None, timeout: int = 5,
                  name: str = "wasec") -> dict[str, Any]:
    """The ValidatingWebhookConfiguration for the rules' ``kinds``; ``cluster`` sets the cluster-scoped webhook."""
    exempt = exempt or Exemptions()
    known = [k for k in kinds if k in KINDS]
    namespaced = _rules(known, True)
    skip = {"key": _NAME_LABEL, "operator": "NotIn", "values": sorted({*exempt.namespaces, namespace})}
    hooks: list[dict[str, Any]] = []

    def add(tag: str, levels: Levels, *expressions: dict[str, Any]) -> None:
        selector = {"matchExpressions": [skip, *expressions]}
        hooks.append(_hook(f"{tag}.{name}.wasec.io", levels, selector, namespaced, service, namespace, ca_bundle,
                           exempt, timeout))

    if namespaced:
        for e in (*LEVELS, INVALID):
            enforce = Severity.LOW if e == INVALID else Severity(e)
            bad = ("enforce",) if e == INVALID else ()
            has = [{"key": LABEL + "enforce", "operator": "Exists"}] if e == INVALID else []
            below = _below(e) if e != INVALID else []
            # a warn level below the enforce level narrows the warnings; any other warn label changes nothing
            for w in below[:-1]:
                add(f"enforce-{e}-warn-{w}", Levels(enforce=enforce, warn=Severity(w), invalid=bad),
                    _label_is("enforce", e), *has, _label_is("warn", w))
            others = below[:-1]
            add(f"enforce-{e}", Levels(enforce=enforce, invalid=bad), _label_is("enforce", e), *has,
                *([{"key": LABEL + "warn", "operator": "NotIn", "values": others}] if others else []))
        for w in (*LEVELS, INVALID):
            has = [{"key": LABEL + "warn", "operator": "Exists"}] if w == INVALID else []
            add(f"warn-{w}", Levels(warn=Severity.LOW if w == INVALID else Severity(w), invalid=("warn",) if has else ()),
                _label_is("enforce", None), _label_is("warn", w), *has)
        for a in (*LEVELS, INVALID):
            has = [{"key": LABEL + "audit", "operator": "Exists"}] if a == INVALID else []
            add(f"audit-{a}", Levels(audit=Severity.LOW if a == INVALID else Severity(a), invalid=("audit",) if has else ()),
                _label_is("audit", a), *has)
    cluster_rules = _rules(known, False)
    if cluster is not None and cluster_rules:
        hooks.append(_hook(f"cluster.{name}.wasec.io", Levels(enforce=cluster.enforce, warn=cluster.warn,
                                                              audit=cluster.audit, cluster=True),
                           None, cluster_rules, service, namespace, ca_bundle, exempt, timeout))
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": name}, "webhooks": hooks}


def parse_levels(text: str) -> Levels:
    """``enforce=high,warn=low`` (or ``audit=medium`` …) as levels."""
    chosen: dict[str, Severity] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        lane, _, level = part.partition("=")
        if lane not in LANES or level not in LEVELS or lane in chosen:
            raise ValueError(f"{part!r}: expected <lane>=<level>, lane one of {', '.join(LANES)}, level one of "
                             f"{', '.join(LEVELS)}")
        chosen[lane] = Severity(level)
    if not chosen:
        raise ValueError("name at least one lane (e.g. enforce=high,warn=low)")
    return Levels(**chosen)  # type: ignore[arg-type]
