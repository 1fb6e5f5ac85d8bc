"""Kubernetes workloads, RBAC, configuration and network policies (manifests, rendered Helm, Kustomize).

The Pod Security Standards come first, one rule per control, each naming its profile (baseline or
restricted) as the Kubernetes documentation defines it; then what the standards leave out: secrets
in ConfigMaps and environment literals, images without a digest, resource limits, service-account
tokens, RBAC that grants too much, namespaces without a default-deny NetworkPolicy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from wasec.analyzers.inline_secrets import redact, secret_env
from wasec.model.kubernetes import POD_SPEC, WORKLOAD, pod_spec_path
from wasec.model.values import UnknownValue
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

K = "Kubernetes::"
# every workload kind, and any other object that carries a pod template (Knative, Argo Rollouts, custom resources)
WORKLOADS = [K + k for k in POD_SPEC] + [WORKLOAD]
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
PSS = ("SEC06-BP02", "SEC06-BP03")  # compute protection: reduce attack surface, managed services' hardening
NETWORK = ("SEC05-BP02",)
IAM = ("SEC03-BP02",)
SECRETS = ("SEC02-BP03",)
DOCS = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"


def spec_path(r: View) -> str:
    return pod_spec_path(r.type[len(K):], r.props) or "spec"


def containers(r: View) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, container) for every init, regular and ephemeral container of the pod spec."""
    base = spec_path(r)
    for kind in CONTAINER_LISTS:
        for path, c in r.items(f"{base}.{kind}"):
            if isinstance(c, dict):
                yield path, c


def cname(c: dict[str, Any]) -> str:
    """A container's name in messages (Knative's single container may have none)."""
    return str(c.get("name") or "(unnamed)")


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def windows(r: View) -> bool:
    return str(r.get(f"{spec_path(r)}.os.name", "")).lower() == "windows"


def workload_rule(id: str, title: str, severity: str, profile: str, why: str, fix: str, *, wa: tuple[str, ...] = PSS,
                  cis_eks: tuple[str, ...] = (), category: str = "hardening", example: str = "",
                  optional: bool = False) -> Callable[[Callable[[View], Any]], Callable[[View], Any]]:
    """A rule over every workload kind's pod spec; ``profile`` names the Pod Security Standard it enforces."""
    named = f"{title} (PSS {profile})" if profile else title
    return rule(id, title=named, severity=severity, types=WORKLOADS, area="infrastructure", category=category, wa=wa,
                cis_eks=cis_eks, why=why + (f" Pod Security Standards, {profile} profile ({DOCS})." if profile else ""),
                fix=fix, example=example, optional=optional)


def _ctx(r: View, c_path: str, field: str) -> Any:
    """A container's security-context field, falling back to the pod's (what the kubelet applies)."""
    v = r.get(f"{c_path}.securityContext.{field}")
    return v if v is not None else r.get(f"{spec_path(r)}.securityContext.{field}")


# -- baseline -------------------------------------------------------------------------------------

@workload_rule("k8s-host-process", "Windows pods do not run as HostProcess containers", "critical", "baseline",
               "A HostProcess container has privileged access to the Windows node.",
               "Remove securityContext.windowsOptions.hostProcess (or set it to false).",
      example='securityContext:\n  windowsOptions:\n    hostProcess: false')
def host_process(r: View) -> Any:
    if r.get(f"{spec_path(r)}.securityContext.windowsOptions.hostProcess") is True:
        return Fail(f"{spec_path(r)}.securityContext.windowsOptions.hostProcess", "the pod runs as a HostProcess", True)
    return [Fail(f"{p}.securityContext.windowsOptions.hostProcess", f"container {cname(c)} is a HostProcess", True)
            for p, c in containers(r) if r.get(f"{p}.securityContext.windowsOptions.hostProcess") is True]


@workload_rule("k8s-host-namespaces", "Pods do not share the node's network, PID or IPC namespace", "high", "baseline",
               "A pod in the node's namespaces sees the node's processes, inter-process communication and network "
               "traffic, and escapes NetworkPolicy.", "Remove hostNetwork, hostPID and hostIPC (or set them to false).",
               cis_eks=("4.2.2", "4.2.3", "4.2.4"),
      example='spec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false')
def host_namespaces(r: View) -> Any:
    base = spec_path(r)
    return [Fail(f"{base}.{f}", f"{f} is true", True) for f in ("hostNetwork", "hostPID", "hostIPC")
            if r.get(f"{base}.{f}") is True]


