#!/usr/bin/env python3
"""IAM analyzer benchmark: wasec, Parliament and Cloudsplaining on every AWS managed policy, in the same run.

    python bench/iam_bench.py [--venv DIR] [--skip-peers] [--diff-file FILE]

The policy set is built at run time from what is installed (the AWS managed policies moto ships
as data; nothing is copied into this repository). Each tool runs in its own process over the same
JSON file of policies and reports, per policy, its verdicts and the time it took:

- wasec: ``wasec.iam.report`` (validation, admin-equivalence, escalation, exposure actions);
- Parliament (validation: unknown actions and services, resource mismatches);
- Cloudsplaining (privilege escalation, data exfiltration, credentials and resource exposure).

Printed: time per 1,000 policies (analysis only, and with start-up), then every verdict difference
by category, with counts; ``--diff-file`` writes each differing policy and both verdicts as JSON.
Peers are installed into a throwaway virtualenv (default /tmp/anchors/iam-venv) on first use.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from anchors import ensure_venv  # noqa: E402

PEERS = r"""
import json, sys, time
from parliament import analyze_policy_string
from cloudsplaining.scan.policy_document import PolicyDocument
policies = json.load(open(sys.argv[1]))
out = {}
t0 = time.perf_counter()
errors = {"parliament": 0, "cloudsplaining": 0}
for name, doc in policies.items():
    try:
        p = analyze_policy_string(json.dumps(doc))
        codes = sorted({f.issue for f in p.findings})
    except Exception as e:  # a policy the tool cannot read: counted, not fatal
        codes, errors["parliament"] = ["ERROR " + type(e).__name__], errors["parliament"] + 1
    out[name] = {"parliament": codes}
t1 = time.perf_counter()
for name, doc in policies.items():
    try:
        d = PolicyDocument(doc)
        out[name]["cloudsplaining"] = {
            "privilege-escalation": sorted(x["type"] for x in d.allows_privilege_escalation),
            "data-exfiltration": sorted(d.allows_data_exfiltration_actions),
            "credential-exposure": sorted(d.credentials_exposure),
            "resource-exposure": sorted(d.permissions_management_without_constraints),
        }
    except Exception as e:
        errors["cloudsplaining"] += 1
        out[name]["cloudsplaining"] = {"error": type(e).__name__}
t2 = time.perf_counter()
json.dump({"parliament_s": t1 - t0, "cloudsplaining_s": t2 - t1, "errors": errors, "verdicts": out}, sys.stdout)
"""

WASEC = r"""
import json, sys, time
t0 = time.perf_counter()
from wasec.iam import report, catalog
catalog()
t1 = time.perf_counter()
policies = json.load(open(sys.argv[1]))
out = {}
for name, doc in policies.items():
    r = report(doc, name, kind="identity")
    a = r.analysis
    out[name] = {
        "issues": sorted({i.code for i in r.issues}),
        "admin": a.admin,
        "privilege-escalation": sorted(e.method.id for e in a.escalations),
        "data-exfiltration": a.data_exfiltration,
        "credential-exposure": a.credential_exposure,
        "resource-exposure": a.resource_exposure,
    }
