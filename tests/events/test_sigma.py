"""Sigma rules over CloudTrail: SigmaHQ's own rules load and run unchanged; what cannot run is reported."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wasec.events.detections import REGISTRY
from wasec.events.run import Detector, scan_events
from wasec.events.sigma import load, values_at

DATA = Path(__file__).resolve().parent.parent / "data"
SIGMAHQ = DATA / "sigma" / "sigmahq"
STRATUS = DATA / "cloudtrail" / "stratus"


def record(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "eventVersion": "1.09", "eventSource": "iam.amazonaws.com", "eventName": "ListUsers", "awsRegion": "us-east-1",
        "eventTime": "2026-11-24T10:00:00Z", "eventType": "AwsApiCall", "eventID": "e-1", "recipientAccountId": "111122223333",
        "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2.15.0",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice", "userName": "alice",
                         "accountId": "111122223333"},
    }
    base.update(fields)
    return base


@pytest.fixture(scope="module")
def sigmahq() -> Detector:
    loaded = load([SIGMAHQ])
    assert loaded.problems == []
    return Detector(loaded.detections)


def fired(det: Detector, r: dict[str, Any]) -> set[str]:
    return {f.title for _, f in det.run([r])}


def test_every_sigmahq_cloudtrail_rule_loads_and_compiles() -> None:
    loaded = load([SIGMAHQ])
    assert loaded.files == 57
    assert len(loaded.detections) == 57, [str(p) for p in loaded.problems]
    assert loaded.problems == []
    ids = {d.id for d in loaded.detections}
    assert "sigma-39c9f26d-6e3b-4dbb-9c7a-4154b0281112" in ids  # AWS Bucket Deleted, by its Sigma id
    by_title = {d.title: d for d in loaded.detections}
    assert by_title["AWS Bucket Deleted"].events == ("deletebucket",)
    assert by_title["AWS Root Credentials"].events == ("*",)  # no event name in the rule: every record
    assert by_title["AWS Bucket Deleted"].severity == "medium"


def test_null_and_any_of(sigmahq: Detector) -> None:
    # selection_event_name and 1 of selection_status_* (errorCode: 'Success' or null)
    assert "AWS Bucket Deleted" in fired(sigmahq, record(eventSource="s3.amazonaws.com", eventName="DeleteBucket"))
    assert "AWS Bucket Deleted" not in fired(sigmahq, record(eventSource="s3.amazonaws.com", eventName="DeleteBucket",
                                                            errorCode="AccessDenied"))


def test_list_of_values_and_not(sigmahq: Detector) -> None:
    hit = fired(sigmahq, record(eventSource="cloudtrail.amazonaws.com", eventName="UpdateTrail"))
    assert "AWS CloudTrail Important Change" in hit
    assert "AWS CloudTrail Important Change" not in fired(sigmahq, record(eventSource="cloudtrail.amazonaws.com",
                                                                          eventName="DescribeTrails"))
    root = {"type": "Root", "arn": "arn:aws:iam::111122223333:root"}
    assert "AWS Root Credentials" in fired(sigmahq, record(userIdentity=root))
    assert "AWS Root Credentials" not in fired(sigmahq, record(userIdentity=root, eventType="AwsServiceEvent"))


def test_startswith_contains_and_nested_fields(sigmahq: Detector) -> None:
    layered = record(eventSource="lambda.amazonaws.com", eventName="UpdateFunctionConfiguration20150331v2",
                     requestParameters={"functionName": "f", "layers": ["arn:aws:lambda:us-east-1:444455556666:layer:x:1"]})
    assert "AWS New Lambda Layer Attached" in fired(sigmahq, layered)
    plain = dict(layered, requestParameters={"functionName": "f", "timeout": 30})
    assert "AWS New Lambda Layer Attached" not in fired(sigmahq, plain)


def test_regular_expression_and_a_list_of_filters(sigmahq: Detector) -> None:
    title = "Malicious Usage Of IMDS Credentials Outside Of AWS Infrastructure"
    stolen = {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/aws:ec2-instance/i-0abc"}
    assert title in fired(sigmahq, record(userIdentity=stolen))
    assert title not in fired(sigmahq, record(userIdentity=stolen, sourceIPAddress="AWS Internal"))
    assert title not in fired(sigmahq, record(userIdentity=stolen, eventSource="ssm.amazonaws.com"))
    assert title not in fired(sigmahq, record())


def test_field_reference(sigmahq: Detector) -> None:
    # userIdentity.arn|fieldref: requestParameters.userName is a filter: the same value in both fields
    title = "AWS User Login Profile Was Modified"
    r = record(eventName="UpdateLoginProfile", requestParameters={"userName": "bob"})
    assert title in fired(sigmahq, r)
    same = dict(r, requestParameters={"userName": "arn:aws:iam::111122223333:user/alice"})
    assert title not in fired(sigmahq, same)


def test_contains_all_on_an_object_reads_it_as_json(sigmahq: Detector) -> None:
    title = "AWS IAM S3Browser Templated S3 Bucket Policy Creation"
    policy = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],'
              '"Resource":["arn:aws:s3:::<YOUR-BUCKET-NAME>/*"]}]}')
    r = record(eventName="PutUserPolicy", userAgent="S3 Browser 9.5.5 https://s3browser.com",
               requestParameters={"userName": "u", "policyName": "p", "policyDocument": policy})
    assert title in fired(sigmahq, r)
    # all of the strings, not any: without the placeholder bucket name it does not match
    other = dict(r, requestParameters={"userName": "u", "policyDocument": policy.replace("<YOUR-BUCKET-NAME>", "b")})
    assert title not in fired(sigmahq, other)


def test_findings_name_the_rule_its_author_and_the_event() -> None:
    loaded = load([SIGMAHQ / "aws_cloudtrail_bucket_deleted.yml"])
    (hit,) = Detector(loaded.detections).run([record(eventSource="s3.amazonaws.com", eventName="DeleteBucket")])
    f = hit[1]
    assert f.rule_id == "event-sigma-39c9f26d-6e3b-4dbb-9c7a-4154b0281112"
    assert "AWS Bucket Deleted" in f.message and "Ivan Saakov" in f.message and "(event e-1)" in f.message
    assert f.resource_id == "e-1"


def test_values_at_walks_lists_and_objects() -> None:
    r = {"a": {"b": [{"c": 1}, {"c": 2}, {"d": 3}]}, "x": [1, 2], "n": None}
    assert values_at(r, "a.b.c") == [1, 2]
    assert values_at(r, "x") == [1, 2]
    assert values_at(r, "a.missing") == []
    assert values_at(r, "n") == [None]


RULES = {
    "cidr.yml": """