@workload_rule("k8s-privileged", "Containers are not privileged", "critical", "baseline",
               "A privileged container has every capability and every device of the node: it is root on the node.",
               "Remove securityContext.privileged (or set it to false).", cis_eks=("4.2.1",),
      example='securityContext:\n  privileged: false')
def privileged(r: View) -> Any:
    return [Fail(f"{p}.securityContext.privileged", f"container {cname(c)} is privileged", True)
            for p, c in containers(r) if r.get(f"{p}.securityContext.privileged") is True]


BASELINE_CAPS = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                           "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})


def _cap(v: Any) -> str:
    return str(v).upper().removeprefix("CAP_")


@workload_rule("k8s-capabilities-baseline", "Containers add no capability beyond the default set", "high", "baseline",
               "Capabilities such as SYS_ADMIN, NET_RAW or SYS_PTRACE give a container powers over the node and its "
               "neighbours.", "Add only capabilities of the default set (or none); drop ALL and add back what is needed.",
               cis_eks=("4.2.7", "4.2.8"),
      example='securityContext:\n  capabilities:\n    drop: ["ALL"]\n    add: ["NET_BIND_SERVICE"]')
def capabilities_baseline(r: View) -> Any:
    out = []
    for p, c in containers(r):
        for q, cap in r.items(f"{p}.securityContext.capabilities.add"):
            if _cap(cap) not in BASELINE_CAPS:
                out.append(Fail(q, f"container {cname(c)} adds {cap}", cap))
    return out


@workload_rule("k8s-host-path", "Pods mount no hostPath volume", "high", "baseline",
               "A hostPath volume exposes the node's file system: its credentials, the container runtime's socket, "
               "other pods' data.", "Use a persistentVolumeClaim, configMap, secret or emptyDir volume instead.",
               cis_eks=("4.2.9",),
      example='volumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: data')
def host_path(r: View) -> Any:
    return [Fail(f"{p}.hostPath", f"volume {v.get('name')} mounts {v['hostPath'].get('path') if isinstance(v['hostPath'], dict) else 'a host path'} from the node",
                 v["hostPath"]) for p, v in r.items(f"{spec_path(r)}.volumes") if isinstance(v, dict) and v.get("hostPath") is not None]


@workload_rule("k8s-host-ports", "Containers bind no host port", "medium", "baseline",
               "A host port exposes the container on the node's address, outside Services and NetworkPolicy.",
               "Remove ports[].hostPort; expose the pod through a Service.", wa=(*PSS, *NETWORK), category="network",
      example='ports:\n  - containerPort: 8080  # no hostPort: expose it through a Service')
def host_ports(r: View) -> Any:
    out = []
    for p, c in containers(r):
        for q, port in r.items(f"{p}.ports"):
            if isinstance(port, dict) and port.get("hostPort") not in (None, 0):
                out.append(Fail(f"{q}.hostPort", f"container {cname(c)} binds host port {port['hostPort']}",
                                port["hostPort"]))
    return out


_APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def _meta_path(r: View) -> str:
    base = spec_path(r)
    return "metadata" if base == "spec" else base[: -len("spec")] + "metadata"


@workload_rule("k8s-apparmor", "AppArmor is not turned off", "high", "baseline",
               "An unconfined container loses the AppArmor profile the runtime applies by default.",
               "Leave appArmorProfile unset, or use RuntimeDefault or a Localhost profile.",
      example='securityContext:\n  appArmorProfile:\n    type: RuntimeDefault')
def apparmor(r: View) -> Any:
    out = []
    base = spec_path(r)
    for p in [base] + [q for q, _ in containers(r)]:
        t = r.get(f"{p}.securityContext.appArmorProfile.type")
        if t is not None and t not in ("RuntimeDefault", "Localhost"):
            out.append(Fail(f"{p}.securityContext.appArmorProfile.type", f"the AppArmor profile is {t}", t))
    annotations = r.get(f"{_meta_path(r)}.annotations") or {}
    if isinstance(annotations, dict):
        for k, v in annotations.items():
            if str(k).startswith(_APPARMOR_ANNOTATION) and not (v == "runtime/default" or str(v).startswith("localhost/")):
                out.append(Fail(f"{_meta_path(r)}.annotations", f"annotation {k} is {v}", v))
    return out


SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})


@workload_rule("k8s-selinux", "SELinux options keep containers confined", "high", "baseline",
               "A custom SELinux user or role, or a type other than the container types, can lift the confinement "
               "that keeps a container from the node.", "Set only seLinuxOptions.level (or a container_t type).",
      example='securityContext:\n  seLinuxOptions:\n    level: "s0:c123,c456"')
def selinux(r: View) -> Any:
    out = []
    for p in [spec_path(r)] + [q for q, _ in containers(r)]:
        opts = r.get(f"{p}.securityContext.seLinuxOptions")
        if not isinstance(opts, dict):
            continue
        if opts.get("type") is not None and not (isinstance(opts["type"], str) and opts["type"] in SELINUX_TYPES):
            out.append(Fail(f"{p}.securityContext.seLinuxOptions.type", f"SELinux type {opts['type']}", opts["type"]))
        for f in ("user", "role"):
            if opts.get(f):
                out.append(Fail(f"{p}.securityContext.seLinuxOptions.{f}", f"a custom SELinux {f} is set", opts[f]))
    return out


@workload_rule("k8s-proc-mount", "Containers keep the default /proc mount", "high", "baseline",
               "An unmasked /proc exposes the node's kernel interfaces to the container.",
               "Remove securityContext.procMount (or set it to Default).",
      example='securityContext:\n  procMount: Default')
def proc_mount(r: View) -> Any:
    return [Fail(f"{p}.securityContext.procMount", f"container {cname(c)} mounts /proc unmasked",
                 r.get(f"{p}.securityContext.procMount")) for p, c in containers(r)
            if r.get(f"{p}.securityContext.procMount") not in (None, "Default")]


@workload_rule("k8s-seccomp-baseline", "Seccomp is not turned off", "high", "baseline",
               "An Unconfined seccomp profile lets a container make every system call, kernel exploits included.",
               "Set seccompProfile.type to RuntimeDefault (or Localhost).", cis_eks=("4.6.2",),
      example='securityContext:\n  seccompProfile:\n    type: RuntimeDefault')
def seccomp_baseline(r: View) -> Any:
    out = [Fail(f"{p}.securityContext.seccompProfile.type", "the seccomp profile is Unconfined", "Unconfined")
           for p in [spec_path(r)] + [q for q, _ in containers(r)]
           if r.get(f"{p}.securityContext.seccompProfile.type") == "Unconfined"]
    for key, value in _seccomp_annotations(r).items():
        if value == "Unconfined":
            out.append(Fail(f"{_meta_path(r)}.annotations", f"annotation {key} is unconfined", "unconfined"))
    return out


_SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP_CONTAINER = "container.seccomp.security.alpha.kubernetes.io/"
_SECCOMP_VALUES = {"unconfined": "Unconfined", "runtime/default": "RuntimeDefault", "docker/default": "RuntimeDefault"}


def _seccomp_annotations(r: View) -> dict[str, str]:
    """The legacy seccomp annotations, as the profile type each stands for (what the API server read them as)."""
    annotations = r.get(f"{_meta_path(r)}.annotations") or {}
    out = {}
    for k, v in annotations.items() if isinstance(annotations, dict) else ():
        if k == _SECCOMP_POD or str(k).startswith(_SECCOMP_CONTAINER):
            text = str(v)
            out[str(k)] = "Localhost" if text.startswith("localhost/") else _SECCOMP_VALUES.get(text, text)
    return out


SAFE_SYSCTLS = frozenset({"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
                          "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                          "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                          "net.ipv4.tcp_keepalive_probes"})


@workload_rule("k8s-sysctls", "Pods set only namespaced, safe sysctls", "high", "baseline",
               "Other sysctls change the node's kernel for every pod on it.", "Set only the safe sysctls.",
      example='securityContext:\n  sysctls:\n    - name: net.ipv4.ip_local_port_range\n      value: "1024 65535"')
def sysctls(r: View) -> Any:
    # a sysctl may be written with slashes (kernel/shm_rmid_forced): Kubernetes reads it as the dotted name
    return [Fail(f"{p}.name", f"sysctl {s.get('name')} is not in the safe set", s.get("name"))
            for p, s in r.items(f"{spec_path(r)}.securityContext.sysctls")
            if isinstance(s, dict) and not (isinstance(s.get("name"), str) and _dotted(s["name"]) in SAFE_SYSCTLS)]


