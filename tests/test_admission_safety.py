"""Admission that is safe in front of a cluster: the control plane and system namespaces are never judged,
cluster-scoped kinds have a webhook of their own, levels per namespace as Pod Security Admission sets them,
probes and metrics, certificates that rotate, slow clients, bursts, and a drain on SIGTERM."""

from __future__ import annotations

import http.client
import io
import itertools
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import ignores_sigpipe
from tests.test_admission import Client, _self_signed, pod
from wasec.admission.levels import Levels, parse_path
from wasec.admission.review import Policy
from wasec.admission.server import RELOAD_EVERY, Webhook, serve
from wasec.cli.commands import cli
from wasec.config import load_config
from wasec.model.finding import Severity
from wasec.scanning import ScanOptions, rules_for


def _k8s_rules() -> list[Any]:
    rules, _ = rules_for(ScanOptions(), load_config("/"))
    return [r for r in rules if any(t.startswith("Kubernetes::") for t in r.types)]


@pytest.fixture
def server(tmp_path: Path) -> Any:
    cert, key = _self_signed(tmp_path)
    log = io.StringIO()
    hook = serve(Policy(_k8s_rules(), Severity.HIGH), "127.0.0.1", 0, cert, key, None, log)
    try:
        yield hook, Client(hook, cert), log, cert, key
    finally:
        hook.shutdown()
        hook.server_close()


def _request(obj: dict[str, Any], user: str = "dev@example.com", groups: list[str] | None = None,
             namespace: str | None = "shop", operation: str = "UPDATE", sub: str | None = None) -> bytes:
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u", "kind": {"group": "", "version": "v1", "kind": obj["kind"]}, "operation": operation,
        "namespace": namespace, "name": obj["metadata"]["name"], "object": obj, "subResource": sub,
        "userInfo": {"username": user, "groups": groups or ["system:authenticated"]}}}).encode()


WILD_CLUSTER_ROLE = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                     "metadata": {"name": "cluster-admin"},
                     "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}


def test_the_control_plane_is_never_denied(server: Any) -> None:
    _, client, log, _, _ = server
    # the API server reconciles its own cluster-admin role at start-up: that must pass whatever the role says
    status, body = client.post("/validate/cluster/enforce-low", _request(WILD_CLUSTER_ROLE, "system:apiserver",
                                                                         ["system:masters"], None))
    assert status == 200 and body["response"]["allowed"] is True
    for user, groups in (("system:kube-controller-manager", []), ("system:kube-scheduler", []),
                         ("system:serviceaccount:kube-system:replicaset-controller", []),
                         ("system:node:ip-10-0-0-1", ["system:nodes"])):
        status, body = client.post("/validate/enforce-low", _request(pod(True), user, groups))
        assert body["response"]["allowed"] is True, user
    # an object in a system namespace, by anyone
    status, body = client.post("/validate/enforce-low", _request(pod(True), namespace="kube-system"))
    assert body["response"]["allowed"] is True
    records = [json.loads(x) for x in log.getvalue().splitlines()]
    assert all("exempt" in r for r in records)
    # the same requests from a person in another namespace are judged
    status, body = client.post("/validate/enforce-low", _request(pod(True), "alice", ["system:masters"]))
    assert body["response"]["allowed"] is False
    status, body = client.post("/validate/cluster/enforce-high", _request(WILD_CLUSTER_ROLE, "alice", [], None))
    assert body["response"]["allowed"] is False


