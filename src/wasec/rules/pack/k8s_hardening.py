"""Kubernetes workloads beyond the Pod Security Standards: what the CIS Kubernetes and EKS benchmarks and the
NSA/CISA hardening guide ask that a manifest can show — a read-only root file system, NET_RAW dropped, probes,
requests, pull policy, the runtime's socket, the default namespace and service account, Secrets as files."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack.kubernetes import (
    IAM,
    PSS,
    SECRETS,
    WORKLOADS,
    K,
    _cap,
    _image,
    cname,
    containers,
    spec_path,
    windows,
    workload_rule,
)
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View


def _running(r: View) -> list[tuple[str, dict[str, Any]]]:
    """The containers that run for the pod's life (not init or ephemeral ones)."""
    return [(p, c) for p, c in containers(r) if p.split(".")[-2] == "containers"]


@workload_rule("k8s-read-only-root-fs", "Containers run with a read-only root file system", "medium", "",
               "A writable root file system lets an intruder drop tools and change the program it runs; the NSA/CISA "
               "hardening guide asks for immutable containers.",
               "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the program writes.",
               cis_eks=("4.6.3",),
      example='securityContext:\n  readOnlyRootFilesystem: true\nvolumeMounts:\n  - {name: tmp, mountPath: /tmp}')
def read_only_root_fs(r: View) -> Any:
    if windows(r):
        return Skip("Windows pods")
    return [Fail(f"{p}.securityContext.readOnlyRootFilesystem", f"container {cname(c)} can write its root file system",
                 r.get(f"{p}.securityContext.readOnlyRootFilesystem"))
            for p, c in containers(r) if p.split(".")[-2] != "ephemeralContainers"
            and r.get(f"{p}.securityContext.readOnlyRootFilesystem") is not True]


@workload_rule("k8s-net-raw", "Containers drop NET_RAW", "medium", "", "NET_RAW lets a container forge packets: ARP "
               "and DNS spoofing of its neighbours on the node. The container runtime grants it unless it is dropped.",
               "Drop ALL (or NET_RAW) in securityContext.capabilities.drop and add back only what is needed.",
               cis_eks=("4.2.7",),
      example='securityContext:\n  capabilities:\n    drop: ["ALL"]')
def net_raw(r: View) -> Any:
    if windows(r):
        return Skip("Windows pods")
    out = []
    for p, c in containers(r):
        add = r.get(f"{p}.securityContext.capabilities.add")
        drop = r.get(f"{p}.securityContext.capabilities.drop")
        added = {_cap(x) for x in add if isinstance(x, str)} if isinstance(add, list) else set()
        dropped = {_cap(x) for x in drop if isinstance(x, str)} if isinstance(drop, list) else set()
        if "NET_RAW" in added or "ALL" in added:
            out.append(Fail(f"{p}.securityContext.capabilities.add", f"container {cname(c)} adds NET_RAW", sorted(added)))
        elif not dropped & {"ALL", "NET_RAW"}:
            out.append(Fail(f"{p}.securityContext.capabilities.drop", f"container {cname(c)} keeps NET_RAW",
                            sorted(dropped) or None))
    return out


def _probe(kind: str) -> Any:
    def check(r: View) -> Any:
        return [Fail(f"{p}.{kind}", f"container {cname(c)} has no {kind}") for p, c in _running(r)
                if not r.get(f"{p}.{kind}")]
    return check


workload_rule("k8s-liveness-probe", "Containers have a liveness probe", "low", "",
              "Without a liveness probe a hung process keeps its pod and its traffic: availability is part of "
              "security (the NSA/CISA guide asks for it).", "Add a livenessProbe (httpGet, tcpSocket, grpc or exec).",
              wa=("SEC10-BP01",), category="resilience",
              example='livenessProbe:\n  httpGet: {path: /healthz, port: 8080}')(_probe("livenessProbe"))
workload_rule("k8s-readiness-probe", "Containers have a readiness probe", "low", "",
              "Without a readiness probe traffic reaches a container before it is ready and after it broke.",
              "Add a readinessProbe.", wa=("SEC10-BP01",), category="resilience",
              example='readinessProbe:\n  httpGet: {path: /ready, port: 8080}')(_probe("readinessProbe"))


@workload_rule("k8s-resource-requests", "Containers request CPU and memory", "low", "",
               "Without requests the scheduler packs pods blindly and a noisy neighbour starves them.",
               "Set resources.requests.cpu and resources.requests.memory.", wa=("SEC06-BP02", "SEC10-BP01"),
               category="resilience", example='resources:\n  requests: {cpu: 100m, memory: 128Mi}')
