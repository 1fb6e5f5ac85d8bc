"""``wasec admission``: the Kubernetes rules as a validating admission webhook."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import Any

import click

from wasec.cli.shared import cli, config_option, fail, guard, ids, long_running

_LEVELS = ["critical", "high", "medium", "low"]


@cli.group("admission")
def admission() -> None:
    """Apply wasec's Kubernetes rules to objects as they are created (a validating admission webhook).

    \b
    wasec admission certs --out certs/                 # a CA and serving certificate (no cert-manager)
    wasec admission serve --cert tls.crt --key tls.key --host 0.0.0.0
    wasec admission config --ca-bundle certs/ca.crt | kubectl apply -f -
    kubectl label namespace shop wasec.io/enforce=high wasec.io/warn=low
    """


def _exemptions(users: tuple[str, ...], groups: tuple[str, ...], namespaces: tuple[str, ...], own: str,
                none: bool) -> Any:
    from wasec.admission.levels import SYSTEM_GROUPS, SYSTEM_NAMESPACES, SYSTEM_USERS, Exemptions

    base_users, base_groups, base_ns = ((), (), ()) if none else (SYSTEM_USERS, SYSTEM_GROUPS, SYSTEM_NAMESPACES)
    return Exemptions(users=(*base_users, *users), groups=(*base_groups, *groups),
                      namespaces=tuple(dict.fromkeys((*base_ns, *((own,) if own else ()), *namespaces))))


exempt_options = [
    click.option("--exempt-user", multiple=True, metavar="NAME", help="Also exempt this user (globs: "
                 "system:serviceaccount:flux-system:*). The control plane's own identities always are, unless "
                 "--no-default-exemptions."),
    click.option("--exempt-group", multiple=True, metavar="NAME", help="Also exempt requests from this group."),
    click.option("--exempt-namespace", multiple=True, metavar="NAME", help="Also exempt objects in this namespace "
                 "(kube-system, kube-public, kube-node-lease and wasec's own are exempt by default)."),
    click.option("--no-default-exemptions", is_flag=True, help="Judge the control plane and system namespaces too "
                 "(can stop the cluster from running itself: only for testing)."),
]


def _with(options: list[Any]) -> Any:
    def deco(fn: Any) -> Any:
        for o in reversed(options):
            fn = o(fn)
        return fn
    return deco


@admission.command("serve")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (PEM) the API server trusts "
              "(read again when the file changes, as cert-manager rotates it).")
@click.option("--key", type=click.Path(exists=True, dir_okay=False), help="Its private key (PEM).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 inside a pod).")
@click.option("--port", type=int, default=8443, show_default=True)
@click.option("--mode", "default_mode", type=click.Choice(["enforce", "warn", "audit"]), default="enforce",
              show_default=True, help="For requests to /validate with no levels in the path (the webhook "
              "configuration's paths name their own).")
@click.option("--fail-on", type=click.Choice(_LEVELS), default="high", show_default=True,
              help="The enforce level of /validate and /validate/enforce: deny at this severity or higher; lower "
                   "ones come back as warnings.")
@click.option("--rules", "rule_ids", multiple=True, metavar="IDS", help="Only these rules (comma-separated).")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), help="Append the decisions (JSON lines) here "
              "(default: standard output).")
@click.option("--namespace", "own_namespace", default=lambda: os.environ.get("POD_NAMESPACE", "wasec"),
              show_default="$POD_NAMESPACE or wasec", help="wasec's own namespace (exempt).")
@click.option("--drain-seconds", type=float, default=25.0, show_default=True,
              help="On SIGTERM, how long the requests in flight may take to finish.")
@click.option("--insecure-http", is_flag=True, help="Serve plain HTTP (for a TLS-terminating sidecar only).")
@_with(exempt_options)
@config_option
@guard
def serve(cert: str | None, key: str | None, host: str, port: int, default_mode: str, fail_on: str,
          rule_ids: tuple[str, ...], log_path: str | None, own_namespace: str, drain_seconds: float,
          insecure_http: bool, exempt_user: tuple[str, ...], exempt_group: tuple[str, ...],
          exempt_namespace: tuple[str, ...], no_default_exemptions: bool, config_path: str | None) -> None:
    """Serve the webhook until SIGTERM; each decision is logged as one JSON line.

    GET /healthz, /readyz (503 while draining) and /metrics (Prometheus) serve probes and monitoring."""
    from wasec.admission.levels import LOWEST, Levels
    from wasec.admission.review import Policy
    from wasec.admission.server import serve as start
    from wasec.config import load_config
    from wasec.model.finding import Severity
    from wasec.scanning import ScanOptions, rules_for

    if not insecure_http and not (cert and key):
        fail("--cert and --key are required (the API server calls webhooks over HTTPS)")
    config = load_config(".", config_path)
    rules, _ = rules_for(ScanOptions(rules=ids(rule_ids)), config)
    rules = [r for r in rules if any(t.startswith("Kubernetes::") for t in r.types)]
    if not rules:
        fail("no Kubernetes rule selected")
    threshold = Severity.parse(fail_on)
    default = Levels.only(default_mode, threshold if default_mode == "enforce" else LOWEST)
    exempt = _exemptions(exempt_user, exempt_group, exempt_namespace, own_namespace, no_default_exemptions)
    log = open(log_path, "a", encoding="utf-8") if log_path else sys.stdout  # noqa: SIM115 (open for the server's life)
    policy = Policy(rules, threshold, config, config.project_root or ".", exempt)
    long_running()
    try:
        server = start(policy, host, port, cert, key, default, log)
    except OSError as e:
        fail(f"cannot listen on {host}:{port}: {e.strerror or e}")
    except Exception as e:  # a certificate or key that does not load
        fail(f"cannot start TLS with {cert} and {key}: {e}")
    scheme = "http" if insecure_http else "https"
    click.echo(f"wasec admission webhook on {scheme}://{host}:{server.server_address[1]}/validate "
               f"({len(rules)} rules; /validate alone: {default_mode}"
               f"{f' at {fail_on}' if default_mode == 'enforce' else ''}; exempt: "
               f"{', '.join(exempt.namespaces) or 'no namespace'})", err=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    drained = server.drain(drain_seconds)
    click.echo("wasec admission webhook stopped" + ("" if drained else " (requests still in flight were cut)"),
               err=True)


@admission.command("config")
@click.option("--service", default="wasec-admission", show_default=True, help="The webhook's Service name.")
@click.option("--namespace", default="wasec", show_default=True, help="The Service's namespace (exempt).")
@click.option("--ca-bundle", "ca_bundle", type=click.Path(dir_okay=False), metavar="PEM",
              help="The CA certificate that signed the webhook's serving certificate (a PEM file).")
@click.option("--cert-manager", "cert_manager", metavar="NAMESPACE/CERTIFICATE",
              help="Let cert-manager's CA injector fill the bundle from this Certificate instead of --ca-bundle.")
@click.option("--cluster", "cluster_levels", metavar="LEVELS", help="Also judge cluster-scoped kinds (ClusterRoles, "
              "Namespaces …) at these levels, e.g. enforce=critical,warn=low. Without it they are not judged.")
@click.option("--timeout", type=click.IntRange(1, 30), default=5, show_default=True, help="Seconds the API server "
              "waits for an answer.")
@click.option("--rules", "rule_ids", multiple=True, metavar="IDS", help="Only the kinds these rules judge.")
@_with(exempt_options)
@guard
def config(service: str, namespace: str, ca_bundle: str | None, cert_manager: str | None, cluster_levels: str | None,
           timeout: int, rule_ids: tuple[str, ...], exempt_user: tuple[str, ...], exempt_group: tuple[str, ...],
           exempt_namespace: tuple[str, ...], no_default_exemptions: bool) -> None:
    """Print the ValidatingWebhookConfiguration: levels chosen per namespace by the labels wasec.io/enforce,
    wasec.io/warn and wasec.io/audit (critical, high, medium or low), as Pod Security Admission's are."""
    import yaml

    from wasec.admission.webhooks import configuration, parse_levels
    from wasec.config import load_config
    from wasec.scanning import ScanOptions, rules_for

    if bool(ca_bundle) == bool(cert_manager):
        fail("name the CA that signed the webhook's certificate: --ca-bundle ca.crt (wasec admission certs writes "
             "one), or --cert-manager NAMESPACE/CERTIFICATE")
    bundle = _ca_bundle(ca_bundle) if ca_bundle else ""
    try:
        cluster = parse_levels(cluster_levels) if cluster_levels else None
    except ValueError as e:
        fail(f"--cluster {e}")
    rules, _ = rules_for(ScanOptions(rules=ids(rule_ids)), load_config("."))
    kinds = sorted({t[len("Kubernetes::"):] for r in rules for t in r.types if t.startswith("Kubernetes::")})
    exempt = _exemptions(exempt_user, exempt_group, exempt_namespace, namespace, no_default_exemptions)
    doc = configuration(kinds, service, namespace, bundle, exempt, cluster, timeout)
    if cert_manager:
        doc["metadata"]["annotations"] = {"cert-manager.io/inject-ca-from": cert_manager}
    class Plain(yaml.SafeDumper):  # every webhook written out in full: no &anchors for the rules they share
        def ignore_aliases(self, data: Any) -> bool:
            return True

    click.echo("# label a namespace to choose its levels: kubectl label namespace shop wasec.io/enforce=high "
               "wasec.io/warn=low\n" + ("" if cluster else "# cluster-scoped kinds are not judged (--cluster sets "
                                         "their levels)\n") + yaml.dump(doc, Dumper=Plain, sort_keys=False), nl=False)