def test_findings_below_the_enforce_level_come_back_as_warnings(server: Any) -> None:
    _, client, log, _, _ = server
    # a pod with no resource limits (medium) and no privileged container: admitted, with a warning
    obj = pod(False)
    del obj["spec"]["containers"][0]["resources"]
    body = client.post("/validate/enforce-high", _request(obj))[1]["response"]
    assert body["allowed"] is True
    assert any("k8s-resource-limits" in w and "(medium)" in w for w in body["warnings"])
    # privileged (critical) denies, and the medium finding still comes back as a warning
    obj["spec"]["containers"][0]["securityContext"]["privileged"] = True
    body = client.post("/validate/enforce-high", _request(obj))[1]["response"]
    assert body["allowed"] is False and "k8s-privileged" in body["status"]["message"]
    assert any("k8s-resource-limits" in w for w in body["warnings"])
    assert not any("k8s-privileged" in w for w in body["warnings"])
    # a warn level narrows the warnings: medium findings are not said at warn-high
    body = client.post("/validate/enforce-critical/warn-high", _request(obj))[1]["response"]
    assert body["allowed"] is False and not any("k8s-resource-limits" in w for w in body.get("warnings", []))
    # and an audit level records them as annotations, whatever the other lanes say
    body = client.post("/validate/warn-critical/audit-medium", _request(obj))[1]["response"]
    assert body["allowed"] is True and "k8s-resource-limits" in body["auditAnnotations"]["wasec.io/findings"]
    record = json.loads(log.getvalue().splitlines()[1])
    assert record["denied_by"] == ["k8s-privileged"] and "k8s-resource-limits" in record["warned"]


def test_a_label_that_is_not_a_level_enforces_the_strictest_and_says_so(server: Any) -> None:
    _, client, _, _, _ = server
    obj = pod(False)
    del obj["spec"]["containers"][0]["resources"]
    body = client.post("/validate/enforce-invalid", _request(obj))[1]["response"]
    assert body["allowed"] is False
    assert any("wasec.io/enforce is not one of" in w for w in body["warnings"])
    assert parse_path("/validate/enforce-invalid", Levels(), Severity.HIGH).enforce is Severity.LOW
    assert client.post("/validate/enforce-severe", _request(obj))[0] == 404


def test_kubectl_debug_ephemeral_containers_are_judged(server: Any) -> None:
    _, client, _, _, _ = server
    obj = pod(False)
    obj["spec"]["ephemeralContainers"] = [{"name": "debugger", "image": "busybox:1.36",
                                           "securityContext": {"privileged": True}}]
    body = client.post("/validate/enforce-high", _request(obj, sub="ephemeralcontainers"))[1]["response"]
    assert body["allowed"] is False and "debugger" in body["status"]["message"]


def test_a_peer_the_webhook_cannot_see_is_unknown_not_a_failure(server: Any) -> None:
    _, client, log, _, _ = server
    obj = pod(False)
    del obj["spec"]["automountServiceAccountToken"]  # its ServiceAccount may say false: admission cannot see it
    body = client.post("/validate/enforce-low", _request(obj))[1]["response"]
    assert body["allowed"] is True
    assert "k8s-sa-token-automount" not in json.loads(log.getvalue().splitlines()[-1])["failing"]


def test_probes_and_metrics(server: Any) -> None:
    hook, client, _, cert, _ = server
    client.review(pod(True), mode="enforce")
    client.review(pod(False), mode="enforce")
    ctx = ssl.create_default_context(cafile=cert)

    def get(path: str) -> tuple[int, str]:
        c = http.client.HTTPSConnection("127.0.0.1", client.port, context=ctx, timeout=10)
        c.request("GET", path)
        r = c.getresponse()
        out = r.status, r.read().decode()
        c.close()
        return out

    assert get("/healthz")[0] == 200 and get("/readyz")[0] == 200
    status, text = get("/metrics")
    assert status == 200
    assert 'wasec_admission_decisions_total{mode="enforce",allowed="false",kind="Pod"} 1' in text
    assert 'wasec_admission_decisions_total{mode="enforce",allowed="true",kind="Pod"} 1' in text
    assert 'wasec_admission_findings_total{rule="k8s-privileged"} 1' in text
    assert "wasec_admission_duration_seconds_count 2" in text and "wasec_admission_in_flight 0" in text
    hook.draining = True
    assert get("/readyz")[0] == 503


def _serial(pem: str) -> int:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem.encode()).serial_number