def resource_requests(r: View) -> Any:
    out = []
    for p, c in _running(r) + [(p, c) for p, c in containers(r) if p.split(".")[-2] == "initContainers"]:
        requests = r.get(f"{p}.resources.requests") or {}
        limits = r.get(f"{p}.resources.limits") or {}
        # a limit with no request is the request too (Kubernetes copies it)
        missing = [k for k in ("cpu", "memory")
                   if not ((isinstance(requests, dict) and requests.get(k)) or (isinstance(limits, dict) and limits.get(k)))]
        if missing:
            out.append(Fail(f"{p}.resources", f"container {cname(c)} requests no {' or '.join(missing)}",
                            requests or None))
    return out


@workload_rule("k8s-image-pull-policy", "Images not pinned by digest are pulled every time", "low", "",
               "With IfNotPresent a node runs the copy of a tag it cached — possibly another tenant's pull of a "
               "private image, or a tag since moved — without checking the registry or the pod's pull credentials.",
               "Pin the image by digest, or set imagePullPolicy: Always.", wa=("SEC06-BP01",),
      example='image: registry.example.com/shop/web:1.4.2\nimagePullPolicy: Always')
def image_pull_policy(r: View) -> Any:
    out = []
    for p, c in containers(r):
        _, tag, digest = _image(c)
        if digest is not None or not c.get("image"):
            continue
        policy = c.get("imagePullPolicy")
        effective = policy or ("Always" if tag in (None, "latest") else "IfNotPresent")  # Kubernetes' default
        if effective != "Always":
            out.append(Fail(f"{p}.imagePullPolicy" if policy else f"{p}.image",
                            f"container {cname(c)} may run a cached {c.get('image')} ({effective})", policy))
    return out


@workload_rule("k8s-high-uid", "Containers run as a UID above 10000", "low", "",
               "A low UID may be a user of the node too: a container that escapes runs as that user there.",
               "Set securityContext.runAsUser to 10000 or more.", cis_eks=(), optional=True,
      example='securityContext:\n  runAsUser: 10001')
def high_uid(r: View) -> Any:
    if windows(r):
        return Skip("Windows pods")
    pod = r.get(f"{spec_path(r)}.securityContext.runAsUser")
    out = []
    for p, c in containers(r):
        uid = r.get(f"{p}.securityContext.runAsUser", pod)
        if not (isinstance(uid, int) and not isinstance(uid, bool) and uid >= 10000):
            out.append(Fail(f"{p}.securityContext.runAsUser", f"container {cname(c)} runs as "
                            f"{'the image’s user' if uid is None else f'UID {uid}'}", uid))
    return out


RUNTIME_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock", "/var/run/containerd/containerd.sock",
                   "/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/crio/crio.sock",
                   "/var/run/cri-dockerd.sock")


def _covers(mounted: str, socket: str) -> bool:
    mounted = "/" + mounted.strip("/")
    return mounted == "/" or socket == mounted or socket.startswith(mounted + "/")


@workload_rule("k8s-runtime-socket", "Pods do not mount the container runtime's socket", "critical", "",
               "The runtime's socket (docker.sock, containerd.sock, crio.sock) starts privileged containers on the "
               "node: whoever reaches it owns the node and every pod on it.",
               "Remove the hostPath volume; build images with a rootless builder (BuildKit rootless, Kaniko).",
               cis_eks=("4.2.9",),
      example='volumes:\n  - name: work\n    emptyDir: {}')
def runtime_socket(r: View) -> Any:
    out = []
    for p, v in r.items(f"{spec_path(r)}.volumes"):
        host = v.get("hostPath") if isinstance(v, dict) else None
        path = host.get("path") if isinstance(host, dict) else None
        if isinstance(path, str) and any(_covers(path, s) for s in RUNTIME_SOCKETS):
            out.append(Fail(f"{p}.hostPath.path", f"volume {v.get('name')} mounts {path}, the runtime's socket", path))
    return out


@workload_rule("k8s-secrets-as-files", "Containers read Secrets from files, not environment variables", "low", "",
               "Environment variables are copied into crash reports, logs and child processes, and are read by "
               "anyone who may inspect the container.", "Mount the Secret as a volume and read the file.",
               wa=SECRETS, cis_eks=("4.4.1",), category="secret",
      example='volumes:\n  - name: db\n    secret: {secretName: db}\nvolumeMounts:\n  - {name: db, mountPath: /run/secrets/db, readOnly: true}')