def _cryptography() -> Any:
    try:
        from cryptography import x509
    except ImportError:
        fail("certificates need the cryptography package: pip install 'wasec[admission]'")
    return x509


def _ca_bundle(path: str) -> str:
    """The base64 of a PEM file holding at least one CA certificate, or exit 2 saying what is wrong with it."""
    import base64

    x509 = _cryptography()

    try:
        data = open(path, "rb").read()  # noqa: SIM115
    except OSError as e:
        fail(f"--ca-bundle {path}: cannot read: {e.strerror}")
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as e:
        fail(f"--ca-bundle {path}: not a PEM certificate ({e})")
    for c in certs:
        try:
            ca = c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            ca = c.issuer == c.subject
        if not ca:
            fail(f"--ca-bundle {path}: {c.subject.rfc4514_string()} is not a CA certificate (give the CA that signed "
                 "the serving certificate, not the serving certificate)")
    return base64.b64encode(data).decode()


@admission.command("certs")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="wasec-certs", show_default=True,
              help="Directory for ca.crt, tls.crt and tls.key.")
@click.option("--service", default="wasec-admission", show_default=True, help="The webhook's Service name.")
@click.option("--namespace", default="wasec", show_default=True, help="The Service's namespace.")
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True)
@guard
def certs(out_dir: str, service: str, namespace: str, days: int) -> None:
    """Make a CA and a serving certificate for the webhook's Service (for clusters without cert-manager)."""
    from wasec.admission.certs import write

    _cryptography()
    files = write(out_dir, service, namespace, days)
    click.echo(f"wrote {', '.join(files)}\n"
               f"kubectl -n {namespace} create secret tls {service}-tls --cert {files[1]} --key {files[2]}\n"
               f"wasec admission config --namespace {namespace} --ca-bundle {files[0]} | kubectl apply -f -")