def test_a_rotated_certificate_is_served_to_new_connections_without_dropping_open_ones(server: Any, tmp_path: Path) -> None:
    _, client, _, cert, key = server
    ctx = ssl.create_default_context(cafile=cert)
    kept = http.client.HTTPSConnection("127.0.0.1", client.port, context=ctx, timeout=10)
    kept.request("GET", "/healthz")
    assert kept.getresponse().read()
    first = ssl.get_server_certificate(("127.0.0.1", client.port))
    (tmp_path / "next").mkdir()
    new_cert, new_key = _self_signed(tmp_path / "next")
    shutil.copy(new_key, key)  # what the kubelet does with a rotated secret: new files in place
    shutil.copy(new_cert, cert)
    time.sleep(RELOAD_EVERY + 0.2)
    second = ssl.get_server_certificate(("127.0.0.1", client.port))
    assert _serial(first) != _serial(second) == _serial(Path(new_cert).read_text())
    kept.request("GET", "/healthz")  # the connection opened before the rotation still works
    assert kept.getresponse().status == 200
    kept.close()


def test_a_half_sent_body_is_a_408_and_a_burst_of_connections_is_taken(tmp_path: Path) -> None:
    log = io.StringIO()
    hook = serve(Policy(_k8s_rules(), Severity.HIGH), "127.0.0.1", 0, None, None, None, log)
    port = hook.server_address[1]
    try:
        assert Webhook.request_queue_size >= 128
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /validate/enforce-high HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 500\r\n\r\n{\"kind\": ")
        s.settimeout(30)
        answer = s.recv(4096).decode()
        s.close()
        assert answer.startswith("HTTP/1.1 408"), answer
        assert "incomplete" in log.getvalue()
        # 100 connections at once are all accepted and answered
        results: list[int] = []

        def one() -> None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/healthz")
            results.append(c.getresponse().status)
            c.close()

        threads = [threading.Thread(target=one) for _ in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200] * 100
    finally:
        hook.shutdown()
        hook.server_close()


def test_serve_reads_config_from_anywhere_drains_on_sigterm_and_never_prints_a_traceback(tmp_path: Path) -> None:
    project = tmp_path / "project" / ".wasec"
    project.mkdir(parents=True)
    (project / "exceptions.yml").write_text(
        "exceptions:\n  - rule: k8s-privileged\n    resource: Pod/shop/web\n    justification: the node agent\n"
        "    owner: platform@example.com\n    expires: 2099-01-01\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "wasec", "admission", "serve", "--insecure-http", "--port", "0",
                             "--config", str(project)], cwd=elsewhere, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        banner = proc.stderr.readline()
        port = int(re.search(r":(\d+)/validate", banner).group(1))  # type: ignore[union-attr]
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("POST", "/validate/enforce-high", body=_request(pod(True)))
        body = json.loads(c.getresponse().read())
        assert body["response"]["allowed"] is True  # the exception from --config applies
        if Path(f"/proc/{proc.pid}/status").exists():  # a client that hangs up mid-answer must not stop the webhook
            assert ignores_sigpipe(proc.pid)
        # a client that stops mid-body, then SIGTERM while it waits: the server drains and stops
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        s.close()
        assert proc.returncode == 0
        assert "stopped" in err and "Traceback" not in err
        decisions = [json.loads(x) for x in out.splitlines()]
        assert decisions[0]["excepted"] == ["k8s-privileged"]
    finally:
        if proc.poll() is None:
            proc.kill()


# -- the webhook configuration ----------------------------------------------------------------------

