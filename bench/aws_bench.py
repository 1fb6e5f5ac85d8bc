#!/usr/bin/env python3
"""Live-account benchmark: wasec and Prowler on the same emulated account, in the same run.

    python bench/aws_bench.py [--scale N] [--prowler-venv DIR] [--skip-prowler] [--repeat N]

1. Starts the AWS emulator (moto's server) in this process on 127.0.0.1 and seeds the demo account
   at ``--scale`` (default 10: a few hundred resources in two regions, with planted
   misconfigurations, each labelled with the wasec rule that must find it).
2. Runs ``wasec scan aws`` and ``prowler aws`` as separate processes against it, restricted to the
   same services and regions, after one warm-up run each (the emulator builds its backends lazily).
3. Prints, per tool: wall time, peak RSS, the API requests it made (from the emulator's log, reset
   between runs), the operations outside Describe/List/Get/Head/Lookup ("other": not necessarily
   writes, e.g. logs:FilterLogEvents), and how many planted misconfigurations it reported; then
   the ratios.

The emulator answers every request on one Python thread group, so wall time here is dominated by
how many requests a tool makes: the same is true, at real API latencies, against a real account.
Prowler is installed into a throwaway virtualenv (default /tmp/anchors/prowler-venv) on first use.
Nothing here is a test; the numbers go into the issue notes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from anchors import ensure_venv, measure, wasec_bin  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1")
# The services the seeded account uses, in each tool's own names.
WASEC_SERVICES = "iam,s3,s3control,ec2,logs,kms,sqs,sns,rds,dynamodb,cloudtrail,guardduty"
PROWLER_SERVICES = ["iam", "s3", "ec2", "vpc", "cloudwatch", "kms", "sqs", "sns", "rds", "dynamodb",
                    "cloudtrail", "guardduty"]

# For each planted wasec rule, the Prowler checks that report the same misconfiguration.
PROWLER_CHECKS: dict[str, tuple[str, ...]] = {
    "iam-password-min-length": ("iam_password_policy_minimum_length_14",),
    "iam-admin-policy-attached": ("iam_aws_attached_policy_no_administrative_privileges",
                                  "iam_user_administrator_access_policy", "iam_policy_attached_only_to_group_or_roles"),
    "iam-user-console-mfa": ("iam_user_mfa_enabled_console_access",),
    "iam-policy-admin-access": ("iam_customer_attached_policy_no_administrative_privileges",
                                "iam_customer_unattached_policy_no_administrative_privileges"),
    "iam-trust-policy-public": ("iam_role_cross_service_confused_deputy_prevention",
                                "iam_role_cross_account_readonlyaccess_policy"),
    "root-mfa": ("iam_root_mfa_enabled",),
    "s3-bucket-policy-public": ("s3_bucket_public_access", "s3_bucket_policy_public_write_access",
                                "s3_bucket_public_list_acl", "s3_bucket_public_write_acl"),
    "s3-bucket-acl-public": ("s3_bucket_public_access", "s3_bucket_public_list_acl", "s3_bucket_public_write_acl",
                             "s3_bucket_acl_prohibited"),
    "vpc-flow-logs": ("vpc_flow_logs_enabled",),
    "cloudwatch-log-retention": ("cloudwatch_log_group_retention_policy_specific_days_enabled",),
    "sg-admin-ports-open": ("ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
                            "ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
                            "ec2_securitygroup_allow_ingress_from_internet_to_any_port",
                            "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
                            "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports"),
    "ebs-volume-encrypted": ("ec2_ebs_volume_encryption",),
    "ec2-imdsv2-required": ("ec2_instance_imdsv2_enabled",),
    "ec2-user-data-secrets": ("ec2_instance_secrets_user_data", "ec2_launch_template_no_secrets"),
    "ebs-encryption-by-default": ("ec2_ebs_default_encryption",),
    "kms-key-rotation": ("kms_cmk_rotation_enabled",),
    "sqs-queue-policy-public": ("sqs_queues_not_publicly_accessible",),
    "sns-topic-encrypted": ("sns_topics_kms_encryption_at_rest_enabled",),
    "rds-not-public": ("rds_instance_no_public_access",),
    "rds-instance-encrypted": ("rds_instance_storage_encrypted",),
    "dynamodb-pitr": ("dynamodb_tables_pitr_enabled",),
    "cloudtrail-log-file-validation": ("cloudtrail_log_file_validation_enabled",),
    "cloudtrail-enabled-all-regions": ("cloudtrail_multi_region_enabled",),
    "guardduty-enabled": ("guardduty_is_enabled",),
}


def prowler_version(exe: Path) -> str:
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout.strip()
    return out.splitlines()[-1] if out else "?"


def wasec_found(report: dict[str, Any], planted: list[Any]) -> list[Any]:
    failing = [f for f in report["findings"] if f["status"] == "FAIL"]
    return [p for p in planted
            if any(f["rule_id"] == p.rule and p.resource in f["resource_id"]
                   and (p.region is None or f.get("region") == p.region) for f in failing)]


def prowler_fails(outdir: Path) -> list[dict[str, str]]:
    """Prowler's FAIL results from its OCSF JSON: check id, resource uid and name, region."""
    rows: list[dict[str, str]] = []
    for path in outdir.rglob("*.ocsf.json"):
        for item in json.loads(path.read_text() or "[]"):
            if item.get("status_code") != "FAIL":
                continue
            check = item.get("metadata", {}).get("event_code", "")
            for res in item.get("resources") or [{}]:
                rows.append({"check": check, "uid": str(res.get("uid", "")), "name": str(res.get("name", "")),
                             "region": str(res.get("region", "") or item.get("cloud", {}).get("region", ""))})
    return rows


