"""The control plane's own manifests: the flags of kube-apiserver, kube-controller-manager, kube-scheduler, etcd
and the kubelet, where they run as static pods (kubeadm's /etc/kubernetes/manifests) or containers.

Each rule is a row of a table — the component, the flag, what it must be, the CIS Kubernetes Benchmark
recommendation it comes from — and judges the containers whose command runs that component. A managed
control plane (EKS) has no such manifests: the rules say nothing there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wasec.model.kubernetes import pod_spec_path
from wasec.rules.pack.kubernetes import WORKLOADS, containers
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

CONTROL_PLANE = ("SEC06-BP02", "SEC01-BP06")  # reduce attack surface; automate the security baseline
# TLS cipher suites the CIS benchmark accepts (ECDHE with AES-GCM or ChaCha20, and the TLS 1.3 suites)
STRONG_CIPHERS = frozenset({
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
})


@dataclass(frozen=True)
class Flags:
    """A component's command line: each flag's value and the path of the item that set it (the last one wins)."""

    values: dict[str, str]
    where: dict[str, str]
    command_path: str

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def path(self, *names: str) -> str:
        return next((self.where[n] for n in names if n in self.where), self.command_path)

    def listed(self, name: str) -> set[str]:
        return {x.strip() for x in (self.values.get(name) or "").split(",") if x.strip()}


def _flags(r: View, c_path: str, c: dict[str, Any]) -> Flags:
    values: dict[str, str] = {}
    where: dict[str, str] = {}
    for part in ("command", "args"):
        items = c.get(part)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            text = str(item)
            if not text.startswith("--"):
                continue
            name, eq, value = text[2:].partition("=")
            if not eq and i + 1 < len(items) and not str(items[i + 1]).startswith("-"):
                value = str(items[i + 1])  # --flag value
            values[name] = value if (eq or value) else "true"
            where[name] = f"{c_path}.{part}.{i}"
    return Flags(values, where, f"{c_path}.command" if isinstance(c.get("command"), list) else f"{c_path}.args")


def _runs(c: dict[str, Any], component: str) -> bool:
    command = (c.get("command") or c.get("args")) if isinstance(c, dict) else None
    head = command[0] if isinstance(command, list) and command else None
    return isinstance(head, str) and head.rsplit("/", 1)[-1] == component


def _components(props: dict[str, Any], type_: str) -> set[str]:
    """The control-plane programs a pod spec's containers run (read from the plain properties: cheap)."""
    path = pod_spec_path(type_.split("::", 1)[-1], props) or "spec"
    spec: Any = props
    for k in path.split("."):
        spec = spec.get(k) if isinstance(spec, dict) else None
    out = set()
    for kind in ("containers", "initContainers"):
        listed = spec.get(kind) if isinstance(spec, dict) else None
        for c in listed if isinstance(listed, list) else ():
            command = (c.get("command") or c.get("args")) if isinstance(c, dict) else None
            if isinstance(command, list) and command and isinstance(command[0], str):
                out.add(command[0].rsplit("/", 1)[-1])
    return out


# a check: the component's flags → None when they meet the recommendation, else (flags that decided, message)
Check = Callable[[Flags], "tuple[tuple[str, ...], str] | None"]


def _row(rid: str, component: str, title: str, severity: str, cis: str, why: str, fix: str, check: Check,
         example: str) -> None:
    @rule(rid, title=title, severity=severity, types=WORKLOADS, area="infrastructure", category="hardening",
          wa=CONTROL_PLANE, why=f"{why} CIS Kubernetes Benchmark {cis}.", fix=fix,
          example=f"command:\n  - {component}\n  - {example}")
    def judge(r: View) -> Any:
        if component not in _components(r.props, r.type):  # most pods run none: said without walking the View
            return Skip(f"runs no {component}")
        out = []
        for p, c in containers(r):
            if not _runs(c, component):
                continue
            flags = _flags(r, p, c)
            verdict = check(flags)
            if verdict is not None:
                names, message = verdict
                out.append(Fail(flags.path(*names), message, [f"--{n}={flags.get(n)}" for n in names if flags.get(n)]
                                or None))
        return out


def must_be(flag: str, value: str, default: str | None = None) -> Check:
    def check(f: Flags) -> tuple[tuple[str, ...], str] | None:
        got = f.get(flag) if f.get(flag) is not None else default
        return None if (got or "").lower() == value else ((flag,), f"--{flag} is {got if got is not None else 'not set'}"
                                                          f" (must be {value})")
    return check


