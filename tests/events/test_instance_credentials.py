"""Stolen EC2 instance credentials, on the logs Stratus Red Team's `aws.credential-access.ec2-steal-instance-credentials`
leaves as its documentation describes them: an instance with a role, an SSM command that reads the credentials
from the metadata service, then those credentials used from the operator's machine (sts:GetCallerIdentity,
ec2:DescribeInstances). Written here in CloudTrail's shapes; the addresses are chosen per case."""

from __future__ import annotations

import copy
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from wasec.events.detections import reset_state
from wasec.events.run import detect

INSTANCE = "i-0f3c2b1a09e8d7c65"
ROLE = "stratus-red-team-ec2-steal-credentials-role"
SESSION = {"type": "AssumedRole", "principalId": f"AROAEXAMPLEROLEID:{INSTANCE}", "accountId": "111122223333",
           "arn": f"arn:aws:sts::111122223333:assumed-role/{ROLE}/{INSTANCE}", "accessKeyId": "ASIAEXAMPLESESSION01",
           "sessionContext": {"sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::111122223333:role/{ROLE}",
                                                "userName": ROLE},
                              "attributes": {"creationDate": "2026-11-24T09:58:00Z", "mfaAuthenticated": "false"},
                              "ec2RoleDelivery": "2.0"}}
OPERATOR = {"type": "IAMUser", "userName": "red-team", "accountId": "111122223333",
            "arn": "arn:aws:iam::111122223333:user/red-team", "accessKeyId": "AKIAEXAMPLEOPERATOR1"}
INSTANCE_IP = "54.240.197.233"  # the instance's public address: in AWS's EC2 ranges


def _event(minute: int, source: str, name: str, who: dict[str, Any], ip: str, **more: Any) -> dict[str, Any]:
    return {"eventVersion": "1.09", "userIdentity": copy.deepcopy(who), "eventTime": f"2026-11-24T10:{minute:02d}:00Z",
            "eventSource": source, "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": ip,
            "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22",
            "eventID": f"00000000-0000-4000-8000-{minute:012d}", "eventType": "AwsApiCall",
            "recipientAccountId": "111122223333", "readOnly": name.startswith(("Get", "Describe", "List")), **more}


def detonation(operator_ip: str) -> list[dict[str, Any]]:
    """The technique's records in time order: the instance's agent at work, the command, the stolen use."""
    return [
        _event(0, "ssm.amazonaws.com", "UpdateInstanceInformation", SESSION, INSTANCE_IP,
               requestParameters={"instanceId": INSTANCE, "agentVersion": "3.3.0.0", "platformType": "Linux"}),
        _event(1, "ssm.amazonaws.com", "SendCommand", OPERATOR, operator_ip,
               requestParameters={"instanceIds": [INSTANCE], "documentName": "AWS-RunShellScript",
                                  "parameters": "HIDDEN_DUE_TO_SECURITY_REASONS"},
               responseElements={"command": {"commandId": "0b9f3c1e-1111-4222-8333-444455556666"}}),
        _event(2, "ec2messages.amazonaws.com", "AcknowledgeMessage", SESSION, INSTANCE_IP),
        _event(3, "sts.amazonaws.com", "GetCallerIdentity", SESSION, operator_ip),
        _event(4, "ec2.amazonaws.com", "DescribeInstances", SESSION, operator_ip,
               requestParameters={"instancesSet": {}, "filterSet": {}}),
    ]