title: Console sign-in from the office range
id: 00000000-0000-4000-8000-000000000001
logsource: {product: aws, service: cloudtrail}
detection:
    selection:
        eventName: ConsoleLogin
        sourceIPAddress|cidr: 10.0.0.0/8
    condition: selection
level: low
""",
    "compare.yml": """
title: Long session requested
id: 00000000-0000-4000-8000-000000000002
logsource: {product: aws, service: cloudtrail}
detection:
    selection:
        eventName: GetSessionToken
        requestParameters.durationSeconds|gte: 43200
    condition: selection
level: medium
""",
    "exists_cased.yml": """
title: Error with a cased code
id: 00000000-0000-4000-8000-000000000003
logsource: {product: aws, service: cloudtrail}
detection:
    selection:
        eventName: deletebucket
        errorCode|exists: true
        errorCode|cased: AccessDenied
    condition: selection
level: low
tags: [attack.t1485, attack.impact]
""",
    "keywords.yml": """
title: Keyword search
id: 00000000-0000-4000-8000-000000000004
logsource: {product: aws, service: cloudtrail}
detection:
    keywords: [trufflehog]
    condition: keywords
level: low
""",
    "windows.yml": """
title: A Windows rule
id: 00000000-0000-4000-8000-000000000005
logsource: {product: windows, category: process_creation}
detection:
    selection: {Image|endswith: '\\\\whoami.exe'}
    condition: selection
level: low
""",
    "correlation.yml": """
title: Base
id: 00000000-0000-4000-8000-000000000006
name: base_rule
logsource: {product: aws, service: cloudtrail}
detection:
    selection: {eventName: GetSecretValue}
    condition: selection
---
title: Many secrets
id: 00000000-0000-4000-8000-000000000007
correlation:
    type: event_count
    rules: [base_rule]
    group-by: [userIdentity.arn]
    timespan: 10m
    condition: {gte: 10}
level: high
""",
    "broken.yml": "title: [unclosed\n",
    "placeholder.yml": """
title: Placeholder
id: 00000000-0000-4000-8000-000000000008
logsource: {product: aws, service: cloudtrail}
detection:
    selection:
        eventName: AssumeRole
        sourceIPAddress|expand: '%office_ips%'
    condition: selection