def prowler_found(fails: list[dict[str, str]], planted: list[Any], account: str) -> list[Any]:
    found = []
    for p in planted:
        checks = PROWLER_CHECKS.get(p.rule, ())
        # account-wide facts (root, password policy, per-region switches) have no resource name to match
        account_wide = p.resource in {"root", "password-policy", "ebs-encryption-by-default", account} or \
            p.resource.startswith(f"{account}/")
        for f in fails:
            if f["check"] not in checks or (p.region and f["region"] not in ("", p.region)):
                continue
            if account_wide or p.resource in f["uid"] or p.resource in f["name"] or \
                    p.resource.rsplit("/", 1)[-1] in (f["uid"].rsplit("/", 1)[-1], f["name"]):
                found.append(p)
                break
    return found


def run_wasec(em: Any) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    em.reset_log()
    cmd = [wasec_bin(), "scan", "aws", "--regions", ",".join(REGIONS), "--services", WASEC_SERVICES,
           "--max-rps", "0", "--format", "json"]
    stats, body = measure(cmd, REPO_ROOT)
    return stats, json.loads(body), em.reset_log()


def run_prowler(em: Any, exe: Path, outdir: Path) -> tuple[dict[str, Any], list[dict[str, str]], list[Any]]:
    shutil.rmtree(outdir, ignore_errors=True)
    em.reset_log()
    cmd = [str(exe), "aws", "--no-banner", "--region", *REGIONS, "--services", *PROWLER_SERVICES,
           "--output-formats", "json-ocsf", "--output-directory", str(outdir), "--ignore-exit-code-3",
           "--scan-unused-services"]  # wasec assesses unused resources too
    stats, _ = measure(cmd, outdir.parent)
    return stats, prowler_fails(outdir), em.reset_log()



def describe(log: list[Any]) -> tuple[int, list[str], Counter[str]]:
    from wasec.sources.aws.api import is_read

    writes = sorted({r.name for r in log if not is_read(r.operation)})
    return len(log), writes, Counter(r.service for r in log)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--prowler-venv", type=Path, default=Path("/tmp/anchors/prowler-venv"))
    ap.add_argument("--skip-prowler", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs per tool (the best is reported)")
    args = ap.parse_args()

    from wasec.demo.emulator import Emulator
    from wasec.demo.seed import seed

    with Emulator() as em, em.environment(), tempfile.TemporaryDirectory() as tmp:
        os.environ["PROWLER_NO_UPDATE_CHECK"] = "1"  # no network but the emulator
        seeded = seed(args.scale, REGIONS)
        planted = seeded.planted
        print(f"emulated account {seeded.account}: {seeded.resources} resources in {', '.join(REGIONS)}, "
              f"{len(planted)} planted misconfigurations (scale {args.scale})")
        results: dict[str, dict[str, Any]] = {}

        run_wasec(em)  # warm-up
        best: dict[str, Any] | None = None
        for _ in range(args.repeat):
            stats, report, log = run_wasec(em)
            if best is None or stats["wall"] < best["stats"]["wall"]:
                best = {"stats": stats, "log": log, "found": wasec_found(report, planted)}
        assert best is not None
        results["wasec"] = best

        if not args.skip_prowler:
            exe = ensure_venv(args.prowler_venv, ["prowler"], "prowler")
            print(f"Prowler: {prowler_version(exe)}")
            outdir = Path(tmp) / "prowler-out"
            run_prowler(em, exe, outdir)  # warm-up
            best = None
            for _ in range(args.repeat):
                stats, fails, log = run_prowler(em, exe, outdir)
                if best is None or stats["wall"] < best["stats"]["wall"]:
                    best = {"stats": stats, "log": log, "found": prowler_found(fails, planted, seeded.account)}
            assert best is not None
            results["prowler"] = best

    print()
    print(f"{'tool':<9} {'wall s':>8} {'peak MB':>8} {'requests':>9} {'other':>7} {'planted found':>14}")
    for tool, r in results.items():
        n, writes, _ = describe(r["log"])
        print(f"{tool:<9} {r['stats']['wall']:>8.1f} {r['stats']['peak_kb'] / 1024:>8.0f} {n:>9} {len(writes):>7} "
              f"{len(r['found']):>7}/{len(planted)}")
    if "prowler" in results:
        w, p = results["wasec"], results["prowler"]
        print()
        print(f"speed: wasec {p['stats']['wall'] / w['stats']['wall']:.1f}x faster; "
              f"requests: {describe(p['log'])[0] / max(1, describe(w['log'])[0]):.1f}x fewer; "
              f"memory: {p['stats']['peak_kb'] / w['stats']['peak_kb']:.1f}x less")
        only_p = [f"{x.rule} {x.resource}" for x in p["found"] if x not in w["found"]]
        missed = [f"{x.rule} {x.resource}" for x in planted if x not in p["found"]]
        print(f"planted found by Prowler but not wasec: {only_p or 'none'}")
        print(f"planted Prowler did not report ({len(missed)}): {sorted(set(missed))}")
        print("requests per service (wasec / prowler):")
        wc, pc = describe(w["log"])[2], describe(p["log"])[2]
        for svc in sorted(set(wc) | set(pc)):
            print(f"  {svc:<16} {wc.get(svc, 0):>6} {pc.get(svc, 0):>6}")
        for tool in ("wasec", "prowler"):
            writes = describe(results[tool]["log"])[1]
            if writes:
                print(f"{tool} requests that are not Describe/List/Get/Head/Lookup: {writes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
