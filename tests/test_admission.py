"""The admission webhook over real HTTPS on 127.0.0.1: AdmissionReview v1 requests in each mode, exceptions,
the JSON-lines log, bad requests, and a client that connects and says nothing."""

from __future__ import annotations

import datetime as dt
import http.client
import io
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wasec.admission.review import Policy
from wasec.admission.server import Webhook, serve
from wasec.config import load_config
from wasec.model.finding import Severity
from wasec.scanning import ScanOptions, rules_for


def _self_signed(tmp: Path) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wasec-admission.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    (tmp / "tls.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "tls.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
    return str(tmp / "tls.crt"), str(tmp / "tls.key")


class Client:
    def __init__(self, server: Webhook, cert: str) -> None:
        self.port = server.server_address[1]
        self.ctx = ssl.create_default_context(cafile=cert)

    def post(self, path: str, body: bytes) -> tuple[int, Any]:
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=10)
        c.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = json.loads(r.read())
        c.close()
        return r.status, data

    def review(self, obj: dict[str, Any], mode: str = "enforce", namespace: str = "shop", uid: str = "u-1") -> Any:
        review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
            "uid": uid, "kind": {"group": "", "version": "v1", "kind": obj["kind"]}, "operation": "CREATE",
            "namespace": namespace, "name": obj["metadata"]["name"], "object": obj,
            "userInfo": {"username": "dev@example.com"}}}
        status, data = self.post(f"/validate/{mode}", json.dumps(review).encode())
        assert status == 200, data
        assert data["apiVersion"] == "admission.k8s.io/v1" and data["response"]["uid"] == uid
        return data["response"]


@pytest.fixture
def webhook(tmp_path: Path) -> Iterator[tuple[Client, io.StringIO, Path]]:
    cert, key = _self_signed(tmp_path)
    (tmp_path / ".wasec").mkdir()
    (tmp_path / ".wasec" / "exceptions.yml").write_text(
        "exceptions:\n  - rule: k8s-privileged\n    resource: Deployment/networking/cni\n"
        "    justification: the CNI agent programs the node's network\n    owner: platform@example.com\n"
        f"    expires: {dt.date.today() + dt.timedelta(days=30)}\n")
    config = load_config(str(tmp_path))
    rules, _ = rules_for(ScanOptions(), config)
    log = io.StringIO()
    server = serve(Policy([r for r in rules if any(t.startswith("Kubernetes::") for t in r.types)], Severity.HIGH,
                          config, str(tmp_path)), "127.0.0.1", 0, cert, key, None, log)
    try:
        yield Client(server, cert), log, tmp_path
    finally:
        server.shutdown()
        server.server_close()


def pod(privileged: bool, name: str = "web", kind: str = "Pod") -> dict[str, Any]:
    container = {"name": "app", "image": "registry.example.com/app:1.2.3@sha256:" + "a" * 64,
                 "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                 "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                 "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                 "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                     "readOnlyRootFilesystem": True, **({"privileged": True} if privileged else {})}}
    spec = {"automountServiceAccountToken": False, "containers": [container],
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}


def test_enforce_denies_what_fails_and_admits_what_passes(webhook: Any) -> None:
    client, log, _ = webhook
    denied = client.review(pod(True), uid="deny-1")
    assert denied["allowed"] is False and denied["status"]["code"] == 403
    assert "k8s-privileged" in denied["status"]["message"]
    assert client.review(pod(False), uid="ok-1") == {"uid": "ok-1", "allowed": True}
    records = [json.loads(line) for line in log.getvalue().splitlines()]
    assert [(r["uid"], r["allowed"], r["mode"]) for r in records] == [("deny-1", False, "enforce"), ("ok-1", True, "enforce")]
    assert "k8s-privileged" in records[0]["failing"] and records[0]["user"] == "dev@example.com"
    assert records[0]["namespace"] == "shop" and records[0]["kind"] == "Pod" and records[0]["ms"] >= 0


def test_warn_and_audit_admit_and_say_why(webhook: Any) -> None:
    client, _, _ = webhook
    warned = client.review(pod(True), mode="warn")
    assert warned["allowed"] is True and any("k8s-privileged" in w for w in warned["warnings"])
    audited = client.review(pod(True), mode="audit")
    assert audited["allowed"] is True and "k8s-privileged" in audited["auditAnnotations"]["wasec.io/findings"]
    assert "warnings" not in audited


def test_exceptions_are_honoured_by_resource_id(webhook: Any) -> None:
    client, log, _ = webhook
    cni = client.review(pod(True, "cni", "Deployment"), namespace="networking", uid="cni")
    assert cni["allowed"] is True
    same_elsewhere = client.review(pod(True, "cni", "Deployment"), namespace="shop", uid="cni-shop")
    assert same_elsewhere["allowed"] is False
    first = json.loads(log.getvalue().splitlines()[0])
    assert first["excepted"] == ["k8s-privileged"] and "k8s-privileged" not in first["failing"]


def test_bad_requests_are_named_and_the_server_goes_on(webhook: Any) -> None:
    client, log, _ = webhook
    assert client.post("/validate/enforce", b"{not json")[0] == 400
    status, body = client.post("/validate", json.dumps({"kind": "Pod"}).encode())
    assert status == 400 and "AdmissionReview" in body["error"]
    assert client.post("/validate/strict", b"{}")[0] == 404
    review = {"kind": "AdmissionReview", "request": {"uid": "x", "operation": "CREATE", "object": {"metadata": {}}}}
    assert client.post("/validate", json.dumps(review).encode())[0] == 400
    # request fields of the wrong shape are answered, not a server error
    odd = {"kind": "AdmissionReview", "request": {"uid": "y", "operation": "DELETE", "kind": "Pod", "userInfo": "bob",
                                                  "object": None}}
    status, body = client.post("/validate/enforce", json.dumps(odd).encode())
    assert status == 200 and body["response"]["allowed"] is True
    # a kind no rule reads, and a DELETE, are admitted
    cm = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {}}
    assert client.review(cm)["allowed"] is True
    assert any("bad request" in line for line in log.getvalue().splitlines())
    # a client that connects and never speaks TLS does not hold up the next one
    idle = socket.create_connection(("127.0.0.1", client.port))
    try:
        assert client.review(pod(False), uid="after-idle")["allowed"] is True
    finally:
        idle.close()
