#!/usr/bin/env python3
"""CloudTrail detections benchmark: coverage on the shared labelled corpus, and throughput.

    python bench/events_bench.py [--records 1000000] [--work DIR]

1. Stratus Red Team detonations (../shared/bench/cloudtrail): for each technique, did a detection fire.
2. Panther's labelled test events: how often wasec fires on records Panther expects an alert on, and
   on those it expects none ("alarms"; Panther's topics are not all wasec's, see the note).
3. Throughput: N generated records in gzip delivery files of 1,000 (S3's shape), mostly routine reads,
   read and checked end to end by `wasec events` in one process; records per second.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from anchors import wasec_bin  # noqa: E402

SIGMAHQ = HERE.parent / "tests" / "data" / "sigma" / "sigmahq"
SHARED = Path(os.environ.get("WASEC_SHARED_BENCH", HERE.parent.parent / "shared" / "bench")) / "cloudtrail" / "logs"
ROUTINE = [("s3.amazonaws.com", "GetObject"), ("ec2.amazonaws.com", "DescribeInstances"), ("sts.amazonaws.com", "AssumeRole"),
           ("kms.amazonaws.com", "Decrypt"), ("dynamodb.amazonaws.com", "GetItem"), ("logs.amazonaws.com", "PutLogEvents"),
           ("lambda.amazonaws.com", "Invoke"), ("iam.amazonaws.com", "GetRole")]
RISKY = [("cloudtrail.amazonaws.com", "StopLogging", {"name": "main"}),
         ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress",
          {"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                                                           "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}})]


# Panther's rule topics that match a wasec detection: only these records judge wasec's alarms
TOPICS = {
    "AWS.CloudTrail.Stopped": {"cloudtrail-stopped", "cloudtrail-deleted"},
    "AWS.CloudTrail.EventSelectorsDisabled": {"cloudtrail-selectors-weakened"},
    "AWS.CloudTrail.AMIModifiedForPublicAccess": {"ami-public", "ami-shared"},
    "AWS.CloudTrail.SnapshotMadePublic": {"ebs-snapshot-public", "ebs-snapshot-shared", "rds-snapshot-public",
                                          "rds-snapshot-shared"},
    "AWS.CloudTrail.ResourceMadePublic": {"s3-policy-public", "s3-acl-public", "kms-key-policy-public", "sqs-policy-public",
                                          "sns-policy-public", "secret-policy-public", "lambda-permission-public",
                                          "ecr-policy-public", "opensearch-policy-public", "efs-policy-public",
                                          "glacier-policy-public", "backup-vault-policy-public", "event-bus-public"},
    "AWS.CloudTrail.DNSLogsDeleted": {"dns-query-logs-deleted"},
    "AWS.ConfigService.DisabledDeleted": {"config-recorder-stopped"},
    "AWS.Console.RootLogin": {"root-console-login"},
    "AWS.Console.LoginWithoutMFA": {"console-login-without-mfa"},
    "AWS.Root.Activity": {"root-api-activity", "root-console-login"},
    "AWS.IAM.AttachAdminUserPolicy": {"admin-policy-attached"},
    "AWS.IAM.AttachAdminRolePolicy": {"admin-policy-attached"},
    "AWS.IAM.BackdoorRole": {"trust-policy-opened"},
    "AWS.IAM.Backdoor.User.Keys": {"access-key-for-another-user"},
    "AWS.CloudTrail.LoginProfileCreatedOrModified": {"login-profile-for-another-user"},
    "AWS.KMS.CustomerManagedKeyLoss": {"kms-key-disabled-or-deleted"},
    "AWS.S3.DeletePublicAccessBlock": {"s3-public-access-block-removed"},
    "AWS.VPCFlow.LogsDeleted": {"flow-logs-deleted"},
    "AWS.EC2.DownloadInstanceUserData": {"ec2-user-data-read"},
    "AWS.EC2.LaunchUnusualEC2Instances": {"unusual-instance-launch"},
    "AWS.EC2.MultiInstanceConnect": {"ec2-instance-connect"},
    "AWS.SecretsManager.BatchRetrieveSecrets": {"secrets-batch-retrieved"},
    "AWS.SSM.DistributedCommand": {"ssm-send-command"},
    "AWS.Lambda.UpdateFunctionConfiguration": {"lambda-layer-added"},
    "AWS.RDS.SnapshotShared": {"rds-snapshot-public", "rds-snapshot-shared"},
    "AWS.RDS.InstanceMadePublic": {"rds-made-public"},
    "AWS.S3.SuspendVersioning": {"s3-versioning-suspended"},
    "AWS.S3.DeleteBucketEncryption": {"s3-encryption-removed"},
    "AWS.EC2.EBS.Encryption.Disabled": {"ebs-default-encryption-disabled"},
    "AWS.CloudTrail.AttemptToLeaveOrg": {"left-organization"},
    "AWS.CloudTrail.RootAccessKeyCreated": {"root-access-key-created"},
    "AWS.CloudTrail.SecurityConfigurationChange": {"cloudtrail-stopped", "cloudtrail-deleted", "cloudtrail-selectors-weakened"},
    "AWS.CloudTrail.NetworkACLPermissiveEntry": {"nacl-open"},
    "AWS.S3.DisableMfaDelete": {"s3-versioning-suspended"},
    "AWS.S3.DisableBucketLogging": {"s3-access-logging-disabled"},
    "AWS.S3.SecurityControlDisabling": {"s3-versioning-suspended", "s3-access-logging-disabled"},
    "AWS.RDS.DeletionProtectionDisabled": {"rds-protection-removed"},
    "AWS.RDS.AutomatedBackupDeleted": {"backup-deleted"},
    "AWS.RDS.SnapshotDeleted": {"backup-deleted"},
    "AWS.RDS.ActivityStreamStopped": {"log-source-stopped"},
    "AWS.Bedrock.DeleteModelInvocationLoggingConfiguration": {"log-source-stopped"},
    "AWS.WAF.Disassociation": {"waf-disassociated"},
    "AWS.User.Login.Profile.Modified": {"login-profile-for-another-user"},
    "AWS.EC2.Startup.Script.Change": {"ec2-user-data-changed"},
    "AWS.CloudTrail.CodebuildProjectMadePublic": {"codebuild-project-public"},
    "AWS.CloudTrail.EnableRegion": {"region-enabled"},
    "AWS.CloudTrail.IAMCompromisedKeyQuarantine": {"access-key-exposed"},
    "AWS.IAM.AccessKeyCompromised": {"access-key-exposed"},
    "AWS.CloudTrail.IMDSCredentialExfiltration": {"instance-credentials-outside-aws", "instance-credentials-elsewhere"},
    "AWS.Console.GetSigninToken.Abuse": {"console-session-from-keys"},
    "AWS.Console.RootLoginFailed": {"root-console-login-failed"},
    "AWS.EC2.Traffic.Mirroring": {"traffic-mirroring-started"},
    "AWS.IPSet.Modified": {"guardduty-ip-lists-changed"},
    "AWS.Macie.Evasion": {"macie-paused", "security-service-disabled"},
    "AWS.RDS.InstanceDeletion": {"rds-deleted"},
    "AWS.RDS.PublicRestore": {"rds-restored-from-foreign-snapshot", "rds-made-public"},
    "AWS.RDS.SnapshotExport": {"rds-export-to-s3"},
    "AWS.S3.CopyObject.CrossAccount.Encryption.KMS": {"s3-reencrypted-with-foreign-key"},
    "AWS.S3.CopyObjectToExternalAccountBucket": {"s3-copied-to-another-account"},
    "AWS.S3.DeleteBucketReplication": {"s3-replication-removed"},
    "AWS.STS.GetCallerIdentity.TruffleHog": {"key-checked-by-scanner"},
    "AWS.Suspicious.SAML.Activity": {"identity-provider-changed"},
    "AWS.CloudTrail.ShortLifecycle": {"s3-lifecycle-short-expiry"},
    "AWS.Lambda.UpdateFunctionCode": {"lambda-code-replaced"},
}
# Panther topics a wasec detection covers by a burst or a sequence: Panther's test events are single records, so
# these are judged on the stateful lane by the tests, not here
STATEFUL_TOPICS = {
    "AWS.CloudTrail.PasswordSpraying": {"console-login-brute-force"},
    "AWS.S3.RansomwareNoteUpload": {"s3-ransom-note"},
    "AWS.SecurityHub.Finding.Evasion": {"securityhub-findings-suppressed"},
    "AWS.S3.CopyObjectWithClientSideEncryption": {"s3-sse-c-rewrite"},
    "AWS.EC2.ManyPasswordReadAttempts": {"password-data-burst"},
    "AWS.SSM.DecryptSSMParams": {"ssm-parameters-decrypted-burst"},
}


def coverage() -> None:
    from wasec.events.detections import reset_state
    from wasec.events.run import detect as run_detect

    def detect(records: list[dict]) -> list:
        reset_state()  # each Panther test and each Stratus detonation stands alone
        return run_detect(records)

    labels = [json.loads(line) for line in (SHARED / "labels.jsonl").read_text().splitlines()]
    by_file: dict[str, list[dict]] = defaultdict(list)
    for row in labels:
        by_file[row["file"]].append(row)
    techniques: dict[str, int] = {}
    tp = fn = fp = negatives = 0
    agree = {True: {True: 0, False: 0}, False: {True: 0, False: 0}}  # expected -> fired (same topic) -> count
    alarms: list[str] = []
    for f, rows in by_file.items():
        with gzip.open(SHARED / f) as fh:
            records = json.load(fh)["Records"]
        if f.startswith("stratus/"):
            techniques[rows[0]["technique"]] = len(detect(records))
            continue
        for row in rows:
            fired = bool(detect([records[row["idx"]]]))
            if row["expected"]:
                tp += fired
                fn += not fired
            else:
                negatives += 1
                fp += fired
            topic = TOPICS.get(row["rule"])
            if topic is not None:
                same = bool({f.rule_id.removeprefix("event-") for f in detect([records[row["idx"]]])} & topic)
                agree[row["expected"]][same] += 1
                if same and not row["expected"]:
                    alarms.append(f"{row['rule']}: {row['test']}")
    from wasec.events.detections import REGISTRY

    panther = {row["rule"] for row in labels if row.get("source") == "panther"}
    print(f"detections: {len(REGISTRY)} ({sum(bool(d.state) for d in REGISTRY.values())} keep state); Panther rules "
          f"in the corpus with a wasec counterpart: {len(panther & (set(TOPICS) | set(STATEFUL_TOPICS)))}/{len(panther)} "
          f"({len(panther & set(STATEFUL_TOPICS))} of them by a burst or sequence)")
    hit = sum(1 for n in techniques.values() if n)
    print(f"Stratus techniques detected: {hit}/{len(techniques)}"
          + (f" (missing: {', '.join(t for t, n in techniques.items() if not n)})" if hit < len(techniques) else ""))
    print(f"Panther tests, all topics: fired on {tp}/{tp + fn} expected alerts; on {fp}/{negatives} expected non-alerts")
    t, f = agree[True], agree[False]
    print(f"Panther tests, the {len(TOPICS)} topics wasec covers: the matching detection fired on {t[True]}/{t[True] + t[False]} "
          f"expected alerts; alarms on {f[True]}/{f[True] + f[False]} should-not events "
          f"({100 * f[True] / max(1, f[True] + f[False]):.1f}%)")
    for a in alarms:
        print(f"  alarm: {a}")
    sigma_coverage(by_file)


def sigma_coverage(by_file: dict[str, list[dict]]) -> None:
    """The same Stratus detonations through SigmaHQ's CloudTrail rules alone, run by wasec unchanged."""
    try:
        from wasec.events.run import Detector
        from wasec.events.sigma import load
    except ImportError:
        return
    try:
        loaded = load([SIGMAHQ])
    except RuntimeError as e:
        print(f"(Sigma skipped: {e})")
        return
    det = Detector(loaded.detections)
    hit: dict[str, set[str]] = {}
    for f, rows in by_file.items():
        if f.startswith("stratus/"):
            with gzip.open(SHARED / f) as fh:
                hit[rows[0]["technique"]] = {x.title for _, x in det.run(json.load(fh)["Records"])}
    noisy = {"AWS STS AssumeRole Misuse"}  # fires on any role session with an issuer: a hunting rule
    print(f"SigmaHQ CloudTrail rules ({len(loaded.detections)} loaded, {len(loaded.problems)} not run): "
          f"Stratus techniques with a rule firing: {sum(1 for t in hit.values() if t)}/{len(hit)}, "
          f"{sum(1 for t in hit.values() if t - noisy)} without the AssumeRole hunting rule")