t2 = time.perf_counter()
json.dump({"load_s": t1 - t0, "analysis_s": t2 - t1, "verdicts": out}, sys.stdout)
"""


def managed_policies() -> dict[str, dict]:
    try:
        from moto.iam.aws_managed_policies import aws_managed_policies_data
    except ImportError:
        sys.exit("the managed-policy set is built from moto's data: pip install moto (the dev extra has it)")
    data = json.loads(aws_managed_policies_data)
    return {name: p["Document"] for name, p in data.items()}


def run(py: str, script: str, path: Path) -> tuple[dict, float]:
    t = time.perf_counter()
    out = subprocess.run([py, "-c", script, str(path)], capture_output=True, text=True, check=True).stdout
    return json.loads(out), time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venv", type=Path, default=Path("/tmp/anchors/iam-venv"))
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--diff-file", type=Path)
    args = ap.parse_args()

    policies = managed_policies()
    n = len(policies)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "policies.json"
        path.write_text(json.dumps(policies))
        w, w_wall = run(sys.executable, WASEC, path)
        peers, p_wall = (None, 0.0) if args.skip_peers else run(str(ensure_venv(args.venv, ["parliament", "cloudsplaining"], "python")), PEERS, path)

    per_k = 1000 / n
    print(f"{n} AWS managed policies")
    print(f"wasec           analysis {w['analysis_s']:.2f} s ({w['analysis_s'] * per_k:.2f} s per 1,000); "
          f"catalog load {w['load_s']:.2f} s; whole process {w_wall:.2f} s")
    if peers is None:
        return 0
    print(f"Parliament      analysis {peers['parliament_s']:.2f} s ({peers['parliament_s'] * per_k:.2f} s per 1,000)")
    print(f"Cloudsplaining  analysis {peers['cloudsplaining_s']:.2f} s ({peers['cloudsplaining_s'] * per_k:.2f} s per 1,000)")
    print(f"peers' process (both, with start-up) {p_wall:.2f} s; policies a peer failed on: {peers['errors']}")
    print(f"speed: {peers['parliament_s'] / w['analysis_s']:.1f}x Parliament, "
          f"{peers['cloudsplaining_s'] / w['analysis_s']:.1f}x Cloudsplaining")

    diffs: dict[str, list[dict]] = {}
    for name in policies:
        ours, theirs = w["verdicts"][name], peers["verdicts"][name]
        cs = theirs["cloudsplaining"]
        if "error" in cs:
            continue
        for cat in ("privilege-escalation", "data-exfiltration", "credential-exposure", "resource-exposure"):
            # an administrator policy escalates and exposes by definition
            a, b = bool(ours[cat]) or ours["admin"], bool(cs[cat])
            if a != b:
                diffs.setdefault(f"{cat}: {'wasec only' if a else 'Cloudsplaining only'}", []).append(
                    {"policy": name, "wasec": ours[cat], "cloudsplaining": cs[cat]})
        unknown_ours = bool({"unknown-action", "unknown-service"} & set(ours["issues"]))
        unknown_theirs = bool({"UNKNOWN_ACTION", "UNKNOWN_PREFIX"} & set(theirs["parliament"]))
        if unknown_ours != unknown_theirs:
            diffs.setdefault(f"unknown action/service: {'wasec only' if unknown_ours else 'Parliament only'}",
                             []).append({"policy": name, "wasec": ours["issues"], "parliament": theirs["parliament"]})
        mism_ours = "resource-mismatch" in ours["issues"]
        mism_theirs = "RESOURCE_MISMATCH" in theirs["parliament"]
        if mism_ours != mism_theirs:
            diffs.setdefault(f"resource mismatch: {'wasec only' if mism_ours else 'Parliament only'}", []).append(
                {"policy": name, "wasec": ours["issues"], "parliament": theirs["parliament"]})
    compared = sum(1 for name in policies if "error" not in peers["verdicts"][name]["cloudsplaining"])
    print()
    print(f"agreement with Cloudsplaining, per category ({compared} policies it read):")
    total_diff = 0
    for cat in ("privilege-escalation", "data-exfiltration", "credential-exposure", "resource-exposure"):
        differ = sum(len(v) for k, v in diffs.items() if k.startswith(cat + ":"))
        total_diff += differ
        print(f"  {cat:<22} {100 * (compared - differ) / compared:5.1f}%  ({differ} differ)")
    print(f"  {'all four':<22} {100 * (4 * compared - total_diff) / (4 * compared):5.1f}%")
    print()
    print("verdict differences (policies):")
    for key in sorted(diffs):
        sample = ", ".join(d["policy"] for d in diffs[key][:4])
        print(f"  {key:<48} {len(diffs[key]):>5}   e.g. {sample}")
    if args.diff_file:
        args.diff_file.write_text(json.dumps(diffs, indent=1))
        print(f"(each difference: {args.diff_file})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