def _dotted(name: str) -> str:
    """A sysctl name with '/' separators in its dotted form (a '.' inside a slashed segment is part of the name)."""
    return name.replace(".", "\0").replace("/", ".").replace("\0", "/") if "/" in name else name


# -- restricted -----------------------------------------------------------------------------------

RESTRICTED_VOLUMES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                                "projected", "secret"})


@workload_rule("k8s-volume-types", "Pods use only the restricted volume types", "medium", "restricted",
               "Other volume types reach storage the pod's namespace does not own (the node, network file systems, "
               "cloud disks by id).", "Use configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, "
               "projected or secret volumes.",
      example='volumes:\n  - name: config\n    configMap:\n      name: app')
def volume_types(r: View) -> Any:
    out = []
    for p, v in r.items(f"{spec_path(r)}.volumes"):
        if not isinstance(v, dict):
            continue
        kinds = [k for k in v if k != "name"]
        bad = [k for k in kinds if k not in RESTRICTED_VOLUMES]
        if bad:
            out.append(Fail(f"{p}.{bad[0]}", f"volume {v.get('name')} is of type {bad[0]}", bad[0]))
    return out


@workload_rule("k8s-privilege-escalation", "Containers cannot gain more privileges than their parent", "high",
               "restricted", "Without allowPrivilegeEscalation: false, a setuid binary in the image can make the "
               "process root.", "Set securityContext.allowPrivilegeEscalation: false on every container.",
               cis_eks=("4.2.5",),
      example='securityContext:\n  allowPrivilegeEscalation: false')
def privilege_escalation(r: View) -> Any:
    if windows(r):
        return Skip("Windows pods")
    return [Fail(f"{p}.securityContext.allowPrivilegeEscalation", f"container {cname(c)} may escalate privileges",
                 r.get(f"{p}.securityContext.allowPrivilegeEscalation"))
            for p, c in containers(r) if r.get(f"{p}.securityContext.allowPrivilegeEscalation") is not False]


@workload_rule("k8s-run-as-non-root", "Containers must run as a non-root user", "high", "restricted",
               "A container running as root is one kernel or runtime flaw away from root on the node.",
               "Set securityContext.runAsNonRoot: true on the pod (or every container).", cis_eks=("4.2.6",),
      example='spec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001')
def run_as_non_root(r: View) -> Any:
    pod = r.get(f"{spec_path(r)}.securityContext.runAsNonRoot")
    out = []
    for p, c in containers(r):
        own = r.get(f"{p}.securityContext.runAsNonRoot")
        if own is False or (own is None and pod is not True):
            out.append(Fail(f"{p}.securityContext.runAsNonRoot", f"container {cname(c)} may run as root", own))
    return out


@workload_rule("k8s-run-as-user-root", "No container is set to run as UID 0", "high", "restricted",
               "runAsUser: 0 runs the container as root whatever the image says.",
               "Set runAsUser to a non-zero UID (or leave it to the image's non-root user).", cis_eks=("4.2.6",),
      example='securityContext:\n  runAsUser: 10001')
def run_as_user_root(r: View) -> Any:
    out = []
    for p in [spec_path(r)] + [q for q, _ in containers(r)]:
        if r.get(f"{p}.securityContext.runAsUser") == 0:
            out.append(Fail(f"{p}.securityContext.runAsUser", "runAsUser is 0 (root)", 0))
    return out


@workload_rule("k8s-seccomp-restricted", "Seccomp is RuntimeDefault or Localhost", "medium", "restricted",
               "Without a seccomp profile a container may make every system call the kernel offers.",
               "Set securityContext.seccompProfile.type: RuntimeDefault on the pod.", cis_eks=("4.6.2",),
      example='spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault')
def seccomp_restricted(r: View) -> Any:
    if windows(r):
        return Skip("Windows pods")
    legacy = _seccomp_annotations(r)
    pod = r.get(f"{spec_path(r)}.securityContext.seccompProfile.type")
    pod = pod if pod is not None else legacy.get(_SECCOMP_POD)
    out = []
    for p, c in containers(r):
        own = r.get(f"{p}.securityContext.seccompProfile.type")
        own = own if own is not None else legacy.get(_SECCOMP_CONTAINER + str(c.get("name")))
        t = own if own is not None else pod
        if t not in ("RuntimeDefault", "Localhost"):
            out.append(Fail(f"{p}.securityContext.seccompProfile.type",
                            f"container {cname(c)} has {'no seccomp profile' if t is None else t}", t))
    return out


