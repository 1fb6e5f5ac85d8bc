"""``wasec admission``: the Kubernetes rules as a validating admission webhook."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from typing import Any

import click

from wasec.cli.shared import cli, config_option, fail, guard, ids

_KINDS = ["pods", "deployments", "statefulsets", "daemonsets", "replicasets", "replicationcontrollers", "jobs",
          "cronjobs", "configmaps", "roles", "clusterroles"]


@cli.group("admission")
def admission() -> None:
    """Apply wasec's Kubernetes rules to objects as they are created (a validating admission webhook)."""


@admission.command("serve")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (PEM) the API server trusts.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False), help="Its private key (PEM).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 inside a pod).")
@click.option("--port", type=int, default=8443, show_default=True)
@click.option("--mode", "default_mode", type=click.Choice(["enforce", "warn", "audit"]), default="enforce",
              show_default=True, help="For requests to /validate (the paths /validate/<mode> name their own).")
@click.option("--fail-on", type=click.Choice(["critical", "high", "medium", "low"]), default="high", show_default=True,
              help="In enforce mode, deny at this severity or higher (lower ones are warnings).")
@click.option("--rules", "rule_ids", multiple=True, metavar="IDS", help="Only these rules (comma-separated).")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), help="Append the decisions (JSON lines) here "
              "(default: standard output).")
@click.option("--insecure-http", is_flag=True, help="Serve plain HTTP (for a TLS-terminating sidecar only).")
@config_option
@guard
def serve(cert: str | None, key: str | None, host: str, port: int, default_mode: str, fail_on: str,
          rule_ids: tuple[str, ...], log_path: str | None, insecure_http: bool, **opts: Any) -> None:
    """Serve the webhook until interrupted; each decision is logged as one JSON line."""
    from wasec.admission.review import Policy
    from wasec.admission.server import serve as start
    from wasec.config import load_config
    from wasec.model.finding import Severity
    from wasec.scanning import ScanOptions, rules_for

    if not insecure_http and not (cert and key):
        fail("--cert and --key are required (the API server calls webhooks over HTTPS)")
    config = load_config(".", opts.get("config"))
    rules, _ = rules_for(ScanOptions(rules=ids(rule_ids)), config)
    rules = [r for r in rules if any(t.startswith("Kubernetes::") for t in r.types)]
    if not rules:
        fail("no Kubernetes rule selected")
    log = open(log_path, "a", encoding="utf-8") if log_path else sys.stdout  # noqa: SIM115 (open for the server's life)
    try:
        server = start(Policy(rules, Severity.parse(fail_on), config), host, port, cert, key, default_mode, log)
    except OSError as e:
        fail(f"cannot listen on {host}:{port}: {e.strerror or e}")
    except Exception as e:  # a certificate or key that does not load
        fail(f"cannot start TLS with {cert} and {key}: {e}")
    scheme = "http" if insecure_http else "https"
    click.echo(f"wasec admission webhook on {scheme}://{host}:{server.server_address[1]}/validate "
               f"({len(rules)} rules, default mode {default_mode}, deny at {fail_on} and above)", err=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.shutdown()


@admission.command("config")
@click.option("--service", default="wasec-admission", show_default=True, help="The webhook's Service name.")
@click.option("--namespace", default="wasec", show_default=True, help="The Service's namespace.")
@click.option("--ca-bundle", default="", metavar="BASE64", help="The CA that signed the webhook's certificate (base64).")
def config(service: str, namespace: str, ca_bundle: str) -> None:
    """Print a ValidatingWebhookConfiguration: one webhook per mode, chosen by the namespace's wasec.io/mode label."""
    import yaml

    hooks = []
    for mode in ("enforce", "warn", "audit"):
        hooks.append({
            "name": f"{mode}.wasec.io",
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "timeoutSeconds": 5,
            "failurePolicy": "Fail" if mode == "enforce" else "Ignore",
            "namespaceSelector": {"matchLabels": {"wasec.io/mode": mode}},
            "rules": [{"apiGroups": ["", "apps", "batch", "rbac.authorization.k8s.io"], "apiVersions": ["v1"],
                       "operations": ["CREATE", "UPDATE"], "resources": list(_KINDS), "scope": "*"}],
            "clientConfig": {"service": {"name": service, "namespace": namespace, "path": f"/validate/{mode}",
                                         "port": 443}, **({"caBundle": ca_bundle} if ca_bundle else {})},
        })
    doc = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
           "metadata": {"name": "wasec"}, "webhooks": hooks}
    click.echo("# label a namespace to choose: kubectl label namespace shop wasec.io/mode=enforce\n"
               + yaml.safe_dump(doc, sort_keys=False), nl=False)
