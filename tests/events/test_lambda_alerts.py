"""The Lambda entry point with real EventBridge and S3 notification shapes; alerts to a local HTTP server and to
SNS in the emulator; de-duplication; redaction of secrets in request parameters."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from tests.events.test_detections import record
from tests.secrets.tokens import Tokens

STOP = record({"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging", "eventID": "e-1",
               "requestParameters": {"name": "main"}})


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    got: list[dict[str, Any]] = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append({"path": self.path, "body": json.loads(self.rfile.read(int(self.headers["Content-Length"])))})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", got
    server.shutdown()


def eventbridge(detail: dict[str, Any]) -> dict[str, Any]:
    return {"version": "0", "id": "6f87d04b-9f74-4f04-a780-7acf4b0a9b38", "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.cloudtrail", "account": "111122223333", "time": "2026-11-24T10:00:00Z", "region": "us-east-1",
            "resources": [], "detail": detail}


def test_fast_lane_alerts_once_per_window(hook: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch) -> None:
    from wasec import lambda_handler

    url, got = hook
    monkeypatch.setenv("WASEC_WEBHOOK_URL", url + "/hook")
    monkeypatch.setenv("WASEC_SLACK_WEBHOOK_URL", url + "/slack")
    monkeypatch.setattr(lambda_handler, "_SUPPRESSOR", lambda_handler.Suppressor(3600))
    out = lambda_handler.handler(eventbridge(STOP))
    assert out == {"records": 1, "detections": 1, "alerts": 1, "suppressed": 0, "problems": [], "errors": []}
    hooks = [g["body"] for g in got if g["path"] == "/hook"]
    assert hooks[0]["detection"] == "event-cloudtrail-stopped" and hooks[0]["event_id"] == "e-1"
    assert hooks[0]["record"]["file"].startswith("eventbridge:") and hooks[0]["record"]["record"] == "detail"
    assert "StartLogging" in hooks[0]["playbook"] and hooks[0]["actor"].endswith("user/alice")
    slack = next(g["body"] for g in got if g["path"] == "/slack")
    assert slack["text"].startswith(":rotating_light: *CRITICAL*") and slack["blocks"][0]["type"] == "section"
    again = lambda_handler.handler(eventbridge({**STOP, "eventID": "e-2"}))  # the same change repeated
    assert (again["alerts"], again["suppressed"]) == (0, 1) and len(got) == 2
    other = lambda_handler.handler(eventbridge({**STOP, "eventID": "e-3", "requestParameters": {"name": "other"}}))
    assert other["alerts"] == 1


def test_an_unreachable_sink_is_reported_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    from wasec import lambda_handler

    monkeypatch.setenv("WASEC_WEBHOOK_URL", "http://127.0.0.1:9/nothing-listens-here")
    monkeypatch.setattr(lambda_handler, "_SUPPRESSOR", lambda_handler.Suppressor(0))
    out = lambda_handler.handler(eventbridge(STOP))
    assert out["detections"] == 1 and out["errors"] and out["errors"][0].startswith("webhook:")


def test_slow_lane_reads_delivery_files_and_publishes_to_sns(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    from wasec import lambda_handler
    from wasec.demo.emulator import Emulator

    with Emulator() as em, em.environment():
        s3, sns, sqs = (boto3.client(s, region_name="us-east-1") for s in ("s3", "sns", "sqs"))
        s3.create_bucket(Bucket="trail-logs")
        key = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/24/111122223333_CloudTrail_us-east-1_x.json.gz"
        quiet = record({"eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventID": "q"})
        s3.put_object(Bucket="trail-logs", Key=key, Body=gzip.compress(json.dumps({"Records": [quiet, STOP]}).encode()))
        topic = sns.create_topic(Name="alerts")["TopicArn"]
        queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
        monkeypatch.setenv("WASEC_SNS_TOPIC_ARN", topic)
        monkeypatch.setattr(lambda_handler, "_SUPPRESSOR", lambda_handler.Suppressor(3600))
        notification = {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
                                     "eventName": "ObjectCreated:Put",
                                     "s3": {"bucket": {"name": "trail-logs"}, "object": {"key": key, "size": 1}}}]}
        em.reset_log()
        out = lambda_handler.handler(notification)
        assert {r.operation for r in em.reset_log()} == {"GetObject", "Publish"}  # it reads the file and alerts; no more
        assert (out["records"], out["detections"], out["alerts"], out["errors"]) == (2, 1, 1, [])
        msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        body = json.loads(json.loads(msgs[0]["Body"])["Message"])
        assert body["detection"] == "event-cloudtrail-stopped"


def test_secrets_in_request_parameters_are_redacted() -> None:
    from wasec.events.alerts import redact

    token = Tokens(31).value("github")
    p = {"userName": "bob", "password": "Hunter2-very-secret!", "environment": {"variables": {"GH": token, "MODE": "prod"}},
         "secretString": "{\"k\": 1}", "secretId": "arn:aws:secretsmanager:us-east-1:111122223333:secret:db"}
    r = redact(p)
    text = json.dumps(r)
    assert "Hunter2" not in text and token not in text and "secretString" in r and r["secretString"] != p["secretString"]
    assert r["userName"] == "bob" and r["environment"]["variables"]["MODE"] == "prod" and r["secretId"] == p["secretId"]


def test_cli_sends_alerts_once(hook: tuple[str, list[dict[str, Any]]], tmp_path: Any) -> None:
    import subprocess
    import sys

    url, got = hook
    (tmp_path / "a.json").write_text(json.dumps({"Records": [STOP, {**STOP, "eventID": "e-2"}]}))
    r = subprocess.run([sys.executable, "-m", "wasec", "events", "a.json", "-q", "--webhook", url], capture_output=True,
                       text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 1 and "1 sent, 1 suppressed" in r.stderr
    assert [g["body"]["event_id"] for g in got] == ["e-1"]


def test_the_lambda_package_runs_on_its_own(tmp_path: Any) -> None:
    import subprocess
    import sys
    import zipfile

    r = subprocess.run([sys.executable, "-m", "wasec", "lambda-package", "-o", str(tmp_path / "fn.zip")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "wasec.lambda_handler.handler" in r.stdout
    with zipfile.ZipFile(tmp_path / "fn.zip") as z:
        names = z.namelist()
        assert "wasec/lambda_handler.py" in names and "wasec/data/iam_actions.json" in names
        assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]
        z.extractall(tmp_path / "fn")
    # a bare interpreter (no site-packages: only what the zip holds, as in Lambda minus boto3)
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from wasec.lambda_handler import handler; "
            "print(json.dumps(handler(json.loads(sys.argv[2]))))")
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code, str(tmp_path / "fn"), json.dumps(eventbridge(STOP))],
                         capture_output=True, text=True, timeout=120, env={})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1])["detections"] == 1
