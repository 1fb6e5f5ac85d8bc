"""Kubernetes manifests however they are written are read, objects are peers only when deployed together, and
findings of distinct objects can be told apart (fingerprints), as baselines and diffs need."""

from __future__ import annotations

from pathlib import Path

import pytest

from wasec.model.finding import Status
from wasec.scanning import ScanOptions, scan

PRIVILEGED_POD = """\
apiVersion: v1 # core
kind: "Pod"
metadata:
  name: {name}
spec:
  containers:
    - name: c
      image: busybox:1.36
      securityContext:
        privileged: true
"""


def _fails(path: Path, rule: str) -> list:
    result = scan(ScanOptions(paths=[str(path)], rules=[rule]))
    return [f for f in result.findings if f.status is Status.FAIL]


@pytest.mark.parametrize("text", [
    PRIVILEGED_POD.format(name="p"),
    PRIVILEGED_POD.format(name="p").replace("apiVersion: v1 # core", "'apiVersion': 'v1'"),
    PRIVILEGED_POD.format(name="p").replace('kind: "Pod"', "kind: Pod   # a pod"),
    "# header comment\n---\n" + PRIVILEGED_POD.format(name="p").replace("apiVersion: v1 # core", 'apiVersion: "v1"'),
    '{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: "busybox:1.36", '
    'securityContext: {privileged: true}}]}}\n',
    '"apiVersion": "v1"\n"kind": "Pod"\n"metadata": {"name": "p"}\n"spec":\n  "containers":\n    - "name": "c"\n'
    '      "image": "busybox:1.36"\n      "securityContext": {"privileged": true}\n',
])
def test_manifests_written_with_comments_quotes_or_flow_style_are_judged(tmp_path: Path, text: str) -> None:
    (tmp_path / "pod.yaml").write_text(text)
    assert [f.resource_id for f in _fails(tmp_path, "k8s-privileged")] == ["Pod/default/p"]


def test_a_file_that_looks_like_an_object_but_is_not_one_is_named(tmp_path: Path) -> None:
    (tmp_path / "odd.yaml").write_text("apiVersion: 1\nkind: [Pod]\n")
    result = scan(ScanOptions(paths=[str(tmp_path)]))
    assert any(p.file.endswith("odd.yaml") and "not a Kubernetes object" in p.message for p in result.problems)


