"""`wasec events` on delivery files, JSON lines and stdin, with time windows and bad input."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from tests.events.test_detections import record

STOP = record({"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging", "requestParameters": {"name": "main"},
               "eventID": "e-stop", "eventTime": "2026-11-24T10:00:00Z"})
ROOT = record({"eventSource": "s3.amazonaws.com", "eventName": "ListBuckets", "eventID": "e-root",
               "eventTime": "2026-11-24T12:00:00Z", "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"}})
QUIET = record({"eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventID": "e-quiet"})


def wasec(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=120,
                          input=stdin)


def test_delivery_files_json_lines_stdin_and_windows(tmp_path: Path) -> None:
    logs = tmp_path / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1"
    logs.mkdir(parents=True)
    (logs / "a.json.gz").write_bytes(gzip.compress(json.dumps({"Records": [STOP, QUIET]}).encode()))
    (logs / "b.jsonl").write_text(json.dumps(ROOT) + "\n")
    (tmp_path / "quiet.json").write_text(json.dumps({"Records": [QUIET]}))
    doc = json.loads(wasec("events", "AWSLogs", "quiet.json", "-f", "json", cwd=tmp_path).stdout)
    assert sorted(f["resource_id"] for f in doc["findings"]) == ["e-root", "e-stop"]
    doc = json.loads(wasec("events", "AWSLogs", "-f", "json", "--since", "2026-11-24T11:00:00Z", cwd=tmp_path).stdout)
    assert [f["resource_id"] for f in doc["findings"]] == ["e-root"]
    r = wasec("events", "-", "-f", "json", cwd=tmp_path, stdin=json.dumps({"Records": [STOP]}))
    assert r.returncode == 1 and json.loads(r.stdout)["findings"][0]["rule_id"] == "event-cloudtrail-stopped"
    r = wasec("events", "quiet.json", cwd=tmp_path)
    assert r.returncode == 0 and "0 failing" in r.stdout


def test_bad_input_is_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text(json.dumps({"Records": [STOP]}))
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "broken.json.gz").write_bytes(b"\x1f\x8b\x08garbage")
    r = wasec("events", ".", "-f", "json", cwd=tmp_path)
    doc = json.loads(r.stdout)
    assert r.returncode == 2 and [f["resource_id"] for f in doc["findings"]] == ["e-stop"]
    assert {p["file"].rsplit("/", 1)[-1] for p in doc["problems"]} == {"bad.json", "broken.json.gz"}
    assert wasec("events", ".", "--since", "yesterday", cwd=tmp_path).returncode == 2
    # a file named on the command line that is not there is said once, plainly
    r = wasec("events", "gone.json", "-f", "json", cwd=tmp_path)
    assert r.returncode == 2 and [p["message"] for p in json.loads(r.stdout)["problems"]] == [
        "cannot read: No such file or directory"]

    # JSON lines: a line per detection, and a line per problem so the bad files are not lost downstream
    r = wasec("events", ".", "-f", "jsonl", cwd=tmp_path)
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.returncode == 2 and [x["type"] for x in lines] == ["finding", "problem", "problem"]
    assert lines[0]["rule_id"] == "event-cloudtrail-stopped" and "(event e-stop)" in lines[0]["message"]


def test_follow_reads_new_files_as_they_arrive(tmp_path: Path) -> None:
    import threading
    import time

    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "1.json").write_text(json.dumps({"Records": [STOP]}))

    def later() -> None:
        time.sleep(1.5)
        (logs / "2.json.gz").write_bytes(gzip.compress(json.dumps({"Records": [ROOT]}).encode()))

    threading.Thread(target=later, daemon=True).start()
    r = wasec("events", "logs", "--follow", "--interval", "0.3", "--follow-for", "4", "-f", "json", cwd=tmp_path)
    lines = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert r.returncode == 1 and [x["resource_id"] for x in lines] == ["e-stop", "e-root"]


def test_s3_prefixes_are_read(tmp_path: Path) -> None:
    import os

    import boto3

    from wasec.demo.emulator import Emulator

    with Emulator() as em, em.environment():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="trail")
        s3.put_object(Bucket="trail", Key="AWSLogs/1/CloudTrail/us-east-1/a.json.gz",
                      Body=gzip.compress(json.dumps({"Records": [STOP]}).encode()))
        s3.put_object(Bucket="trail", Key="AWSLogs/1/CloudTrail-Digest/us-east-1/d.json.gz", Body=b"not records")
        env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
        r = subprocess.run([sys.executable, "-m", "wasec", "events", "s3://trail/AWSLogs/", "-f", "json"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=120, env={**os.environ, **env})
        doc = json.loads(r.stdout)
        assert [f["resource_id"] for f in doc["findings"]] == ["e-stop"] and doc["problems"] == []
        r = subprocess.run([sys.executable, "-m", "wasec", "events", "s3://no-such-bucket/x", "-f", "json"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=120, env={**os.environ, **env})
        assert r.returncode == 2 and "no-such-bucket" in json.loads(r.stdout)["problems"][0]["file"]


def test_files_are_skipped_unread_only_when_nothing_in_them_can_fire(tmp_path: Path) -> None:
    # routine calls by an instance's role: no event name a detection reads, but the instance-session marker
    session = {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/web/i-0abc1234def567890"}
    own = record({"eventSource": "ssm.amazonaws.com", "eventName": "UpdateInstanceInformation", "eventID": "e-own",
                  "userIdentity": session, "sourceIPAddress": "203.0.113.50", "eventTime": "2026-11-24T10:00:00Z"})
    away = record({"eventSource": "sts.amazonaws.com", "eventName": "GetCallerIdentity", "eventID": "e-away",
                   "userIdentity": session, "sourceIPAddress": "198.51.100.23", "eventTime": "2026-11-24T10:05:00Z"})
    (tmp_path / "instance.json").write_text(json.dumps({"Records": [own, away]}))
    (tmp_path / "quiet.json").write_text(json.dumps({"Records": [QUIET]}))
    doc = json.loads(wasec("events", ".", "-f", "json", cwd=tmp_path).stdout)
    assert [(f["rule_id"], f["resource_id"]) for f in doc["findings"]] == [("event-instance-credentials-elsewhere", "e-away")]
    assert "(1 with nothing to check)" in wasec("events", ".", cwd=tmp_path).stdout


def test_a_record_not_in_cloudtrails_shape_is_a_named_problem_and_the_rest_is_judged(tmp_path: Path) -> None:
    odd = record({"eventName": "ModifySnapshotAttribute", "eventID": "e-odd",
                  "requestParameters": {"snapshotId": "snap-1", "createVolumePermission": "all"},
                  "userIdentity": {"type": "AssumedRole", "arn": 7}})
    (tmp_path / "mixed.json").write_text(json.dumps({"Records": [odd, STOP]}))
    r = wasec("events", "mixed.json", "-f", "json", cwd=tmp_path)
    doc = json.loads(r.stdout)
    assert r.returncode == 2 and [f["resource_id"] for f in doc["findings"]] == ["e-stop"]
    (p,) = doc["problems"]
    assert p["file"] == "mixed.json" and "record Records[0] is not in CloudTrail's shape" in p["message"]