def secrets_as_files(r: View) -> Any:
    out = []
    for p, c in containers(r):
        for q, e in r.items(f"{p}.env"):
            ref = e.get("valueFrom", {}).get("secretKeyRef") if isinstance(e, dict) and isinstance(e.get("valueFrom"), dict) else None
            if ref is not None:
                out.append(Fail(f"{q}.valueFrom.secretKeyRef", f"container {cname(c)} reads Secret "
                                f"{ref.get('name') if isinstance(ref, dict) else ''} into {e.get('name')}", ref))
        for q, e in r.items(f"{p}.envFrom"):
            if isinstance(e, dict) and e.get("secretRef") is not None:
                ref = e["secretRef"]
                out.append(Fail(f"{q}.secretRef", f"container {cname(c)} loads Secret "
                                f"{ref.get('name') if isinstance(ref, dict) else ''} as environment variables", ref))
    return out


@workload_rule("k8s-share-process-namespace", "Containers of a pod do not share one process namespace", "low", "",
               "With a shared process namespace every container sees, signals and reads the memory and files "
               "(/proc/<pid>/root) of the others: one compromised sidecar reaches the application's secrets.",
               "Remove shareProcessNamespace (or set it to false); use kubectl debug for troubleshooting.",
      example='spec:\n  shareProcessNamespace: false')
def share_process_namespace(r: View) -> Any:
    path = f"{spec_path(r)}.shareProcessNamespace"
    return Fail(path, "the containers share one process namespace", True) if r.get(path) is True else None


NAMESPACED = [*WORKLOADS, *(K + k for k in ("ConfigMap", "Secret", "Service", "ServiceAccount", "Role", "RoleBinding",
                                            "Ingress", "NetworkPolicy", "PersistentVolumeClaim"))]


@rule("k8s-default-namespace", title="Objects are not placed in the default namespace", severity="low",
      types=NAMESPACED, area="infrastructure", category="hardening", wa=PSS, cis_eks=("4.6.4",),
      why="The default namespace has no policy of its own: objects there share its service accounts, quotas and "
          "network rules with whatever else lands there. Namespaces are the administrative boundary.",
      fix="Create a namespace for the application and set metadata.namespace (or deploy with -n).",
      example='metadata:\n  name: web\n  namespace: shop')
def default_namespace(r: View) -> Any:
    ns = r.get("metadata.namespace")
    if ns is None:
        return Skip("the namespace is chosen when the object is applied")
    return Fail("metadata.namespace", "the object is in the default namespace", ns) if ns == "default" else None


@rule("k8s-default-sa-automount", title="The default service account mounts no token", severity="medium",
      types=[K + "ServiceAccount"], area="identity", category="access", wa=IAM, cis_eks=("4.1.5",),
      why="Every pod that names no service account runs as default: unless default mounts no token, each of them "
          "carries a credential to the Kubernetes API.",
      fix="Set automountServiceAccountToken: false on each namespace's default service account; give pods that call "
          "the API a service account of their own.",
      example='apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\nautomountServiceAccountToken: false')
def default_sa_automount(r: View) -> Any:
    if r.get("metadata.name") != "default":
        return Skip("not a default service account")
    if r.get("automountServiceAccountToken") is False:
        return None
    own = r.get("automountServiceAccountToken")
    return Fail("automountServiceAccountToken" if own is not None else "metadata.name",
                "the default service account mounts its token in every pod", own)


@rule("k8s-sa-token-secret", title="No long-lived service-account token Secret", severity="medium",
      types=[K + "Secret"], area="identity", category="secret", wa=(*IAM, "SEC02-BP05"), cis_eks=("4.1.6",),
      why="A Secret of type kubernetes.io/service-account-token holds a token that never expires and outlives the "
          "pod that needed it; projected tokens expire and are bound to their pod.",
      fix="Remove the Secret; pods get short-lived projected tokens, and kubectl create token issues one on demand.",
      example='volumes:\n  - name: token\n    projected:\n      sources:\n        - serviceAccountToken: {path: token, expirationSeconds: 3600}')
def sa_token_secret(r: View) -> Any:
    if r.get("type") == "kubernetes.io/service-account-token":
        return Fail("type", "the Secret holds a long-lived service-account token", "kubernetes.io/service-account-token")
    return None


@rule("k8s-pv-host-path", title="PersistentVolumes do not expose a node's file system", severity="high",
      types=[K + "PersistentVolume"], area="infrastructure", category="hardening", wa=PSS,
      why="A hostPath PersistentVolume hands a directory of whichever node the pod lands on to any claim that binds "
          "it: the node's files, credentials and other pods' data.",
      fix="Use a storage class backed by a CSI driver (EBS, EFS) or a local volume with node affinity.",
      example='spec:\n  storageClassName: gp3\n  csi:\n    driver: ebs.csi.aws.com\n    volumeHandle: vol-0123456789abcdef0')
def pv_host_path(r: View) -> Any:
    host = r.get("spec.hostPath")
    if host is None:
        return None
    return Fail("spec.hostPath", f"the volume is {host.get('path') if isinstance(host, dict) else 'a path'} on a node",
                host)