def _config(*args: str, tmp: Path) -> dict[str, Any]:
    ca = tmp / "certs"
    r = CliRunner().invoke(cli, ["admission", "certs", "--out", str(ca)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["admission", "config", "--ca-bundle", str(ca / "ca.crt"), *args])
    assert r.exit_code == 0, r.output
    return yaml.safe_load(r.output)


def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    for e in (selector or {}).get("matchExpressions", []):
        key, op, values = e["key"], e["operator"], e.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def test_every_namespace_gets_exactly_the_levels_its_labels_name(tmp_path: Path) -> None:
    doc = _config(tmp=tmp_path)
    hooks = doc["webhooks"]
    assert all(r["scope"] == "Namespaced" for h in hooks for r in h["rules"])
    assert not any("clusterroles" in r["resources"] for h in hooks for r in h["rules"])
    choices = [None, "critical", "high", "medium", "low", "bogus"]
    order = ["critical", "high", "medium", "low"]
    for e, w, a in itertools.product(choices, repeat=3):
        labels = {"kubernetes.io/metadata.name": "shop"}
        labels.update({f"wasec.io/{lane}": v for lane, v in (("enforce", e), ("warn", w), ("audit", a)) if v})
        hit = [h for h in hooks if _selects(h["namespaceSelector"], labels)]
        front = [h for h in hit if "/audit-" not in h["clientConfig"]["service"]["path"]]
        back = [h for h in hit if "/audit-" in h["clientConfig"]["service"]["path"]]
        assert len(front) == (1 if e or w else 0) and len(back) == (1 if a else 0), (labels, [h["name"] for h in hit])
        if front:
            levels = parse_path(front[0]["clientConfig"]["service"]["path"], Levels(), Severity.HIGH)
            want_e = None if not e else Severity.LOW if e == "bogus" else Severity(e)
            assert levels.enforce == want_e, labels
            assert (front[0]["failurePolicy"] == "Fail") == (e is not None)
            if e and w and "bogus" not in (e, w) and order.index(e) < order.index(w) < len(order) - 1:
                assert levels.warn == Severity(w), labels  # a warn level below the enforce level narrows warnings
            elif e:
                assert levels.warn is None, labels  # every finding below the enforce level is a warning
        # system namespaces and wasec's own match nothing
        for ns in ("kube-system", "kube-public", "kube-node-lease", "wasec"):
            assert not [h for h in hooks if _selects(h["namespaceSelector"], {**labels, "kubernetes.io/metadata.name": ns})]
    assert all("system:apiserver" in h["matchConditions"][0]["expression"] for h in hooks)


def test_cluster_scoped_kinds_have_their_own_webhook_only_when_asked(tmp_path: Path) -> None:
    doc = _config("--cluster", "enforce=critical,warn=low", tmp=tmp_path)
    cluster = [h for h in doc["webhooks"] if any(r["scope"] == "Cluster" for r in h["rules"])]
    assert len(cluster) == 1 and "namespaceSelector" not in cluster[0]
    assert {"clusterroles"} <= {x for r in cluster[0]["rules"] for x in r["resources"]}
    assert cluster[0]["clientConfig"]["service"]["path"] == "/validate/cluster/enforce-critical/warn-low"


def test_the_ca_bundle_must_be_a_ca(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["admission", "config"])
    assert r.exit_code == 2 and "--ca-bundle" in r.output
    CliRunner().invoke(cli, ["admission", "certs", "--out", str(tmp_path)])
    r = CliRunner().invoke(cli, ["admission", "config", "--ca-bundle", str(tmp_path / "tls.crt")])
    assert r.exit_code == 2 and "not a CA certificate" in r.output
    (tmp_path / "junk.pem").write_text("hello")
    r = CliRunner().invoke(cli, ["admission", "config", "--ca-bundle", str(tmp_path / "junk.pem")])
    assert r.exit_code == 2 and "not a PEM certificate" in r.output
    assert oct(os.stat(tmp_path / "tls.key").st_mode & 0o777) == "0o600"
    r = CliRunner().invoke(cli, ["admission", "config", "--cert-manager", "wasec/wasec-admission"])
    doc = yaml.safe_load(r.output)
    assert doc["metadata"]["annotations"] == {"cert-manager.io/inject-ca-from": "wasec/wasec-admission"}