def _by_rule(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    reset_state()
    out: dict[str, list[str]] = {}
    for f in detect(records):
        if f.rule_id.startswith("event-instance-credentials"):
            out.setdefault(f.rule_id.removeprefix("event-"), []).append(f.message)
    return out


def test_from_an_operator_outside_aws_one_alert_naming_the_evidence() -> None:
    got = _by_rule(detonation("45.33.32.156"))
    assert list(got) == ["instance-credentials-outside-aws"]  # the sequence form stays quiet: one alert, not two
    (msg,) = got["instance-credentials-outside-aws"]  # GetCallerIdentity, then DescribeInstances: one alert
    assert f"{INSTANCE}'s role were used for GetCallerIdentity from 45.33.32.156" in msg
    assert "in none of AWS's published address ranges (ip-ranges.json of 2026-08-22)" in msg
    assert "sent the instance a command or session 2 minutes before" in msg
    assert "called before from network 54.240.0.0/16" in msg


def test_the_single_record_is_enough() -> None:
    stolen = detonation("45.33.32.156")[4]  # only DescribeInstances, as a log window cut mid-attack would hold
    got = _by_rule([stolen])
    assert list(got) == ["instance-credentials-outside-aws"]
    assert "command" not in got["instance-credentials-outside-aws"][0]


def test_from_an_operator_on_aws_the_sequence_decides() -> None:
    # run from another EC2 instance: inside AWS's ranges, so the other evidence must decide
    got = _by_rule(detonation("18.205.93.2"))
    assert list(got) == ["instance-credentials-elsewhere"]
    assert "the address that had just sent the instance a command" in got["instance-credentials-elsewhere"][0]
    no_command = [r for r in detonation("18.205.93.2") if r["eventName"] != "SendCommand"]
    got = _by_rule(no_command)
    assert list(got) == ["instance-credentials-elsewhere"]
    assert "after calls from network 54.240.0.0/16" in got["instance-credentials-elsewhere"][0]


def test_the_instance_at_work_alone_is_quiet() -> None:
    records = detonation("45.33.32.156")
    benign = [records[0], records[2], _event(5, "s3.amazonaws.com", "PutObject", SESSION, "10.0.1.17",
                                             vpcEndpointId="vpce-0a1b2c3d4e5f67890")]
    assert _by_rule(benign) == {}


def test_a_directory_and_file_by_file_agree(tmp_path: Path) -> None:
    """A detection that needs state sees the same records in the same order, in one run over a directory and
    in the streaming lane that reads delivery files as they arrive."""
    from wasec.events.run import follow, scan_events

    records = detonation("18.205.93.2")
    for i, r in enumerate(records):  # one delivery file per record, as five-minute files would split them
        (tmp_path / f"111122223333_CloudTrail_us-east-1_20261124T10{i:02d}Z_x.json.gz").write_bytes(
            gzip.compress(json.dumps({"Records": [r]}).encode()))
    at_once = sorted((f.rule_id, f.resource_id) for f in scan_events([str(tmp_path)]).findings)
    streamed: list[tuple[str, str]] = []
    follow([str(tmp_path)], lambda hits: streamed.extend((f.rule_id, f.resource_id) for _, f in hits), interval=0,
           duration=0)
    assert at_once == sorted(streamed) and ("event-instance-credentials-elsewhere", records[3]["eventID"]) in at_once


def test_each_alert_names_its_file_and_record(tmp_path: Path) -> None:
    records = detonation("45.33.32.156")
    (tmp_path / "trail.json.gz").write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))
    elsewhere = dict(records[4], sourceIPAddress="2001:4860:4860::8888", eventID="e-v6")  # another address: alerted again
    (tmp_path / "lines.jsonl").write_text(json.dumps(records[0]) + "\n" + json.dumps(elsewhere) + "\n")
    r = subprocess.run([sys.executable, "-m", "wasec", "events", ".", "-f", "json"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=120)
    found = [f for f in json.loads(r.stdout)["findings"] if f["rule_id"] == "event-instance-credentials-outside-aws"]
    where = sorted((f["file"], f["line"], next(e for e in f["evidence"] if e["path"] == "record")["value"])
                   for f in found)
    assert where == [("./lines.jsonl", 2, "line 2"), ("./trail.json.gz", None, "Records[3]")]
    for f, event_id in zip(sorted(found, key=lambda f: f["file"]), ["e-v6", records[3]["eventID"]], strict=True):
        command = next(e for e in f["evidence"] if e["path"] == "record")["message"]
        out = subprocess.run(command, shell=True, capture_output=True, text=True, cwd=tmp_path, timeout=30)
        if "jq" not in command or shutil.which("jq"):  # the sed form needs no jq
            assert event_id in out.stdout, command