def generate(work: Path, n: int, every: int) -> Path:
    out = work / f"records-{n}-{every}"
    if out.exists():
        return out
    out.mkdir(parents=True)
    r = random.Random(1)
    per_file = 1000
    for k in range(0, n, per_file):
        recs = []
        for i in range(k, min(n, k + per_file)):
            if i % every == 0:
                src, name, params = RISKY[(i // every) % len(RISKY)]
            else:
                (src, name), params = r.choice(ROUTINE), {"bucketName": "b", "key": f"k{i}"}
            recs.append({"eventVersion": "1.09", "eventSource": src, "eventName": name, "awsRegion": "us-east-1",
                         "eventTime": "2026-11-24T10:00:00Z", "eventType": "AwsApiCall", "eventID": f"e{i}",
                         "recipientAccountId": "111122223333", "sourceIPAddress": "203.0.113.7",
                         "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app/x",
                                          "accountId": "111122223333"},
                         "requestParameters": params, "responseElements": None, "readOnly": name.startswith(("Get", "Describe"))})
        (out / f"{k // per_file:06d}.json.gz").write_bytes(gzip.compress(json.dumps({"Records": recs}).encode(), 6))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/wasec-events-bench"))
    ap.add_argument("--risky-every", type=int, default=5000,
                    help="one risky record per this many (500: every delivery file holds one, so none is skipped)")
    args = ap.parse_args()
    if (SHARED / "labels.jsonl").exists():
        coverage()
    else:
        print(f"(no labelled corpus at {SHARED}: coverage skipped)")
    data = generate(args.work, args.records, args.risky_every)
    t = time.perf_counter()
    p = subprocess.run([wasec_bin(), "events", str(data), "-f", "json", "-q", "-o", str(args.work / "out.json")],
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    found = len(json.loads((args.work / "out.json").read_text())["findings"])
    print(f"throughput: {args.records:,} records in {wall:.2f} s = {args.records / wall:,.0f} records/s end to end "
          f"(one process; {found:,} detections, expected {-(-args.records // args.risky_every):,}; exit {p.returncode})")
    t = time.perf_counter()
    p = subprocess.run([wasec_bin(), "events", str(data), "-f", "json", "-q", "-o", str(args.work / "out.json"),
                        "--sigma", str(SIGMAHQ)], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if "sigma:" in p.stderr:
        print(f"throughput with SigmaHQ's {p.stderr.split('sigma: ')[1].split(' rule')[0]} CloudTrail rules too: "
              f"{args.records / wall:,.0f} records/s (some read every record, so no file is skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