level: low
""",
}


@pytest.fixture()
def own_rules(tmp_path: Path) -> Path:
    for name, text in RULES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_own_rules_run_and_what_cannot_run_is_reported_per_rule(own_rules: Path) -> None:
    loaded = load([own_rules])
    assert loaded.files == len(RULES)
    assert sorted(d.title for d in loaded.detections) == ["Base", "Console sign-in from the office range",
                                                          "Error with a cased code", "Long session requested"]
    reasons = {Path(p.path).name: p.reason for p in loaded.problems}
    assert set(reasons) == {"keywords.yml", "windows.yml", "correlation.yml", "broken.yml", "placeholder.yml"}
    assert "keyword" in reasons["keywords.yml"]
    assert "product 'windows'" in reasons["windows.yml"] and "skipped" in reasons["windows.yml"]
    assert "correlation" in reasons["correlation.yml"]
    assert "placeholder" in reasons["placeholder.yml"]
    assert reasons["broken.yml"]  # pySigma's own words, whatever they are

    det = Detector(loaded.detections)
    titles = lambda r: fired(det, r)  # noqa: E731
    assert "Console sign-in from the office range" in titles(record(eventName="ConsoleLogin", sourceIPAddress="10.2.3.4"))
    assert not titles(record(eventName="ConsoleLogin", sourceIPAddress="203.0.113.7"))
    assert not titles(record(eventName="ConsoleLogin", sourceIPAddress="AWS Internal"))
    assert "Long session requested" in titles(record(eventName="GetSessionToken",
                                                     requestParameters={"durationSeconds": 129600}))
    assert not titles(record(eventName="GetSessionToken", requestParameters={"durationSeconds": 3600}))
    # event names compare without case; |cased values with it
    assert "Error with a cased code" in titles(record(eventName="DeleteBucket", errorCode="AccessDenied"))
    assert not titles(record(eventName="DeleteBucket", errorCode="accessdenied"))
    assert not titles(record(eventName="DeleteBucket"))
    cased = next(d for d in loaded.detections if d.title == "Error with a cased code")
    assert cased.mitre == ("T1485",)


def test_prefilter_skips_files_only_when_every_rule_names_its_events(tmp_path: Path, own_rules: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    quiet = [record(eventName="ListUsers", eventID=f"q{i}") for i in range(3)]
    (logs / "quiet.json.gz").write_bytes(gzip.compress(json.dumps({"Records": quiet}).encode()))
    (logs / "login.json.gz").write_bytes(gzip.compress(json.dumps(
        {"Records": [record(eventName="ConsoleLogin", sourceIPAddress="10.9.9.9", eventID="l1")]}).encode()))
    named = Detector(load([own_rules / "cidr.yml"]).detections)
    s = scan_events([str(logs)], detector=named)
    assert s.stats.skipped_files == 1 and [f.resource_id for f in s.findings] == ["l1"]
    everything = Detector([*REGISTRY.values(), *load([SIGMAHQ]).detections])  # some SigmaHQ rules read every record
    assert everything.prefilter() is None
    s = scan_events([str(logs)], detector=everything)
    assert s.stats.skipped_files == 0 and s.stats.records == 4


def test_sigmahq_rules_on_stratus_detonations() -> None:
    det = Detector(load([SIGMAHQ]).detections)
    hits: dict[str, set[str]] = {}
    for path in sorted(STRATUS.glob("*.json.gz")):
        records = json.loads(gzip.decompress(path.read_bytes()))["Records"]
        hits[path.name.removesuffix(".json.gz")] = {f.title for _, f in det.run(records)}
    assert hits["aws.persistence.iam-backdoor-user"] == {"AWS IAM Backdoor Users Keys"}
    assert hits["aws.persistence.lambda-layer-extension"] == {"AWS New Lambda Layer Attached"}
    assert hits["aws.initial-access.console-login-without-mfa"] == {"AWS Successful Console Login Without MFA"}
    assert hits["aws.execution.ssm-send-command"] == {"Potential Malicious Usage of CloudTrail System Manager"}
    # SigmaHQ's snapshot rule reads ModifySnapshotAttribute; sharing an image is ModifyImageAttribute
    assert hits["aws.exfiltration.ec2-share-ami"] == set()


def wasec(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, timeout=120)


def test_cli_runs_sigma_rules_next_to_wasecs_own(tmp_path: Path, own_rules: Path) -> None:
    p = wasec("events", str(STRATUS / "aws.persistence.iam-backdoor-user.json.gz"), "--sigma", str(SIGMAHQ),
              "-f", "json")
    assert p.returncode == 1, p.stderr
    ids = {f["rule_id"] for f in json.loads(p.stdout)["findings"]}
    assert "event-access-key-for-another-user" in ids
    assert any(i.startswith("event-sigma-") for i in ids)
    assert "sigma: 57 rule(s) loaded from 57 file(s), 0 not run" in p.stderr

    p = wasec("events", str(STRATUS / "aws.persistence.iam-backdoor-user.json.gz"), "--sigma", str(SIGMAHQ),
              "--sigma-only", "-f", "json")
    ids = {f["rule_id"] for f in json.loads(p.stdout)["findings"]}
    assert ids and all(i.startswith("event-sigma-") for i in ids)

    # a broken rule file is an input error (exit 2) naming the file; the other rules still ran
    p = wasec("events", str(STRATUS / "aws.persistence.iam-backdoor-user.json.gz"), "--sigma", str(own_rules), "-f", "json")
    assert p.returncode == 2
    out = json.loads(p.stdout)
    problems = {Path(x["file"]).name: x for x in out["problems"]}
    assert problems["broken.yml"]["kind"] == "error"
    assert problems["keywords.yml"]["kind"] == "warning" and "keyword" in problems["keywords.yml"]["message"]
    assert "sigma: 4 rule(s) loaded from 8 file(s), 5 not run" in p.stderr

    (own_rules / "broken.yml").unlink()
    p = wasec("events", str(STRATUS / "aws.persistence.iam-backdoor-user.json.gz"), "--sigma", str(own_rules), "-q")
    assert p.returncode == 1  # unsupported rules are warnings: the gate is the detections


def test_cli_sigma_only_needs_rules() -> None:
    p = wasec("events", str(STRATUS), "--sigma-only")
    assert p.returncode == 2 and "--sigma-only needs --sigma" in p.stderr