def must_not_be(flag: str, value: str) -> Check:
    def check(f: Flags) -> tuple[tuple[str, ...], str] | None:
        return ((flag,), f"--{flag} is {value}") if (f.get(flag) or "").lower() == value else None
    return check


def is_set(*flags: str) -> Check:
    def check(f: Flags) -> tuple[tuple[str, ...], str] | None:
        missing = [x for x in flags if not f.get(x)]
        return (tuple(flags), f"{' and '.join('--' + m for m in missing)} not set") if missing else None
    return check


def not_set(flag: str) -> Check:
    def check(f: Flags) -> tuple[tuple[str, ...], str] | None:
        return ((flag,), f"--{flag} is set") if f.get(flag) else None
    return check


def at_least(flag: str, minimum: int) -> Check:
    def check(f: Flags) -> tuple[tuple[str, ...], str] | None:
        got = f.get(flag)
        try:
            ok = got is not None and int(got) >= minimum
        except ValueError:
            ok = False
        return None if ok else ((flag,), f"--{flag} is {got or 'not set'} (at least {minimum})")
    return check


def lists(flag: str, item: str, default: str = "") -> Check:
    def check(f: Flags) -> tuple[tuple[str, ...], str] | None:
        got = f.listed(flag) if f.get(flag) is not None else {x for x in default.split(",") if x}
        return None if item in got else ((flag,), f"--{flag} does not include {item}")
    return check


def lacks(flag: str, item: str, default: str = "") -> Check:
    def check(f: Flags) -> tuple[tuple[str, ...], str] | None:
        got = f.listed(flag) if f.get(flag) is not None else {x for x in default.split(",") if x}
        return ((flag,), f"--{flag} includes {item}") if item in got else None
    return check


def strong_ciphers(flag: str) -> Check:
    def check(f: Flags) -> tuple[tuple[str, ...], str] | None:
        got = f.listed(flag)
        weak = sorted(got - STRONG_CIPHERS)
        if not got:
            return (flag,), f"--{flag} not set: the Go defaults include CBC and RSA key-exchange suites"
        return ((flag,), f"--{flag} includes {', '.join(weak)}") if weak else None
    return check


