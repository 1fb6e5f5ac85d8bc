"""Kubernetes manifests and Dockerfiles as sources: every shape they come in, with lines, and hostile input named
rather than crashing the scan."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wasec.model.finding import Status
from wasec.scanning import ScanOptions, scan
from wasec.sources import collect
from wasec.sources.dockerfile import parse

HELM_OUTPUT = """---
# Source: shop/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: shop
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  labels:
    helm.sh/chart: shop-0.1.0
spec:
  template:
    spec:
      serviceAccountName: shop
      containers:
        - name: shop
          image: "registry.example.com/shop:0.1.0"
          securityContext:
            privileged: true
---
"""


def _types(path: Path) -> list[tuple[str, str, int | None]]:
    got = collect([str(path)])
    return sorted((r.type, r.id, r.origin.line) for r in got.inventory)


def test_every_manifest_shape_is_read_with_its_lines(tmp_path: Path) -> None:
    (tmp_path / "rendered.yaml").write_text(HELM_OUTPUT)
    (tmp_path / "list.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n"
        "      namespace: ops\n  - apiVersion: rbac.authorization.k8s.io/v1\n    kind: ClusterRole\n    metadata:\n"
        "      name: r\n    rules: []\n")
    (tmp_path / "pod.json").write_text(json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                                   "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}))
    assert _types(tmp_path) == [
        ("Kubernetes::ClusterRole", "ClusterRole/r", 9),
        ("Kubernetes::ConfigMap", "ConfigMap/ops/a", 4),
        ("Kubernetes::Deployment", "Deployment/default/shop", 9),
        ("Kubernetes::Pod", "Pod/default/p", 1),
        ("Kubernetes::ServiceAccount", "ServiceAccount/default/shop", 3),
    ]
    result = scan(ScanOptions(paths=[str(tmp_path)], rules=["k8s-privileged"]))
    f = next(f for f in result.findings if f.status is Status.FAIL)
    assert f.file.endswith("rendered.yaml") and f.line == HELM_OUTPUT.splitlines().index("            privileged: true") + 1


def test_helm_output_piped_on_standard_input(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "wasec", "scan", "-", "--rules", "k8s-privileged", "-f", "json"],
                       input=HELM_OUTPUT, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    f = next(f for f in out["findings"] if f["status"] == "FAIL")
    assert f["resource_id"] == "Deployment/default/shop" and f["file"] == "-"


@pytest.mark.parametrize("piped, message", [
    (b"", "standard input is empty"),  # helm template failed upstream: not a clean scan
    (b"  \n", "standard input is empty"),
    (bytes(range(256)) * 4, "standard input is not UTF-8 text"),
    (b"Error: chart not found\n", "standard input holds no Kubernetes object"),
])
def test_nothing_readable_on_standard_input_is_an_error_not_a_pass(tmp_path: Path, piped: bytes, message: str) -> None:
    r = subprocess.run([sys.executable, "-m", "wasec", "scan", "-", "-f", "json"], input=piped, capture_output=True,
                       cwd=tmp_path, timeout=120)
    assert r.returncode == 2, r.stderr
    problems = json.loads(r.stdout)["problems"]
    assert [(p["file"], p["kind"]) for p in problems if message in p["message"]] == [("-", "error")]


def test_raw_helm_templates_and_odd_documents_are_named_not_read(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"shop.fullname\" . }}\n")
    (tmp_path / "mixed.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\n- just\n- a list\n"
                                         "---\nkind: Thing\napiVersion: v1\n---\nname: no kind\napiVersion: v1\nkind: 3\n")
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n")
    got = collect([str(tmp_path)])
    problems = {(Path(p.file).name, p.kind): p.message for p in got.problems}
    assert "helm template" in problems[("deployment.yaml", "warning")]
    assert "invalid YAML" in problems[("broken.yaml", "error")]
    assert "not a Kubernetes object" in problems[("mixed.yaml", "warning")]
    assert sorted(r.id for r in got.inventory) == ["ConfigMap/default/ok", "Thing/default/(unnamed)"]


def test_template_text_inside_values_is_data_but_a_charts_templates_wait_for_rendering(tmp_path: Path) -> None:
    # alert texts and ApplicationSet fields carry Go templates as plain strings: the objects are real
    (tmp_path / "rules.yaml").write_text(
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: node\nspec:\n  groups:\n"
        "  - name: node\n    rules:\n    - alert: Down\n      annotations:\n"
        "        description: '{{ $labels.instance }} of {{ .Labels.job }} is down'\n")
    (tmp_path / "appset.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: addons\nspec:\n  template:\n"
        "    metadata:\n      name: '{{path.basename}}'\n")
    # a chart whose template quotes every action still parses, but its values are not values yet
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    (chart / "templates" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{{ .Release.Name }}\"\nspec:\n  containers:\n"
        "  - name: app\n    image: \"{{ .Values.image }}\"\n")
    # other tools' {{name}} placeholders make text that is not YAML yet: a warning, not a parse error
    (tmp_path / "svc-template.yaml").write_text("kind: Service\napiVersion: v1\nmetadata:\n  name: etcd-{{cell}}\n"
                                                "  labels:\n    cell: {{cell}}\n")
    got = collect([str(tmp_path)])
    assert sorted(r.id for r in got.inventory) == ["ApplicationSet/default/addons", "PrometheusRule/default/node"]
    problems = {(Path(p.file).name, p.kind): p.message for p in got.problems}
    assert set(problems) == {("pod.yaml", "warning"), ("svc-template.yaml", "warning")}
    assert all("render it first" in m for m in problems.values())


def test_kustomize_patches_and_fragments_are_named_not_judged(tmp_path: Path) -> None:
    # a kustomization's patches hold only the fields they change: judging them alone would invent findings
    base = tmp_path / "overlay"
    (base / "patches").mkdir(parents=True)
    (base / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deploy.yaml\n"
        "patchesStrategicMerge:\n- replicas.yaml\npatches:\n- path: patches/limits.yaml\n  target: {kind: Deployment}\n")
    (base / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - name: web\n        image: registry.example.com/web:1.2\n")
    (base / "replicas.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n")
    (base / "patches" / "limits.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - name: web\n        resources: {limits: {cpu: 500m}}\n")
    # a kubeadm-style patch outside any kustomization: a container without an image cannot be a whole object
    (tmp_path / "kube-controller-manager.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kcm\n  namespace: kube-system\nspec:\n  containers:\n"
        "  - name: kube-controller-manager\n    resources: {requests: {cpu: 1m}}\n")
    got = collect([str(tmp_path)])
    # the kustomization itself is configuration, read for what it deploys together: not an object of the cluster
    assert sorted(r.id for r in got.inventory) == ["Deployment/default/web"]
    problems = {Path(p.file).name: (p.kind, p.message) for p in got.problems}
    assert problems["replicas.yaml"][0] == problems["limits.yaml"][0] == "warning"
    assert "kustomize build" in problems["limits.yaml"][1]
    assert problems["kube-controller-manager.yaml"] == (
        "warning", "a patch, not a whole object: container kube-controller-manager has no image "
                   "(judge what the patch is merged into, as rendered)")


def test_a_json_stream_of_objects_reads_like_kubectl(tmp_path: Path) -> None:
    (tmp_path / "list.json").write_text('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}\n'
                                        '{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "b"}}\n')
    (tmp_path / "bad.json").write_text('{"apiVersion": "v1", "kind": "ConfigMap"}\n{"apiVersion": \n')
    got = collect([str(tmp_path)])
    assert sorted((r.id, r.origin.line) for r in got.inventory) == [("ConfigMap/default/a", 1), ("ConfigMap/default/b", 2)]
    [problem] = got.problems
    assert Path(problem.file).name == "bad.json" and problem.kind == "error" and problem.line == 3


def test_alias_bomb_across_documents_is_refused(tmp_path: Path) -> None:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb}", "data:", '  a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"  {cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    got = collect([str(tmp_path)])
    assert not list(got.inventory)
    assert any("alias bomb" in p.message for p in got.problems)


DOCKERFILE = r"""# syntax=docker/dockerfile:1
# escape=`
ARG BASE=python:3.12-slim
FROM ${BASE} AS build
RUN pip install `
    # a comment inside a continuation
    --no-cache-dir build
FROM --platform=linux/amd64 gcr.io/distroless/python3:nonroot
COPY --from=build /src /src
RUN <<EOF
echo one
echo two
EOF
ENTRYPOINT ["python3", "/src/app.py"]
"""


def test_dockerfile_parser_follows_the_reference() -> None:
    d = parse(DOCKERFILE)
    # the escape directive only counts on the first lines: here it follows another directive, as the reference allows
    assert d["args"] == [{"cmd": "ARG", "value": "BASE=python:3.12-slim", "line": 3}]
    build, final = d["stages"]
    assert (build["from"], build["as"], build["line"]) == ("${BASE}", "build", 4)
    assert build["instructions"][0] == {"cmd": "RUN", "value": "pip install --no-cache-dir build", "line": 5}
    assert final["platform"] == "linux/amd64" and final["from"] == "gcr.io/distroless/python3:nonroot"
    heredoc = final["instructions"][1]
    assert heredoc["cmd"] == "RUN" and "echo two" in heredoc["value"] and heredoc["line"] == 10
    assert final["instructions"][2]["args"] == ["python3", "/src/app.py"]


def test_dockerfiles_are_found_by_name_and_judged(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text("FROM node\nRUN curl -sL https://example.com/i.sh | sh\n")
    (tmp_path / "Containerfile.dev").write_text("FROM alpine:3.20\nUSER 10001\n")
    (tmp_path / "app.dockerfile").write_text("")
    # a Dockerfile generator's template: its FROM is not an image yet
    (tmp_path / "Dockerfile-linux.template").write_text("# generated\nFROM debian:{{ env.variant }}\nRUN apt-get update\n")
    got = collect([str(tmp_path)])
    assert sorted(Path(r.id).name for r in got.inventory) == ["Containerfile.dev", "Dockerfile"]
    problems = {Path(p.file).name: (p.kind, p.line, p.message) for p in got.problems}
    assert "no FROM" in problems["app.dockerfile"][2]
    assert problems["Dockerfile-linux.template"][:2] == ("warning", 2) and "template" in problems["Dockerfile-linux.template"][2]
    result = scan(ScanOptions(paths=[str(tmp_path)], rules=["docker-user-root", "docker-curl-pipe-shell"]))
    failing = sorted((f.rule_id, Path(f.file).name, f.line) for f in result.findings if f.status is Status.FAIL)
    assert failing == [("docker-curl-pipe-shell", "Dockerfile", 2), ("docker-user-root", "Dockerfile", 1)]


def test_account_facts_are_asked_only_of_code_that_describes_aws(tmp_path: Path) -> None:
    # root MFA or GuardDuty say nothing of a chart or a Dockerfile: no "(account)" UNKNOWN for them
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                                               "  - name: a\n    image: registry.example.com/a:1.0\n")
    (tmp_path / "k8s" / "Dockerfile").write_text("FROM alpine:3.20\nUSER 10001\n")
    (tmp_path / "gcp").mkdir()
    (tmp_path / "gcp" / "main.tf").write_text('resource "google_storage_bucket" "b" {\n  name = "b"\n  location = "EU"\n}\n')
    for only in ("k8s", "gcp"):
        result = scan(ScanOptions(paths=[str(tmp_path / only)]))
        assert not [f.rule_id for f in result.findings if f.resource_id == "(account)"], only
    (tmp_path / "aws").mkdir()
    (tmp_path / "aws" / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    result = scan(ScanOptions(paths=[str(tmp_path)]))
    account = {f.rule_id for f in result.findings if f.resource_id == "(account)"}
    assert {"root-mfa", "guardduty-enabled"} <= account and all(
        f.status is Status.UNKNOWN for f in result.findings if f.resource_id == "(account)")