def test_the_same_object_in_two_files_gives_two_fingerprints(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "pod.yaml").write_text(PRIVILEGED_POD.format(name="web"))
    (tmp_path / "b" / "pod.yaml").write_text(PRIVILEGED_POD.format(name="web"))
    (tmp_path / "a" / "pod-v2.yaml").write_text(PRIVILEGED_POD.format(name="web"))
    fails = _fails(tmp_path, "k8s-privileged")
    assert len(fails) == 3
    assert len({f.fingerprint for f in fails}) == 3
    # and a fingerprint survives edits around the object (a line added above it)
    before = {f.file: f.fingerprint for f in fails}
    (tmp_path / "a" / "pod.yaml").write_text("# moved\n\n" + PRIVILEGED_POD.format(name="web"))
    after = {f.file: f.fingerprint for f in _fails(tmp_path, "k8s-privileged")}
    assert before == after


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.0
"""
QUIET_SA = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\nautomountServiceAccountToken: false\n"


def test_a_service_account_decides_only_for_what_is_deployed_with_it(tmp_path: Path) -> None:
    # an unrelated folder's ServiceAccount of the same name does not decide another folder's Deployment
    (tmp_path / "shop").mkdir()
    (tmp_path / "blog").mkdir()
    (tmp_path / "shop" / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "blog" / "sa.yaml").write_text(QUIET_SA)
    assert [f.file.endswith("shop/deploy.yaml") for f in _fails(tmp_path, "k8s-sa-token-automount")] == [True]
    # the same folder deploys them together
    (tmp_path / "shop" / "sa.yaml").write_text(QUIET_SA)
    assert _fails(tmp_path, "k8s-sa-token-automount") == []


def test_a_kustomization_deploys_its_resources_together(tmp_path: Path) -> None:
    (tmp_path / "app" / "workloads").mkdir(parents=True)
    (tmp_path / "app" / "accounts").mkdir()
    (tmp_path / "app" / "workloads" / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "app" / "accounts" / "sa.yaml").write_text(QUIET_SA)
    assert len(_fails(tmp_path, "k8s-sa-token-automount")) == 1
    (tmp_path / "app" / "kustomization.yaml").write_text("resources:\n  - workloads/deploy.yaml\n  - accounts\n")
    assert _fails(tmp_path, "k8s-sa-token-automount") == []


NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
DENY_ALL = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: shop\n"
            "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n")


def test_a_network_policy_in_another_release_does_not_guard_a_namespace(tmp_path: Path) -> None:
    (tmp_path / "ns").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "ns" / "namespace.yaml").write_text(NAMESPACE)
    (tmp_path / "other" / "deny.yaml").write_text(DENY_ALL)
    assert len(_fails(tmp_path, "k8s-namespace-default-deny")) == 1
    (tmp_path / "ns" / "deny.yaml").write_text(DENY_ALL)
    assert _fails(tmp_path, "k8s-namespace-default-deny") == []


def test_a_kustomization_namespace_applies_to_what_it_deploys(tmp_path: Path) -> None:
    # kustomize sets every namespaced object's namespace: the default-deny policy guards the namespace it names
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "ns.yaml").write_text(NAMESPACE)
    (tmp_path / "app" / "deny.yaml").write_text(DENY_ALL.replace("  namespace: shop\n", ""))
    assert len(_fails(tmp_path, "k8s-namespace-default-deny")) == 1
    (tmp_path / "app" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\n"
        "resources: [ns.yaml, deny.yaml]\n")
    assert _fails(tmp_path, "k8s-namespace-default-deny") == []
    result = scan(ScanOptions(paths=[str(tmp_path)]))
    assert not any(r.type == "Kubernetes::Kustomization" for r in result.inventory)


def test_a_configmap_password_is_reported_once(tmp_path: Path) -> None:
    import secrets

    value = secrets.token_urlsafe(12)  # generated: no credential is ever committed
    (tmp_path / "cm.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\ndata:\n"
                                      f"  DB_PASSWORD: \"{value}\"\n")
    for where in (str(tmp_path), "."):  # inside and outside the scan root
        result = scan(ScanOptions(paths=[str(tmp_path)], root=None if where == "." else where, secrets=True))
        fails = [f.rule_id for f in result.findings if f.status is Status.FAIL]
        assert fails == ["k8s-secret-in-configmap"], fails


def test_secrets_are_looked_for_in_manifests_piped_in(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.secrets.tokens import Tokens

    t = Tokens(5)
    key, github = t.value("aws_key_id"), t.value("github")
    piped = (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: job\n  annotations:\n    ci/token: {github}\nspec:\n"
             f"  containers:\n    - name: c\n      image: busybox:1.36\n      args: [\"--key\", \"{key}\"]\n")
    r = subprocess.run([sys.executable, "-m", "wasec", "scan", "-", "-f", "json"], input=piped, capture_output=True,
                       text=True, cwd=tmp_path, timeout=120)
    import json

    found = [f for f in json.loads(r.stdout)["findings"] if f["rule_id"].startswith("secret-")]
    assert {f["file"] for f in found} == {"-"} and {f["line"] for f in found} >= {6}
    assert key not in r.stdout and github not in r.stdout  # redacted, as everywhere
    r = subprocess.run([sys.executable, "-m", "wasec", "scan", "-", "--no-secrets", "-f", "json"], input=piped,
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert not [f for f in json.loads(r.stdout)["findings"] if f["rule_id"].startswith("secret-")]