@workload_rule("k8s-capabilities-restricted", "Containers drop ALL capabilities and add back only NET_BIND_SERVICE",
               "medium", "restricted", "Every capability a container keeps is a power an attacker in it inherits.",
               "Set securityContext.capabilities.drop: [ALL] (add: [NET_BIND_SERVICE] if it binds a low port).",
               cis_eks=("4.2.7", "4.2.8"),
      example='securityContext:\n  capabilities:\n    drop: ["ALL"]')
def capabilities_restricted(r: View) -> Any:
    if windows(r):
        return Skip("Windows pods")
    out = []
    for p, c in containers(r):
        drop = r.get(f"{p}.securityContext.capabilities.drop") or []
        if not isinstance(drop, list) or "ALL" not in [_cap(x) for x in drop]:
            out.append(Fail(f"{p}.securityContext.capabilities.drop", f"container {cname(c)} does not drop ALL",
                            drop or None))
        for q, cap in r.items(f"{p}.securityContext.capabilities.add"):
            if _cap(cap) != "NET_BIND_SERVICE":
                out.append(Fail(q, f"container {cname(c)} adds {cap}", cap))
    return out


# -- beyond the standards -------------------------------------------------------------------------

def _image(c: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference."""
    ref = str(c.get("image", ""))
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    name, _, tag = ref.rpartition(":")
    if not name or "/" in tag:  # no tag (a registry port is not a tag)
        return ref, None, digest
    return name, tag, digest


@workload_rule("k8s-image-latest", "Images name a version, not latest", "medium", "",
               "latest (or no tag) runs whatever was pushed last: an untested image, or an attacker's, with no way to "
               "say which one ran.", "Pin the image to a version tag and, better, a digest (image@sha256:…).",
               wa=("SEC06-BP01", "SEC11-BP06"),
      example='image: registry.example.com/shop/web:1.4.2')
def image_latest(r: View) -> Any:
    out = []
    for p, c in containers(r):
        _, tag, digest = _image(c)
        if digest is None and tag in (None, "latest") and c.get("image"):
            out.append(Fail(f"{p}.image", f"container {cname(c)} runs {c.get('image')} ({'latest' if tag else 'no tag'})",
                            c.get("image")))
    return out


@workload_rule("k8s-image-digest", "Images are pinned by digest", "low", "",
               "A tag can be moved to another image; a digest names exactly the image that was scanned and approved.",
               "Reference images as repository@sha256:<digest> (tools such as kustomize or crane resolve it).",
               wa=("SEC06-BP01", "SEC11-BP06"),
      example='image: registry.example.com/shop/web:1.4.2@sha256:<digest>')
def image_digest(r: View) -> Any:
    return [Fail(f"{p}.image", f"container {cname(c)} image {c.get('image')} has no digest", c.get("image"))
            for p, c in containers(r) if _image(c)[2] is None and c.get("image")]


@workload_rule("k8s-resource-limits", "Containers have CPU and memory limits", "medium", "",
               "A container without limits can starve its node: one compromised or runaway pod takes its neighbours "
               "down.", "Set resources.limits.cpu and resources.limits.memory.", wa=("SEC06-BP02", "SEC10-BP01"),
               category="resilience",
      example='resources:\n  requests: {cpu: 100m, memory: 128Mi}\n  limits: {cpu: 500m, memory: 256Mi}')
def resource_limits(r: View) -> Any:
    out = []
    for p, c in containers(r):
        if p.split(".")[-2] == "ephemeralContainers":
            continue  # ephemeral containers take no resources
        limits = r.get(f"{p}.resources.limits") or {}
        missing = [k for k in ("cpu", "memory") if not (isinstance(limits, dict) and limits.get(k))]
        if missing:
            out.append(Fail(f"{p}.resources.limits", f"container {cname(c)} has no {' or '.join(missing)} limit",
                            limits or None))
    return out


def _service_account(r: View) -> str:
    base = spec_path(r)
    return str(r.get(f"{base}.serviceAccountName") or r.get(f"{base}.serviceAccount") or "default")


def _namespace(r: View) -> str:
    return str(r.get("metadata.namespace") or "default")


@workload_rule("k8s-sa-token-automount", "Pods mount a service-account token only when they call the API", "medium", "",
               "A mounted token lets anyone who reaches the container act as its service account against the "
               "Kubernetes API.", "Set automountServiceAccountToken: false on the pod (or its ServiceAccount) unless it "
               "calls the Kubernetes API.", wa=("SEC03-BP02", "SEC06-BP02"), cis_eks=("4.1.6",), category="access",
      example='spec:\n  automountServiceAccountToken: false')
def sa_token_automount(r: View) -> Any:
    path = f"{spec_path(r)}.automountServiceAccountToken"
    own = r.get(path)
    if own is False:
        return None
    if own is None:
        if r.get(f"{spec_path(r)}.serviceAccountName") is not None:
            path = f"{spec_path(r)}.serviceAccountName"
        name, ns = _service_account(r), _namespace(r)
        for sa in r.peers(K + "ServiceAccount"):
            meta = _mapping(sa.properties.get("metadata"))
            if meta.get("name") == name and str(meta.get("namespace") or "default") == ns \
                    and sa.properties.get("automountServiceAccountToken") is False:
                return None
    return Fail(path, f"the pod mounts the token of service account {_service_account(r)}", own)


def _secret_hits(text: str) -> list[str]:
    from wasec.secrets.engine import scan_bytes

    return [h.detector for h in scan_bytes(text.encode("utf-8", "replace")) if h.confidence in ("high", "medium")]


@rule("k8s-secret-in-configmap", title="ConfigMaps hold no secret", severity="high", types=[K + "ConfigMap"],
      area="data", category="secret", wa=SECRETS, cis_eks=("4.4.1",),
      why="A ConfigMap is readable by anyone who may read configuration, logged by tooling and stored unencrypted: "
          "a credential there is a credential shared.",
      fix="Move the value to a Secret (better: an external secret store such as AWS Secrets Manager with the "
          "Secrets Store CSI driver) and reference it.",
      example='env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: password}')
def secret_in_configmap(r: View) -> Any:
    out = []
    for section in ("data", "binaryData"):
        data = r.get(section) or {}
        if not isinstance(data, dict):
            continue
        for key, value in data.items():
            text = str(value)
            hits = _secret_hits(text) if section == "data" else []
            named = "\n" not in text.strip() and secret_env(str(key), text)
            if hits or named:
                out.append(Fail(f"{section}.{key}" if "." not in str(key) else section,
                                f"key {key} holds {'a ' + hits[0] if hits else 'a value named like a secret'} "
                                f"({redact(text.strip())})"))
    return out


@workload_rule("k8s-secret-in-env", "Containers take no secret from an environment literal", "high", "",
               "A literal in the manifest is in every copy of it: the repository, the chart, kubectl's history.",
               "Use env[].valueFrom.secretKeyRef (or a mounted Secret volume) instead of value.",
               wa=SECRETS, cis_eks=("4.4.1",), category="secret",
      example='env:\n  - name: API_TOKEN\n    valueFrom:\n      secretKeyRef: {name: api, key: token}')
def secret_in_env(r: View) -> Any:
    out = []
    for p, c in containers(r):
        for q, e in r.items(f"{p}.env"):
            if not isinstance(e, dict) or not isinstance(e.get("value"), str):
                continue
            value = e["value"].strip()
            hits = _secret_hits(value)
            named = secret_env(str(e.get("name", "")), value)
            if hits or named:
                out.append(Fail(f"{q}.value", f"container {cname(c)} sets {e.get('name')} to "
                                              f"{'a ' + hits[0] if hits else 'a literal'} ({redact(value)})"))
    return out


# -- RBAC -----------------------------------------------------------------------------------------

ROLES = [K + "Role", K + "ClusterRole"]


def _rules(r: View) -> Iterator[tuple[str, dict[str, Any]]]:
    for p, rr in r.items("rules"):
        if isinstance(rr, dict):
            yield p, rr


def _strings(rr: dict[str, Any], p: str, field: str, default: tuple[str, ...] = ()) -> set[str]:
    """A policy rule's list of names; another shape is one the API server refuses, so it is not judged."""
    value = rr.get(field)
    if value is None:
        return set(default)
    if not isinstance(value, list):
        raise UnknownValue(f"{p}.{field} is a {type(value).__name__}, not a list: Kubernetes refuses this object",
                           f"{p}.{field}")
    return {str(v) for v in value}


@rule("k8s-rbac-wildcard", title="Roles grant no wildcard verbs or resources", severity="high", types=ROLES,
      area="identity", category="access", wa=IAM, cis_eks=("4.1.3",),
      why="A wildcard grants every verb or resource, including those added later (custom resources, new APIs).",
      fix="List the verbs and resources the subject needs.",
      example='rules:\n  - apiGroups: ["apps"]\n    resources: ["deployments"]\n    verbs: ["get", "list", "patch"]')
def rbac_wildcard(r: View) -> Any:
    out = []
    for p, rr in _rules(r):
        for f in ("verbs", "resources"):
            if "*" in _strings(rr, p, f):
                out.append(Fail(f"{p}.{f}", f"the rule grants * {f}", rr.get(f)))
    return out


@rule("k8s-rbac-escalation-verbs", title="Roles do not grant escalate, bind or impersonate", severity="high",
      types=ROLES, area="identity", category="access", wa=IAM, cis_eks=("4.1.8",),
      why="escalate and bind let a subject grant itself any role; impersonate lets it act as any user, group or "
          "service account.", fix="Remove escalate, bind and impersonate; keep them for cluster administrators.",
      example='rules:\n  - apiGroups: ["rbac.authorization.k8s.io"]\n    resources: ["rolebindings"]\n    verbs: ["get", "list"]')
def rbac_escalation(r: View) -> Any:
    out = []
    for p, rr in _rules(r):
        verbs = _strings(rr, p, "verbs")
        for v in sorted(verbs & {"escalate", "bind", "impersonate"}):
            out.append(Fail(f"{p}.verbs", f"the rule grants {v} on {', '.join(sorted(_strings(rr, p, 'resources', ('*',))))}", v))
    return out


@rule("k8s-rbac-secrets-cluster-wide", title="No ClusterRole reads Secrets in every namespace", severity="high",
      types=[K + "ClusterRole"], area="identity", category="access", wa=(*IAM, *SECRETS), cis_eks=("4.1.2",),
      why="get, list or watch on secrets cluster-wide reads every credential of every namespace, service-account "
          "tokens included.", fix="Grant Secret access in a Role, in the namespace that needs it, for named secrets "
                                  "(resourceNames).",
      example='kind: Role  # in the namespace that needs it\nrules:\n  - apiGroups: [""]\n    resources: ["secrets"]\n    resourceNames: ["app-tls"]\n    verbs: ["get"]')
def rbac_secrets(r: View) -> Any:
    out = []
    for p, rr in _rules(r):
        resources = _strings(rr, p, "resources")
        verbs = _strings(rr, p, "verbs")
        groups = _strings(rr, p, "apiGroups", ("",))
        if (resources & {"secrets", "*"}) and (verbs & {"get", "list", "watch", "*"}) and (groups & {"", "*"}) \
                and not rr.get("resourceNames"):
            out.append(Fail(f"{p}.resources", f"the rule reads secrets ({', '.join(sorted(verbs))}) in every namespace",
                            sorted(resources)))
    return out


# -- network --------------------------------------------------------------------------------------

def _default_deny(policy: dict[str, Any]) -> bool:
    spec = _mapping(policy.get("spec"))
    selector = spec.get("podSelector")
    if selector not in ({}, None) and selector != {"matchLabels": {}}:
        return False
    types = spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") is not None else ["Ingress"])
    return isinstance(types, list) and "Ingress" in types and not spec.get("ingress")


@rule("k8s-namespace-default-deny", title="Namespaces deny ingress by default", severity="medium",
      types=[K + "Namespace"], area="infrastructure", category="network", wa=NETWORK, cis_eks=("4.3.2",),
      why="Without a default-deny NetworkPolicy every pod accepts traffic from every other pod in the cluster: one "
          "compromised pod reaches them all.",
      fix="Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] (and Egress) to the namespace, then "
          "allow what each workload needs.",
      example='apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: ["Ingress", "Egress"]')
def namespace_default_deny(r: View) -> Any:
    name = str(r.get("metadata.name") or "")
    for np in r.peers(K + "NetworkPolicy"):
        meta = _mapping(np.properties.get("metadata"))
        if str(meta.get("namespace") or "default") == name and _default_deny(np.properties):
            return None
    return Fail("metadata.name", f"no default-deny NetworkPolicy in namespace {name} among the scanned manifests", name)