API = "kube-apiserver"
CM = "kube-controller-manager"
SCHED = "kube-scheduler"
ETCD = "etcd"
KUBELET = "kubelet"
# (id, component, title, severity, CIS recommendation, why, fix, check, example flag)
ROWS: tuple[tuple[str, str, str, str, str, str, str, Check, str], ...] = (
    ("k8s-apiserver-anonymous-auth", API, "The API server refuses anonymous requests", "high", "1.2.1",
     "Anonymous requests reach the API server as system:anonymous; one careless binding exposes the cluster.",
     "Set --anonymous-auth=false (health checks use authenticated probes or /livez with a token).",
     must_be("anonymous-auth", "false", "true"), "--anonymous-auth=false"),
    ("k8s-apiserver-token-auth-file", API, "The API server reads no static token file", "high", "1.2.2",
     "Static tokens never expire and are kept in clear text on the control-plane nodes.",
     "Remove --token-auth-file; authenticate with certificates, OIDC or webhook tokens.",
     not_set("token-auth-file"), "--oidc-issuer-url=https://issuer.example.com"),
    ("k8s-apiserver-basic-auth-file", API, "The API server reads no basic-auth password file", "high", "1.2.2",
     "Passwords in a file on the node never expire and cannot be revoked without a restart.",
     "Remove --basic-auth-file.", not_set("basic-auth-file"), "--client-ca-file=/etc/kubernetes/pki/ca.crt"),
    ("k8s-apiserver-kubelet-https", API, "The API server talks to kubelets over HTTPS", "high", "1.2.3",
     "Over plain HTTP, commands sent to kubelets (exec, logs) and their answers can be read and changed.",
     "Remove --kubelet-https=false.", must_not_be("kubelet-https", "false"), "--kubelet-https=true"),
    ("k8s-apiserver-kubelet-client-cert", API, "The API server authenticates to kubelets with a certificate",
     "high", "1.2.4", "Without a client certificate the kubelets cannot tell the API server from anyone else.",
     "Set --kubelet-client-certificate and --kubelet-client-key.",
     is_set("kubelet-client-certificate", "kubelet-client-key"),
     "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt"),
    ("k8s-apiserver-kubelet-ca", API, "The API server verifies the kubelets' certificates", "high", "1.2.5",
     "Without the kubelet certificate authority the API server sends exec sessions and secrets to whoever answers.",
     "Set --kubelet-certificate-authority.", is_set("kubelet-certificate-authority"),
     "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt"),
    ("k8s-apiserver-authz-always-allow", API, "The API server does not authorize every request", "critical",
     "1.2.6", "AlwaysAllow (the default when --authorization-mode is absent) lets every authenticated request do "
     "anything.", "Set --authorization-mode=Node,RBAC.", lacks("authorization-mode", "AlwaysAllow", "AlwaysAllow"),
     "--authorization-mode=Node,RBAC"),
    ("k8s-apiserver-authz-node", API, "The API server authorizes kubelets with the Node authorizer", "medium",
     "1.2.7", "Without the Node authorizer a kubelet can read every Secret, not only its pods'.",
     "Include Node in --authorization-mode.", lists("authorization-mode", "Node"), "--authorization-mode=Node,RBAC"),
    ("k8s-apiserver-authz-rbac", API, "The API server authorizes with RBAC", "high", "1.2.8",
     "Without RBAC there are no roles: permissions cannot be granted narrowly.",
     "Include RBAC in --authorization-mode.", lists("authorization-mode", "RBAC"), "--authorization-mode=Node,RBAC"),
    ("k8s-apiserver-event-rate-limit", API, "The API server limits the rate of events", "low", "1.2.9",
     "An unthrottled client can flood the API server and etcd with events.",
     "Enable the EventRateLimit admission plugin with a configuration.",
     lists("enable-admission-plugins", "EventRateLimit"), "--enable-admission-plugins=NodeRestriction,EventRateLimit"),
    ("k8s-apiserver-always-admit", API, "The API server does not admit every request", "high", "1.2.10",
     "The AlwaysAdmit plugin turns admission control off.", "Remove AlwaysAdmit from --enable-admission-plugins.",
     lacks("enable-admission-plugins", "AlwaysAdmit"), "--enable-admission-plugins=NodeRestriction"),
    ("k8s-apiserver-always-pull-images", API, "The API server makes every pod pull its images", "low", "1.2.11",
     "With cached images a pod can run a private image without the credentials to pull it.",
     "Enable the AlwaysPullImages admission plugin.", lists("enable-admission-plugins", "AlwaysPullImages"),
     "--enable-admission-plugins=NodeRestriction,AlwaysPullImages"),
    ("k8s-apiserver-service-account-plugin", API, "The ServiceAccount admission plugin is on", "medium", "1.2.13",
     "Without it pods are not bound to service accounts and tokens are not managed.",
     "Remove ServiceAccount from --disable-admission-plugins.", lacks("disable-admission-plugins", "ServiceAccount"),
     "--disable-admission-plugins=DefaultStorageClass"),
    ("k8s-apiserver-namespace-lifecycle", API, "The NamespaceLifecycle admission plugin is on", "medium", "1.2.14",
     "Without it objects can be created in namespaces being deleted or that do not exist.",
     "Remove NamespaceLifecycle from --disable-admission-plugins.",
     lacks("disable-admission-plugins", "NamespaceLifecycle"), "--disable-admission-plugins=DefaultStorageClass"),
    ("k8s-apiserver-node-restriction", API, "The NodeRestriction admission plugin is on", "medium", "1.2.15",
     "Without it a kubelet may change other nodes and pods it does not run.",
     "Add NodeRestriction to --enable-admission-plugins.", lists("enable-admission-plugins", "NodeRestriction"),
     "--enable-admission-plugins=NodeRestriction"),
    ("k8s-apiserver-insecure-bind-address", API, "The API server has no insecure bind address", "critical", "1.2.16",
     "The insecure address serves the API without authentication or authorization.",
     "Remove --insecure-bind-address.", not_set("insecure-bind-address"), "--bind-address=0.0.0.0"),
    ("k8s-apiserver-insecure-port", API, "The API server's insecure port is off", "critical", "1.2.16",
     "The insecure port serves the API without authentication or authorization.",
     "Set --insecure-port=0 (or remove it on Kubernetes 1.20 and later).",
     lambda f: None if f.get("insecure-port") in (None, "0") else (("insecure-port",), f"--insecure-port is "
                                                                   f"{f.get('insecure-port')}"), "--insecure-port=0"),
    ("k8s-apiserver-secure-port", API, "The API server serves its secure port", "high", "1.2.17",
     "--secure-port=0 turns HTTPS off.", "Remove --secure-port=0.", must_not_be("secure-port", "0"),
     "--secure-port=6443"),
    ("k8s-apiserver-profiling", API, "The API server does not expose profiling", "low", "1.2.18",
     "Profiling endpoints reveal the program's internals and cost CPU on demand.", "Set --profiling=false.",
     must_be("profiling", "false", "true"), "--profiling=false"),
    ("k8s-apiserver-audit-log", API, "The API server writes an audit log", "high", "1.2.19",
     "Without an audit log nobody can tell who did what to the cluster.", "Set --audit-log-path and an audit policy.",
     is_set("audit-log-path"), "--audit-log-path=/var/log/kubernetes/audit.log"),
    ("k8s-apiserver-audit-log-maxage", API, "The API server keeps audit logs 30 days", "low", "1.2.20",
     "An investigation needs the days before an incident was noticed.", "Set --audit-log-maxage=30 or more.",
     at_least("audit-log-maxage", 30), "--audit-log-maxage=30"),
    ("k8s-apiserver-audit-log-maxbackup", API, "The API server keeps 10 audit log files", "low", "1.2.21",
     "Too few rotated files lose the history.", "Set --audit-log-maxbackup=10 or more.",
     at_least("audit-log-maxbackup", 10), "--audit-log-maxbackup=10"),
    ("k8s-apiserver-audit-log-maxsize", API, "The API server rotates audit logs at 100 MB", "low", "1.2.22",
     "Small files rotate the history away within hours on a busy cluster.", "Set --audit-log-maxsize=100 or more.",
     at_least("audit-log-maxsize", 100), "--audit-log-maxsize=100"),
    ("k8s-apiserver-service-account-lookup", API, "The API server checks that service-account tokens still exist",
     "medium", "1.2.24", "Without the lookup a token of a deleted service account keeps working.",
     "Remove --service-account-lookup=false.", must_not_be("service-account-lookup", "false"),
     "--service-account-lookup=true"),
    ("k8s-apiserver-service-account-key", API, "The API server verifies service-account tokens with a key of its "
     "own", "medium", "1.2.25", "Without it the serving key signs tokens: rotating one rotates both.",
     "Set --service-account-key-file.", is_set("service-account-key-file"),
     "--service-account-key-file=/etc/kubernetes/pki/sa.pub"),
    ("k8s-apiserver-etcd-client-cert", API, "The API server authenticates to etcd with a certificate", "high",
     "1.2.26", "etcd holds every Secret: it must know the API server from anyone else.",
     "Set --etcd-certfile and --etcd-keyfile.", is_set("etcd-certfile", "etcd-keyfile"),
     "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt"),
    ("k8s-apiserver-tls", API, "The API server serves a TLS certificate of its own", "high", "1.2.27",
     "Without --tls-cert-file the API server makes a self-signed certificate clients cannot verify.",
     "Set --tls-cert-file and --tls-private-key-file.", is_set("tls-cert-file", "tls-private-key-file"),
     "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt"),
    ("k8s-apiserver-client-ca", API, "The API server verifies client certificates", "high", "1.2.28",
     "Without a client CA certificate authentication is off.", "Set --client-ca-file.", is_set("client-ca-file"),
     "--client-ca-file=/etc/kubernetes/pki/ca.crt"),
    ("k8s-apiserver-etcd-ca", API, "The API server verifies etcd's certificate", "high", "1.2.29",
     "Without the etcd CA the API server would send Secrets to an impostor.", "Set --etcd-cafile.",
     is_set("etcd-cafile"), "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt"),
    ("k8s-apiserver-encryption", API, "The API server encrypts Secrets in etcd", "high", "1.2.30",
     "Without an encryption configuration Secrets are stored in etcd, and its backups, in clear text.",
     "Set --encryption-provider-config (KMS v2 preferred).", is_set("encryption-provider-config"),
     "--encryption-provider-config=/etc/kubernetes/encryption.yaml"),
    ("k8s-apiserver-tls-ciphers", API, "The API server offers only strong TLS cipher suites", "medium", "1.2.32",
     "Weak suites (CBC, RSA key exchange, 3DES) let an observer decrypt or tamper.",
     "Set --tls-cipher-suites to ECDHE suites with AES-GCM or ChaCha20.", strong_ciphers("tls-cipher-suites"),
     "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    ("k8s-controller-manager-gc-threshold", CM, "The controller manager collects terminated pods", "low", "1.3.1",
     "Without a threshold terminated pods pile up until etcd and the API server slow down.",
     "Set --terminated-pod-gc-threshold (for example 10).", is_set("terminated-pod-gc-threshold"),
     "--terminated-pod-gc-threshold=10"),
    ("k8s-controller-manager-profiling", CM, "The controller manager does not expose profiling", "low", "1.3.2",
     "Profiling endpoints reveal the program's internals.", "Set --profiling=false.",
     must_be("profiling", "false", "true"), "--profiling=false"),
    ("k8s-controller-manager-sa-credentials", CM, "Each controller uses a service account of its own", "medium",
     "1.3.3", "With one shared credential every controller holds every controller's permissions.",
     "Set --use-service-account-credentials=true.", must_be("use-service-account-credentials", "true"),
     "--use-service-account-credentials=true"),
    ("k8s-controller-manager-sa-key", CM, "The controller manager signs service-account tokens with a key of its "
     "own", "medium", "1.3.4", "Without it tokens cannot be rotated apart from the serving key.",
     "Set --service-account-private-key-file.", is_set("service-account-private-key-file"),
     "--service-account-private-key-file=/etc/kubernetes/pki/sa.key"),
    ("k8s-controller-manager-root-ca", CM, "Pods receive the cluster CA to verify the API server", "medium", "1.3.5",
     "Without --root-ca-file pods cannot verify the API server's certificate.", "Set --root-ca-file.",
     is_set("root-ca-file"), "--root-ca-file=/etc/kubernetes/pki/ca.crt"),
    ("k8s-controller-manager-rotate-server-certs", CM, "Kubelet serving certificates are rotated", "medium", "1.3.6",
     "Unrotated certificates outlive their keys' exposure.", "Leave the RotateKubeletServerCertificate feature on.",
     lambda f: (("feature-gates",), "--feature-gates turns RotateKubeletServerCertificate off")
     if "RotateKubeletServerCertificate=false" in f.listed("feature-gates") else None,
     "--feature-gates=RotateKubeletServerCertificate=true"),
    ("k8s-controller-manager-bind-address", CM, "The controller manager listens on loopback only", "medium", "1.3.7",
     "Its metrics and health endpoints are for the node itself.", "Set --bind-address=127.0.0.1.",
     must_be("bind-address", "127.0.0.1", "0.0.0.0"), "--bind-address=127.0.0.1"),
    ("k8s-scheduler-profiling", SCHED, "The scheduler does not expose profiling", "low", "1.4.1",
     "Profiling endpoints reveal the program's internals.", "Set --profiling=false.",
     must_be("profiling", "false", "true"), "--profiling=false"),
    ("k8s-scheduler-bind-address", SCHED, "The scheduler listens on loopback only", "medium", "1.4.2",
     "Its metrics and health endpoints are for the node itself.", "Set --bind-address=127.0.0.1.",
     must_be("bind-address", "127.0.0.1", "0.0.0.0"), "--bind-address=127.0.0.1"),
    ("k8s-etcd-tls", ETCD, "etcd serves clients over TLS", "high", "2.1",
     "etcd holds every Secret of the cluster: in clear text on the wire they can be read.",
     "Set --cert-file and --key-file.", is_set("cert-file", "key-file"), "--cert-file=/etc/kubernetes/pki/etcd/server.crt"),
    ("k8s-etcd-client-cert-auth", ETCD, "etcd requires client certificates", "high", "2.2",
     "Without client authentication anyone who reaches etcd reads and writes the cluster's state.",
     "Set --client-cert-auth=true.", must_be("client-cert-auth", "true"), "--client-cert-auth=true"),
    ("k8s-etcd-auto-tls", ETCD, "etcd does not serve self-signed certificates", "medium", "2.3",
     "Auto TLS certificates cannot be verified by clients.", "Remove --auto-tls=true.",
     must_not_be("auto-tls", "true"), "--auto-tls=false"),
    ("k8s-etcd-peer-tls", ETCD, "etcd members talk over TLS", "high", "2.4",
     "Replication between members carries every Secret.", "Set --peer-cert-file and --peer-key-file.",
     is_set("peer-cert-file", "peer-key-file"), "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt"),
    ("k8s-etcd-peer-client-cert-auth", ETCD, "etcd members authenticate each other", "high", "2.5",
     "Without peer authentication any host can join the cluster's database.", "Set --peer-client-cert-auth=true.",
     must_be("peer-client-cert-auth", "true"), "--peer-client-cert-auth=true"),
    ("k8s-etcd-peer-auto-tls", ETCD, "etcd members do not use self-signed certificates", "medium", "2.6",
     "Auto TLS certificates between members cannot be verified.", "Remove --peer-auto-tls=true.",
     must_not_be("peer-auto-tls", "true"), "--peer-auto-tls=false"),
    ("k8s-kubelet-anonymous-auth", KUBELET, "The kubelet refuses anonymous requests", "high", "4.2.1",
     "An anonymous request to the kubelet's API can read pods, logs and, with a careless binding, exec.",
     "Set --anonymous-auth=false.", must_be("anonymous-auth", "false", "true"), "--anonymous-auth=false"),
    ("k8s-kubelet-authz-mode", KUBELET, "The kubelet authorizes requests through the API server", "critical", "4.2.2",
     "AlwaysAllow lets anyone who reaches the kubelet run commands in every pod of the node.",
     "Set --authorization-mode=Webhook.", lacks("authorization-mode", "AlwaysAllow", "AlwaysAllow"),
     "--authorization-mode=Webhook"),
    ("k8s-kubelet-client-ca", KUBELET, "The kubelet verifies client certificates", "high", "4.2.3",
     "Without a client CA the kubelet cannot authenticate the API server.", "Set --client-ca-file.",
     is_set("client-ca-file"), "--client-ca-file=/etc/kubernetes/pki/ca.crt"),
    ("k8s-kubelet-read-only-port", KUBELET, "The kubelet's read-only port is off", "medium", "4.2.4",
     "The read-only port serves pod specs and metrics to anyone, without authentication.",
     "Set --read-only-port=0.", must_be("read-only-port", "0", "10255"), "--read-only-port=0"),
    ("k8s-kubelet-streaming-timeout", KUBELET, "Idle exec and port-forward sessions time out", "low", "4.2.5",
     "A streaming connection that never times out keeps a forgotten session open.",
     "Leave --streaming-connection-idle-timeout at a few hours, never 0.",
     must_not_be("streaming-connection-idle-timeout", "0"), "--streaming-connection-idle-timeout=4h0m0s"),
    ("k8s-kubelet-protect-kernel-defaults", KUBELET, "The kubelet protects the kernel's defaults", "low", "4.2.6",
     "Without it the kubelet changes kernel settings to suit itself.", "Set --protect-kernel-defaults=true.",
     must_be("protect-kernel-defaults", "true"), "--protect-kernel-defaults=true"),
    ("k8s-kubelet-iptables-util-chains", KUBELET, "The kubelet manages its iptables chains", "low", "4.2.7",
     "Without it the node's firewall rules drift from what Kubernetes expects.",
     "Remove --make-iptables-util-chains=false.", must_not_be("make-iptables-util-chains", "false"),
     "--make-iptables-util-chains=true"),
    ("k8s-kubelet-hostname-override", KUBELET, "The kubelet does not override its hostname", "low", "4.2.8",
     "An overridden name breaks the match between the node and its certificate.",
     "Remove --hostname-override.", not_set("hostname-override"), "--node-ip=10.0.0.5"),
    ("k8s-kubelet-tls", KUBELET, "The kubelet serves a TLS certificate of its own", "medium", "4.2.10",
     "A self-signed kubelet certificate cannot be verified by the API server.",
     "Set --tls-cert-file and --tls-private-key-file (or rotate serving certificates).",
     is_set("tls-cert-file", "tls-private-key-file"), "--tls-cert-file=/var/lib/kubelet/pki/kubelet.crt"),
    ("k8s-kubelet-rotate-certificates", KUBELET, "The kubelet rotates its client certificate", "medium", "4.2.11",
     "A certificate that is never rotated outlives any exposure of its key.",
     "Remove --rotate-certificates=false.", must_not_be("rotate-certificates", "false"), "--rotate-certificates=true"),
    ("k8s-kubelet-rotate-server-certificates", KUBELET, "The kubelet rotates its serving certificate", "medium",
     "4.2.12", "A serving certificate that is never rotated outlives any exposure of its key.",
     "Set --rotate-server-certificates=true.", must_be("rotate-server-certificates", "true"),
     "--rotate-server-certificates=true"),
    ("k8s-kubelet-tls-ciphers", KUBELET, "The kubelet offers only strong TLS cipher suites", "medium", "4.2.13",
     "Weak suites let an observer decrypt or tamper with exec sessions and logs.",
     "Set --tls-cipher-suites to ECDHE suites with AES-GCM or ChaCha20.", strong_ciphers("tls-cipher-suites"),
     "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
)

for _row_args in ROWS:
    _row(*_row_args)
