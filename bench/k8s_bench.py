"""Kubernetes manifests: wasec against Checkov's kubernetes framework, in the same run, on the same files.

Generates N manifests (default 10,000; one object per file, a mix of Deployments, CronJobs, Pods,
ConfigMaps, Roles and Namespaces, a third hardened and the rest with planted Pod Security Standards
violations), scans them with both tools, prints wall time, peak memory, manifests/s and the ratio,
and how many of the planted privileged containers each one reports.

    python bench/k8s_bench.py [--manifests N] [--checkov-venv DIR] [--skip-checkov]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
from pathlib import Path

from anchors import ensure_venv, measure, wasec_bin

HARDENED = """    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: {{type: RuntimeDefault}}
      containers:
        - name: app
          image: registry.example.com/{name}:1.{i}.0@sha256:{digest}
          resources:
            limits: {{cpu: 500m, memory: 256Mi}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
"""
LOOSE = """    spec:
      hostNetwork: {host}
      containers:
        - name: app
          image: registry.example.com/{name}:latest
          securityContext:
            privileged: {priv}
            capabilities: {{add: [NET_ADMIN]}}
          env:
            - name: MODE
              value: production
"""


def manifest(i: int, rnd: random.Random) -> tuple[str, bool]:
    """One object; True when it plants a privileged container."""
    name = f"svc-{i}"
    kind = rnd.choice(["Deployment", "Deployment", "CronJob", "Pod", "ConfigMap", "Role", "Namespace"])
    hardened = i % 3 == 0
    priv = not hardened and i % 2 == 1
    body = (HARDENED if hardened else LOOSE).format(name=name, i=i, digest=f"{i:064x}", host=str(i % 5 == 0).lower(),
                                                    priv=str(priv).lower())
    if kind == "ConfigMap":
        return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: ns-{i % 50}\ndata:\n  LOG: info\n", False
    if kind == "Role":
        return (f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {name}\n  namespace: ns-{i % 50}\n"
                f"rules:\n  - apiGroups: ['']\n    resources: ['pods']\n    verbs: ['get', {'*' if i % 4 else 'list'}]\n"), False
    if kind == "Namespace":
        return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{i}\n", False
    if kind == "Pod":
        pod = "\n".join(line[4:] for line in body.splitlines())
        return f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: ns-{i % 50}\n{pod}\n", priv
    head = (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: ns-{i % 50}\nspec:\n"
            f"  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n")
    if kind == "CronJob":
        inner = "\n".join("    " + line for line in (("  template:\n" + body).splitlines()))
        return (f"apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}\n  namespace: ns-{i % 50}\nspec:\n"
                f"  schedule: '0 3 * * *'\n  jobTemplate:\n    spec:\n{inner}\n"), priv
    return head + body, priv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifests", type=int, default=10_000)
    ap.add_argument("--checkov-venv", type=Path, default=Path(os.environ.get("CHECKOV_VENV", "/tmp/anchors/checkov-venv")))
    ap.add_argument("--skip-checkov", action="store_true")
    args = ap.parse_args()
    rnd = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="wasec-k8s-bench-") as tmp:
        root = Path(tmp)
        planted = set()
        for i in range(args.manifests):
            text, priv = manifest(i, rnd)
            (root / f"m{i:05d}.yaml").write_text(text)
            if priv:
                planted.add(f"m{i:05d}.yaml")
        print(f"{args.manifests} manifests, {len(planted)} with a privileged container")
        w, body = measure([wasec_bin(), "scan", ".", "-f", "json"], root)
        found = {Path(f["file"]).name for f in json.loads(body)["findings"]
                 if f["rule_id"] == "k8s-privileged" and f["status"] == "FAIL"}
        print(f"wasec:   {w['wall']:.1f} s, {w['peak_kb'] / 1024:.0f} MB, {args.manifests / w['wall']:,.0f} manifests/s, "
              f"privileged found {len(found & planted)}/{len(planted)}")
        if args.skip_checkov:
            return
        checkov = ensure_venv(args.checkov_venv, ["checkov"], "checkov")
        c, body = measure([str(checkov), "-d", ".", "--framework", "kubernetes", "-o", "json", "--quiet", "--compact"], root)
        reports = json.loads(body) if body.strip() else {}
        failed = (reports[0] if isinstance(reports, list) else reports).get("results", {}).get("failed_checks", [])
        cfound = {Path(f["file_path"]).name for f in failed if f["check_id"] == "CKV_K8S_16"}  # privileged containers
        print(f"checkov: {c['wall']:.1f} s, {c['peak_kb'] / 1024:.0f} MB, {args.manifests / c['wall']:,.0f} manifests/s, "
              f"privileged found {len(cfound & planted)}/{len(planted)}")
        print(f"wasec is {c['wall'] / w['wall']:.1f}x faster than Checkov, {c['peak_kb'] / w['peak_kb']:.1f}x less memory")


if __name__ == "__main__":
    main()
