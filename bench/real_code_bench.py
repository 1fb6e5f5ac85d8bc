#!/usr/bin/env python3
"""Accuracy and speed on real public code: wasec and Checkov over the same trees, in the same run.

    python bench/real_code_bench.py TREE [TREE…] [--checkov-venv DIR] [--skip-checkov]

Each TREE is a checkout of a public repository (terraform-aws-modules/terraform-aws-vpc and its
siblings, aws-cloudformation/aws-cloudformation-templates…; this bench does not download them).
For each it prints files, resources, input errors and warnings, the UNKNOWN share of wasec's
findings and its most common UNKNOWN reasons (the evaluation gaps worth closing next), and the wall
time of both tools with the ratio. Every gap found this way becomes a test in
tests/test_real_code_gaps.py. Nothing here is a test; the numbers go into the issue notes.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

from anchors import ensure_venv, measure, wasec_bin


def wasec_run(tree: Path) -> dict[str, object]:
    stats, body = measure([wasec_bin(), "scan", str(tree), "--no-secrets", "-f", "json", "--fail-on", "never"], tree.parent)
    doc = json.loads(body)
    findings = doc["findings"]
    unknown = [f for f in findings if f["status"] == "UNKNOWN"]
    reasons = collections.Counter(re.sub(r"\d+", "N", f["message"])[:100] for f in unknown)
    problems = doc["problems"]
    return {
        "wall": stats["wall"], "rc": stats["rc"], "files": doc["scan"]["files"], "resources": doc["scan"]["resources"],
        "errors": [p for p in problems if p["kind"] == "error"], "warnings": sum(p["kind"] == "warning" for p in problems),
        "findings": len(findings), "fail": sum(f["status"] == "FAIL" for f in findings), "unknown": len(unknown),
        "reasons": reasons.most_common(5),
    }


def checkov_run(tree: Path, venv: Path) -> dict[str, float]:
    exe = ensure_venv(venv, ["checkov"], "checkov")
    stats, _ = measure([str(exe), "-d", str(tree), "--framework", "terraform", "cloudformation", "-o", "json", "--quiet",
                        "--skip-download", "--compact"], tree.parent)
    return stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trees", nargs="+", type=Path)
    ap.add_argument("--checkov-venv", type=Path, default=Path("/tmp/anchors/checkov-venv"))
    ap.add_argument("--skip-checkov", action="store_true")
    a = ap.parse_args()
    rows = []
    for tree in a.trees:
        tree = tree.resolve()
        w = wasec_run(tree)
        c = None if a.skip_checkov else checkov_run(tree, a.checkov_venv)
        rows.append((tree.name, w, c))
        print(f"\n== {tree.name}", file=sys.stderr)
        for p in w["errors"][:10]:  # type: ignore[index]
            print(f"   input error: {p['file']}:{p.get('line')}: {p['message'][:140]}", file=sys.stderr)
        for reason, n in w["reasons"]:  # type: ignore[attr-defined]
            print(f"   UNKNOWN ×{n}: {reason}", file=sys.stderr)
    print(f"\n{'tree':32} {'files':>6} {'resources':>9} {'errors':>6} {'warn':>5} {'FAIL':>5} {'UNKNOWN':>13}"
          f" {'wasec s':>8} {'checkov s':>9} {'ratio':>6}")
    for name, w, c in rows:
        share = f"{w['unknown']} ({100 * w['unknown'] / max(1, w['findings']):.1f}%)"  # type: ignore[operator]
        cw = f"{c['wall']:.1f}" if c else "-"
        ratio = f"{c['wall'] / w['wall']:.0f}×" if c else "-"  # type: ignore[operator]
        print(f"{name:32} {w['files']:>6} {w['resources']:>9} {len(w['errors']):>6} {w['warnings']:>5} {w['fail']:>5}"  # type: ignore[arg-type]
              f" {share:>13} {w['wall']:>8.2f} {cw:>9} {ratio:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
