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
