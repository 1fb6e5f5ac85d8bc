"""Malformed Kubernetes objects never reach a rule as a crash: every rule answers PASS, FAIL or a named UNKNOWN.

Real manifests break in every shape (a string where a list belongs, a null metadata, a number for a
selector); the API server refuses such objects, and wasec must say so, never report "rule error". Each
example takes valid objects of every kind the rules read and puts values of the wrong type at random
places in them.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wasec.rules.registry import load_builtin
from wasec.scanning import ScanOptions, scan

VALID = list(yaml.safe_load_all("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  template:
    metadata: {annotations: {container.apparmor.security.beta.kubernetes.io/web: runtime/default}}
    spec:
      serviceAccountName: web
      hostNetwork: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
        sysctls: [{name: net.ipv4.ip_local_port_range, value: "1024 65535"}]
        seLinuxOptions: {type: container_t}
      volumes: [{name: data, hostPath: {path: /var/data}}, {name: tmp, emptyDir: {}}]
      containers:
      - name: web
        image: registry.example.com/web:1.2
        ports: [{containerPort: 8080, hostPort: 8080}]
        env: [{name: LOG_LEVEL, value: info}, {name: DB, valueFrom: {secretKeyRef: {name: db, key: url}}}]
        resources: {limits: {cpu: 500m, memory: 256Mi}}
        securityContext:
          privileged: false
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
          procMount: Default
          runAsUser: 10001
      initContainers: [{name: init, image: "registry.example.com/init:1.0"}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec: {schedule: "0 3 * * *", jobTemplate: {spec: {template: {spec: {containers: [{name: job, image: "busybox:1.36"}]}}}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [secrets, pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ops, namespace: shop}
rules: [{apiGroups: [apps], resources: [deployments], verbs: [patch]}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {LOG_LEVEL: info, endpoint: "https://api.example.com"}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
automountServiceAccountToken: false
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, annotations: {service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing}}
spec: {type: LoadBalancer, loadBalancerSourceRanges: [203.0.113.0/24], externalIPs: [198.51.100.7], ports: [{port: 443}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop, annotations: {nginx.ingress.kubernetes.io/ssl-redirect: "true"}}
spec:
  tls: [{hosts: [shop.example.com], secretName: shop-tls}]
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ops, namespace: shop}
subjects: [{kind: ServiceAccount, name: default, namespace: shop}, {kind: Group, name: system:authenticated}]
roleRef: {kind: Role, name: ops, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: v1
kind: Secret
metadata: {name: token, namespace: shop}
type: kubernetes.io/service-account-token
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: data}
spec: {capacity: {storage: 1Gi}, hostPath: {path: /mnt/data}}
---
apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system}
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.31.2
    command: [kube-apiserver, --anonymous-auth=false, --authorization-mode=Node,RBAC, --audit-log-maxage, "30",
              --tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, --enable-admission-plugins=NodeRestriction]
  - name: etcd
    image: registry.k8s.io/etcd:3.5.15-0
    command: [etcd, --client-cert-auth=true]
    args: [--peer-auto-tls=false]
"""))
WRONG = [None, 0, -1, 2.5, True, "", "*", "ALL", [], {}, [None], [1, "a"], {"a": None}, {"": []}, [{}], 10**20]
K8S_RULES = [r.id for r in load_builtin() if any(t.startswith("Kubernetes::") for t in r.types)]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _break(obj: dict[str, Any], rng: random.Random, times: int) -> dict[str, Any]:
    for _ in range(times):
        paths = [p for p in _paths(obj) if p and p[0] not in ("apiVersion", "kind")]
        if not paths:
            break
        *parent, last = rng.choice(paths)
        target: Any = obj
        for k in parent:
            target = target[k]
        target[last] = copy.deepcopy(rng.choice(WRONG))
    return obj


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), times=st.integers(min_value=1, max_value=4))
def test_wrong_types_anywhere_give_verdicts_not_rule_errors(tmp_path: Path, seed: int, times: int) -> None:
    rng = random.Random(seed)
    docs = [_break(copy.deepcopy(d), rng, times) for d in VALID]
    (tmp_path / "manifests.yaml").write_text(yaml.safe_dump_all(docs))
    result = scan(ScanOptions(paths=[str(tmp_path / "manifests.yaml")], rules=K8S_RULES))
    errors = [(f.rule_id, f.message) for f in result.findings if "rule error" in f.message]
    assert not errors, yaml.safe_dump_all(docs)
    assert {f.rule_id for f in result.findings} & set(K8S_RULES)  # the rules did run
