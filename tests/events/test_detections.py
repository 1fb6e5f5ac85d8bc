"""Detections on records: a true and a near-miss case each, and every Stratus Red Team technique in the set."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from wasec.events.detections import REGISTRY
from wasec.events.run import detect

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())
STRATUS = Path(__file__).parents[1] / "data" / "cloudtrail" / "stratus"
BASE = {"eventVersion": "1.09", "eventSource": "iam.amazonaws.com", "awsRegion": "us-east-1",
        "eventTime": "2026-11-24T10:00:00Z", "eventType": "AwsApiCall", "recipientAccountId": "111122223333",
        "sourceIPAddress": "203.0.113.7", "eventID": "00000000-0000-4000-8000-000000000001",
        "userIdentity": {"type": "IAMUser", "userName": "alice", "accountId": "111122223333",
                         "arn": "arn:aws:iam::111122223333:user/alice"}}


def record(fields: dict[str, Any]) -> dict[str, Any]:
    r = copy.deepcopy(BASE)
    r.update(copy.deepcopy(fields))
    return r


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    from wasec.events.detections import reset_state

    reset_state()
    got = sorted({f.rule_id.removeprefix("event-") for f in detect([record(case["r"])])})
    assert got == sorted(case["fires"])


STATEFUL = {d.id for d in REGISTRY.values() if d.state}


def test_every_detection_has_a_true_case_and_near_misses_exist() -> None:
    assert set(REGISTRY) - {d for c in CASES for d in c["fires"]} <= STATEFUL  # those have tests of their own below
    assert sum(1 for c in CASES if not c["fires"]) >= 20


def test_findings_name_the_event_and_carry_the_playbook() -> None:
    (f,) = detect([record({"eventName": "StopLogging", "requestParameters": {"name": "main"}})])
    assert f.resource_id == BASE["eventID"] and BASE["eventID"] in f.message
    assert f.account == "111122223333" and f.region == "us-east-1"
    assert "StartLogging" in f.evidence[0].message and f.risk == 25


@pytest.mark.parametrize("path", sorted(STRATUS.glob("*.json.gz")), ids=lambda p: p.name.split(".json")[0])
def test_every_stratus_technique_is_detected(path: Path) -> None:
    with gzip.open(path) as fh:
        records = json.load(fh)["Records"]
    assert detect(records), f"no detection fired on {path.name}"


def _at(minute: int, **fields: Any) -> dict[str, Any]:
    return record({"eventTime": f"2026-11-24T10:{minute:02d}:00Z", "eventID": f"e{minute}-{id(fields)}", **fields})


def fired(records: list[dict[str, Any]]) -> list[str]:
    from wasec.events.detections import reset_state

    reset_state()
    return [f.rule_id.removeprefix("event-") for f in detect(records)]


def test_a_burst_of_secret_reads_fires_once() -> None:
    reads = [_at(i // 2, eventName="GetSecretValue", requestParameters={"secretId": f"s{i}"}) for i in range(20)]
    assert fired(reads) == ["secrets-read-burst"]
    assert fired(reads[:9]) == []
    same = [_at(i, eventName="GetSecretValue", requestParameters={"secretId": "s1"}) for i in range(30)]
    assert fired(same) == []  # one secret read often is an application, not a sweep
    slow = [_at(0, eventName="GetSecretValue", requestParameters={"secretId": f"s{i}"}) for i in range(5)] + \
           [_at(30, eventName="GetSecretValue", requestParameters={"secretId": f"t{i}"}) for i in range(5)]
    assert fired(slow) == []  # outside the window


def test_password_data_attempts_count_even_when_denied() -> None:
    tries = [_at(i, eventName="GetPasswordData", errorCode="Client.UnauthorizedOperation",
                 requestParameters={"instanceId": f"i-{i}"}) for i in range(5)]
    assert fired(tries) == ["password-data-burst"]


def test_mass_deletion() -> None:
    batch = _at(1, eventName="DeleteObjects", requestParameters={"bucketName": "b", "delete": {
        "Object": [{"Key": f"k{i}"} for i in range(150)]}})
    assert fired([batch]) == ["mass-deletion"]
    assert fired([_at(i, eventName="DeleteObject", requestParameters={"bucketName": "b", "key": f"k{i}"}) for i in range(5)]) == []


def test_self_escalation_and_the_backdoor_user_sequence() -> None:
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert "self-escalation" in fired([_at(1, eventName="AttachUserPolicy",
                                           requestParameters={"userName": "alice", "policyArn": admin})])
    assert "self-escalation" not in fired([_at(1, eventName="AttachUserPolicy",
                                               requestParameters={"userName": "bob", "policyArn": admin})])
    grant = _at(1, eventName="AttachUserPolicy", requestParameters={"userName": "bob", "policyArn": admin})
    key = _at(6, eventName="CreateAccessKey", requestParameters={"userName": "bob"})
    assert sorted(fired([grant, key])) == ["access-key-for-another-user", "admin-policy-attached", "backdoor-user"]
    late = record({"eventTime": "2026-11-24T12:30:00Z", "eventName": "CreateAccessKey", "requestParameters": {"userName": "bob"}})
    assert "backdoor-user" not in fired([grant, late])


def test_password_set_then_sign_in_as_that_user() -> None:
    reset = _at(1, eventSource="iam.amazonaws.com", eventName="UpdateLoginProfile",
                requestParameters={"userName": "bob", "passwordResetRequired": False})
    login = _at(9, eventSource="signin.amazonaws.com", eventName="ConsoleLogin", eventType="AwsConsoleSignIn",
                userIdentity={"type": "IAMUser", "userName": "bob", "arn": "arn:aws:iam::111122223333:user/bob"},
                responseElements={"ConsoleLogin": "Success"}, additionalEventData={"MFAUsed": "Yes"})
    assert "password-set-then-login" in fired([reset, login])
    assert "password-set-then-login" not in fired([login])  # a sign-in alone
    assert "password-set-then-login" not in fired([login, reset])  # the order matters
    other = dict(login, userIdentity={"type": "IAMUser", "userName": "carol", "arn": "arn:aws:iam::111122223333:user/carol"})
    assert "password-set-then-login" not in fired([reset, other])
    failed = dict(login, responseElements={"ConsoleLogin": "Failure"})
    assert "password-set-then-login" not in fired([reset, failed])
    own = _at(1, eventSource="iam.amazonaws.com", eventName="UpdateLoginProfile",
              userIdentity={"type": "IAMUser", "userName": "bob", "arn": "arn:aws:iam::111122223333:user/bob"},
              requestParameters={"userName": "bob", "passwordResetRequired": False})
    assert "password-set-then-login" not in fired([own, login])  # bob changed his own password


def test_user_data_replaced_then_instance_started() -> None:
    change = _at(1, eventSource="ec2.amazonaws.com", eventName="ModifyInstanceAttribute",
                 requestParameters={"instanceId": "i-1", "userData": "<sensitiveDataRemoved>"})
    start = _at(3, eventSource="ec2.amazonaws.com", eventName="StartInstances",
                requestParameters={"instancesSet": {"items": [{"instanceId": "i-1"}]}})
    assert sorted(fired([change, start])) == ["ec2-user-data-changed", "user-data-then-start"]
    assert fired([start]) == []
    other = _at(3, eventSource="ec2.amazonaws.com", eventName="StartInstances",
                requestParameters={"instancesSet": {"items": [{"instanceId": "i-2"}]}})
    assert fired([change, other]) == ["ec2-user-data-changed"]
    resize = _at(1, eventSource="ec2.amazonaws.com", eventName="ModifyInstanceAttribute",
                 requestParameters={"instanceId": "i-1", "instanceType": {"value": "t3.large"}})
    assert fired([resize, start]) == []
    later = record({"eventTime": "2026-11-24T12:30:00Z", "eventSource": "ec2.amazonaws.com", "eventName": "StartInstances",
                    "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-1"}]}}})
    assert fired([change, later]) == ["ec2-user-data-changed"]


def test_secret_read_by_an_unusual_principal_or_from_an_unusual_network() -> None:
    app = {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app/i-0abc", "accountId": "111122223333"}
    usual = [_at(i, eventSource="secretsmanager.amazonaws.com", eventName="GetSecretValue", userIdentity=app,
                 sourceIPAddress=f"10.1.{i}.7", requestParameters={"secretId": "prod/db"}) for i in range(10)]
    alice = _at(20, eventSource="secretsmanager.amazonaws.com", eventName="GetSecretValue", sourceIPAddress="10.1.0.9",
                requestParameters={"secretId": "prod/db"})
    away = _at(21, eventSource="secretsmanager.amazonaws.com", eventName="GetSecretValue", userIdentity=app,
               sourceIPAddress="198.51.100.4", requestParameters={"secretId": "prod/db"})
    assert fired(usual) == []
    assert fired([*usual, alice]) == ["secret-read-unusual"]
    assert fired([*usual, away]) == ["secret-read-unusual"]
    assert fired([*usual, _at(22, **{k: v for k, v in usual[0].items() if k not in ("eventTime", "eventID")})]) == []
    assert fired([*usual[:5], alice]) == []  # too little history to call anything unusual
    # a new secret read by a known principal from its usual network is not unusual either
    other = dict(usual[0], requestParameters={"secretId": "prod/api"}, eventID="x")
    assert fired([*usual, other]) == []


def test_parameters_decrypted_in_bulk() -> None:
    batch = [_at(1, eventSource="ssm.amazonaws.com", eventName="GetParameters", errorCode=None,
                 requestParameters={"names": [f"/app/secret-{i}" for i in range(k, k + 5)], "withDecryption": True})
             for k in (0, 5)]
    assert fired(batch) == ["ssm-parameters-decrypted-burst"]
    plain = [dict(b, requestParameters={**b["requestParameters"], "withDecryption": False}) for b in batch]
    assert fired(plain) == []
    same = [_at(i, eventSource="ssm.amazonaws.com", eventName="GetParameter",
                requestParameters={"name": "/app/db", "withDecryption": True}) for i in range(20)]
    assert fired(same) == []  # one parameter read often is an application, not a sweep


def test_enumeration_by_one_caller() -> None:
    calls = [("iam", "GetAccountSummary"), ("iam", "ListRoles"), ("iam", "ListUsers"), ("iam", "GetAccountAuthorizationDetails"),
             ("ec2", "DescribeSnapshots"), ("cloudtrail", "DescribeTrails"), ("guardduty", "ListDetectors")]
    sweep = [_at(i, eventSource=f"{svc}.amazonaws.com", eventName=name, readOnly=True) for i, (svc, name) in enumerate(calls)]
    assert fired(sweep) == ["discovery-sweep"]
    assert fired(sweep[:5]) == []
    slow = [dict(r, eventTime=f"2026-11-24T{10 + i}:00:00Z") for i, r in enumerate(sweep)]
    assert fired(slow) == []  # an hour apart each
    config = {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForConfig/cfg"}
    assert fired([dict(r, userIdentity=config) for r in sweep]) == []
    console = {**sweep[0]["userIdentity"], "sessionCredentialFromConsole": "true"}
    assert fired([dict(r, userIdentity=console) for r in sweep]) == []  # a person clicking through the IAM console


def test_ses_enumeration() -> None:
    quota = _at(1, eventSource="ses.amazonaws.com", eventName="GetSendQuota")
    enabled = _at(2, eventSource="ses.amazonaws.com", eventName="GetAccountSendingEnabled")
    assert fired([quota, enabled]) == ["ses-enumeration"]
    assert fired([quota]) == []
    advisor = {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForTrustedAdvisor/ta"}
    assert fired([dict(quota, userIdentity=advisor), dict(enabled, userIdentity=advisor)]) == []
    assert fired([dict(quota, userAgent="console.amazonaws.com"), dict(enabled, userAgent="console.amazonaws.com")]) == []


def test_sessions_on_several_instances() -> None:
    sessions = [_at(i, eventSource="ssm.amazonaws.com", eventName="StartSession", requestParameters={"target": f"i-{i}"})
                for i in range(3)]
    assert fired(sessions) == ["ssm-sessions-to-many"]
    assert fired(sessions[:2]) == []
    again = [_at(i, eventSource="ssm.amazonaws.com", eventName="StartSession", requestParameters={"target": "i-1"})
             for i in range(5)]
    assert fired(again) == []


def test_versions_deleted_permanently_in_bulk() -> None:
    one_by_one = [_at(i // 3, eventSource="s3.amazonaws.com", eventName="DeleteObject",
                      requestParameters={"bucketName": "b", "key": f"k{i}", "versionId": f"v{i}"}) for i in range(25)]
    assert fired(one_by_one) == ["s3-permanent-deletion"]
    markers = [dict(r, requestParameters={"bucketName": "b", "key": r["requestParameters"]["key"]}) for r in one_by_one]
    assert fired(markers) == []  # delete markers: versioning keeps the data
    batch = _at(1, eventSource="s3.amazonaws.com", eventName="DeleteObjects", requestParameters={
        "bucketName": "b", "delete": {"Object": [{"Key": f"k{i}", "VersionId": f"v{i}"} for i in range(51)]}})
    assert fired([batch]) == ["s3-permanent-deletion"]


def test_objects_rewritten_with_a_customer_key() -> None:
    writes = [_at(i // 5, eventSource="s3.amazonaws.com", eventName="PutObject", requestParameters={
        "bucketName": "b", "key": f"k{i}", "x-amz-server-side-encryption-customer-algorithm": "AES256"}) for i in range(12)]
    assert fired(writes) == ["s3-sse-c-rewrite"]
    plain = [dict(w, requestParameters={"bucketName": "b", "key": w["requestParameters"]["key"]}) for w in writes]
    assert fired(plain) == []


def test_instance_credentials_used_from_a_second_network() -> None:
    session = {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/web/i-0abc1234def567890",
               "accountId": "111122223333"}
    agent = _at(1, eventSource="ssm.amazonaws.com", eventName="UpdateInstanceInformation", userIdentity=session,
                sourceIPAddress="203.0.113.50")
    stolen = _at(5, eventSource="sts.amazonaws.com", eventName="GetCallerIdentity", userIdentity=session,
                 sourceIPAddress="198.51.100.23")
    again = _at(6, eventSource="ec2.amazonaws.com", eventName="DescribeInstances", userIdentity=session,
                sourceIPAddress="198.51.100.23")
    assert fired([agent, stolen, again]) == ["instance-credentials-elsewhere"]  # once per session
    assert fired([agent, dict(stolen, sourceIPAddress="10.0.2.20")]) == []  # a VPC endpoint
    assert fired([stolen]) == []  # the first network seen is the instance's
    assert fired([agent, dict(stolen, sourceIPAddress="203.0.113.50")]) == []  # its own address again
    endpoint = dict(agent, sourceIPAddress="10.0.1.10")
    assert fired([endpoint, dict(stolen, eventID="x")]) == []  # private then public: endpoints and NAT mix
    other_role = dict(stolen, userIdentity={"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/web/alice"})
    assert fired([agent, other_role]) == []  # not an instance's session


def test_instance_credentials_used_from_where_a_command_was_sent() -> None:
    command = _at(1, eventSource="ssm.amazonaws.com", eventName="SendCommand", sourceIPAddress="198.51.100.23",
                  requestParameters={"instanceIds": ["i-0abc1234def567890"], "documentName": "AWS-RunShellScript"})
    session = {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/web/i-0abc1234def567890"}
    use = _at(3, eventSource="sts.amazonaws.com", eventName="GetCallerIdentity", userIdentity=session,
              sourceIPAddress="198.51.100.23")
    assert fired([command, use]) == ["instance-credentials-elsewhere"]
    assert fired([command, dict(use, sourceIPAddress="203.0.113.9")]) == []  # the instance's own address
    other = dict(use, userIdentity={"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/web/i-0fff1234abcd56789"})
    assert fired([command, other]) == []
    assert fired([use, command]) == []  # the order matters


def test_a_quarantined_users_key_used_after_aws_found_it() -> None:
    quarantine = _at(1, eventName="AttachUserPolicy", requestParameters={
        "userName": "ci", "policyArn": "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2"})
    ci = {"type": "IAMUser", "userName": "ci", "arn": "arn:aws:iam::111122223333:user/ci",
          "accountId": "111122223333", "accessKeyId": "AKIAEXAMPLEKEY000002"}
    use = _at(5, eventSource="ec2.amazonaws.com", eventName="RunInstances", userIdentity=ci, errorCode="AccessDenied",
              sourceIPAddress="45.33.32.156")
    again = _at(6, eventSource="s3.amazonaws.com", eventName="ListBuckets", userIdentity=ci,
                sourceIPAddress="45.33.32.156")
    assert fired([quarantine, use, again]) == ["access-key-exposed", "quarantined-key-used"]  # once per address an hour
    assert fired([use, quarantine]) == ["access-key-exposed"]  # before the quarantine: nothing to tie it to
    other = dict(use, userIdentity=dict(ci, userName="dev", arn="arn:aws:iam::111122223333:user/dev"))
    assert fired([quarantine, other]) == ["access-key-exposed"]


def _signin(minute: int, outcome: str, ip: str = "45.33.32.156", user: str = "alice", second: int = 0) -> dict[str, Any]:
    r = record({"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "sourceIPAddress": ip,
                "eventTime": f"2026-11-24T10:{minute:02d}:{second:02d}Z", "eventID": f"login-{minute}-{second}-{ip}",
                "responseElements": {"ConsoleLogin": outcome}, "additionalEventData": {"MFAUsed": "Yes"}})
    r["userIdentity"] = {"type": "IAMUser", "userName": user, "accountId": "111122223333",
                         "principalId": f"AIDA{user.upper()}", "arn": f"arn:aws:iam::111122223333:user/{user}"}
    if outcome == "Failure":
        r["errorMessage"] = "Failed authentication"
    return r


def test_console_brute_force_and_the_sign_in_after_it() -> None:
    failures = [_signin(1, "Failure", second=s) for s in range(0, 50, 10)]
    assert fired(failures) == ["console-login-brute-force"]
    assert fired(failures[:4]) == []
    assert fired([*failures, _signin(20, "Success")]) == ["console-login-brute-force", "console-login-after-brute-force"]
    # many users guessed from one address, then one of them gets in
    spray = [_signin(1, "Failure", user=f"u{i}", second=i) for i in range(6)]
    assert fired([*spray, _signin(30, "Success", user="u3")]) == ["console-login-brute-force",
                                                                  "console-login-after-brute-force"]
    # the same user from other addresses (a distributed guess) counts for the user
    spread = [_signin(2, "Failure", ip=f"45.33.32.{i}", second=i) for i in range(5)]
    assert fired([*spread, _signin(9, "Success", ip="198.51.100.4")]) == ["console-login-brute-force",
                                                                         "console-login-after-brute-force"]
    assert fired([*failures[:2], _signin(5, "Success")]) == []  # two typos then a sign-in
    assert fired([*failures, _signin(59, "Success", ip="198.51.100.4", user="bob")]) == ["console-login-brute-force"]
    late = record(dict(_signin(0, "Success"), eventTime="2026-11-24T11:30:00Z"))
    assert fired([*failures, late]) == ["console-login-brute-force"]  # more than an hour after


def test_a_ransom_note_after_a_bulk_deletion() -> None:
    deletes = [_at(1, eventSource="s3.amazonaws.com", eventName="DeleteObjects", requestParameters={
        "bucketName": "prod-data", "Delete": {"Object": [{"Key": f"k{i}", "VersionId": f"v{i}"} for i in range(25)]}})]
    note = _at(9, eventSource="s3.amazonaws.com", eventName="PutObject",
               requestParameters={"bucketName": "prod-data", "key": "README_TO_RECOVER_FILES.txt"})
    assert fired([*deletes, note]) == ["s3-permanent-deletion", "s3-ransom-note"]
    assert fired([note]) == []  # a readme on its own is a readme
    plain = dict(note, requestParameters={"bucketName": "prod-data", "key": "reports/2026-11.csv"})
    assert fired([*deletes, plain]) == ["s3-permanent-deletion"]
    other = dict(note, userIdentity={"type": "IAMUser", "userName": "bob", "arn": "arn:aws:iam::111122223333:user/bob"})
    assert fired([*deletes, other]) == ["s3-permanent-deletion"]


def test_findings_suppressed_across_calls() -> None:
    calls = [_at(i, eventSource="securityhub.amazonaws.com", eventName="BatchUpdateFindings", requestParameters={
        "FindingIdentifiers": [{"Id": f"f{i}-{j}", "ProductArn": "p"} for j in range(3)], "Workflow": {"Status": "SUPPRESSED"}})
        for i in range(4)]
    assert fired(calls) == ["securityhub-findings-suppressed"]  # 12 findings in four calls, one alert
    assert fired(calls[:3]) == []
    archive = [_at(i, eventSource="guardduty.amazonaws.com", eventName="ArchiveFindings",
                   requestParameters={"detectorId": "d1", "findingIds": [f"g{i}-{j}" for j in range(5)]}) for i in range(2)]
    assert fired(archive) == ["guardduty-findings-suppressed"]


def test_versioned_lambda_event_names_reach_their_detections(tmp_path: Any) -> None:
    """Lambda logs AddPermission as AddPermission20150331v2 (and older versions): the names are read off the
    version, by the dispatcher and by the pre-filter that skips files, both."""
    import gzip
    import json

    from wasec.events.run import scan_events

    opened = record({"eventSource": "lambda.amazonaws.com", "eventName": "AddPermission20150331",
                     "requestParameters": {"functionName": "f", "principal": "*", "action": "lambda:InvokeFunction"},
                     "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/deploy/ci"}})
    (tmp_path / "x.json.gz").write_bytes(gzip.compress(json.dumps({"Records": [opened]}).encode()))
    s = scan_events([str(tmp_path)])
    assert [f.rule_id for f in s.findings] == ["event-lambda-permission-public"] and s.stats.skipped_files == 0


def test_a_sequence_step_is_read_in_files_skipped_before_its_first(tmp_path: Any) -> None:
    """Files holding only IAM users' routine calls are skipped unparsed, until AWS quarantines a user: from then
    on they are read, for that user's next call."""
    import gzip
    import json

    from wasec.events.run import scan_events

    ci = {"type": "IAMUser", "userName": "ci", "arn": "arn:aws:iam::111122223333:user/ci", "accountId": "111122223333",
          "accessKeyId": "AKIAEXAMPLEKEY000003"}
    routine = _at(0, eventSource="s3.amazonaws.com", eventName="GetObject", userIdentity=ci)
    quarantine = _at(1, eventName="AttachUserPolicy", requestParameters={
        "userName": "ci", "policyArn": "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3"})
    use = _at(2, eventSource="s3.amazonaws.com", eventName="GetObject", userIdentity=ci)
    for name, r in (("a", routine), ("b", quarantine), ("c", use)):
        (tmp_path / f"{name}.json.gz").write_bytes(gzip.compress(json.dumps({"Records": [r]}).encode()))
    s = scan_events([str(tmp_path)])
    assert [f.rule_id for f in s.findings] == ["event-access-key-exposed", "event-quarantined-key-used"]
    assert s.stats.skipped_files == 1  # a.json.gz: nothing quarantined yet
