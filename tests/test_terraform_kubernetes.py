"""The Terraform Kubernetes provider's resources are judged by the Kubernetes rules, as the manifests they apply
would be: the same object written as YAML, as kubernetes_deployment_v1 blocks, as kubernetes_manifest, and in a
plan's JSON gives the same failing rules. Written from the provider's documented argument reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wasec.model.finding import Status
from wasec.scanning import ScanOptions, scan

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      securityContext:
        sysctls: [{name: kernel.core_pattern, value: "|/bin/sh"}]
      containers:
        - name: web
          image: nginx:1.27
          securityContext:
            privileged: true
            capabilities: {add: [SYS_ADMIN]}
          ports: [{containerPort: 80, hostPort: 80}]
          resources: {limits: {cpu: 500m, memory: 128Mi}}
      volumes:
        - name: docker
          hostPath: {path: /var/run/docker.sock}
"""

HCL = """
resource "kubernetes_deployment_v1" "web" {
  metadata {
    name      = "web"
    namespace = "shop"
  }
  spec {
    selector {
      match_labels = { app = "web" }
    }
    template {
      metadata {
        labels = { app = "web" }
      }
      spec {
        host_network = true
        security_context {
          sysctl {
            name  = "kernel.core_pattern"
            value = "|/bin/sh"
          }
        }
        container {
          name  = "web"
          image = "nginx:1.27"
          security_context {
            privileged = true
            capabilities {
              add = ["SYS_ADMIN"]
            }
          }
          port {
            container_port = 80
            host_port      = 80
          }
          resources {
            limits = { cpu = "500m", memory = "128Mi" }
          }
        }
        volume {
          name = "docker"
          host_path {
            path = "/var/run/docker.sock"
          }
        }
      }
    }
  }
}
"""


def _fails(path: Path) -> set[str]:
    result = scan(ScanOptions(paths=[str(path)]))
    return {f.rule_id for f in result.findings if f.status is Status.FAIL and f.rule_id.startswith("k8s-")}


def test_a_provider_deployment_is_judged_as_its_manifest(tmp_path: Path) -> None:
    (tmp_path / "yaml").mkdir()
    (tmp_path / "tf").mkdir()
    (tmp_path / "yaml" / "web.yaml").write_text(MANIFEST)
    (tmp_path / "tf" / "main.tf").write_text(HCL)
    want = _fails(tmp_path / "yaml")
    assert {"k8s-privileged", "k8s-host-namespaces", "k8s-host-path", "k8s-host-ports", "k8s-sysctls",
            "k8s-capabilities-baseline"} <= want
    assert _fails(tmp_path / "tf") == want
    # each finding points at the attribute's line
    result = scan(ScanOptions(paths=[str(tmp_path / "tf")], rules=["k8s-privileged", "k8s-host-path"]))
    lines = HCL.splitlines()
    where = {f.rule_id: f.line for f in result.findings if f.status is Status.FAIL}
    assert lines[where["k8s-privileged"] - 1].strip() == "privileged = true"
    assert lines[where["k8s-host-path"] - 1].strip() == "host_path {"


@pytest.mark.parametrize("tf_type", ["kubernetes_deployment", "kubernetes_deployment_v1"])
def test_both_provider_generations(tmp_path: Path, tf_type: str) -> None:
    (tmp_path / "main.tf").write_text(HCL.replace("kubernetes_deployment_v1", tf_type))
    assert "k8s-privileged" in _fails(tmp_path)


def test_kubernetes_manifest_and_rbac(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
resource "kubernetes_manifest" "pod" {
  manifest = yamldecode(file("${path.module}/pod.yaml"))
}
resource "kubernetes_cluster_role_v1" "everything" {
  metadata {
    name = "everything"
  }
  rule {
    api_groups = ["*"]
    resources  = ["*"]
    verbs      = ["*"]
  }
}
resource "kubernetes_role_v1" "reader" {
  metadata {
    name      = "reader"
    namespace = "shop"
  }
  rule {
    api_groups     = [""]
    resources      = ["configmaps"]
    resource_names = ["settings"]
    verbs          = ["get"]
  }
}
""")
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                                       "    - {name: c, image: busybox:1.36, securityContext: {privileged: true}}\n")
    result = scan(ScanOptions(paths=[str(tmp_path / "main.tf")]))
    fails = {(f.rule_id, f.resource_id) for f in result.findings if f.status is Status.FAIL}
    assert ("k8s-privileged", "kubernetes_manifest.pod") in fails
    assert ("k8s-rbac-wildcard", "kubernetes_cluster_role_v1.everything") in fails
    assert not any(r == "kubernetes_role_v1.reader" and rule.startswith("k8s-rbac") for rule, r in fails)


def test_a_plan_of_provider_resources(tmp_path: Path) -> None:
    # terraform show -json writes nested blocks as lists of objects
    container = {"name": "web", "image": "nginx:1.27", "security_context": [{"privileged": True}]}
    values = {"metadata": [{"name": "web", "namespace": "shop"}],
              "spec": [{"selector": [{"match_labels": {"app": "web"}}],
                        "template": [{"metadata": [{"labels": {"app": "web"}}],
                                      "spec": [{"host_pid": True, "container": [container]}]}]}]}
    plan = {"format_version": "1.2", "terraform_version": "1.9.0",
            "planned_values": {"root_module": {"resources": [
                {"address": "kubernetes_deployment_v1.web", "mode": "managed", "type": "kubernetes_deployment_v1",
                 "name": "web", "values": values}]}}}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    assert {"k8s-privileged", "k8s-host-namespaces"} <= _fails(tmp_path)
