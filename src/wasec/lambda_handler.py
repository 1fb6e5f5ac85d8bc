"""The AWS Lambda entry point: ``wasec.lambda_handler.handler``.

Two triggers, one function:

* the fast lane — an EventBridge rule on "AWS API Call via CloudTrail" delivers one record in
  ``detail`` within seconds of the call;
* the slow lane — S3 "object created" notifications for the trail's delivery files; the function
  reads each file (``s3:GetObject`` only) and checks every record in it.

Alerts go where the environment says: ``WASEC_WEBHOOK_URL``, ``WASEC_SLACK_WEBHOOK_URL``,
``WASEC_SNS_TOPIC_ARN`` (and always to the function's log). ``WASEC_SUPPRESS_MINUTES`` (default 60)
is the window in which the same detection on the same resource by the same actor alerts once;
it lives in the warm container.
"""

from __future__ import annotations

import gzip
import json
import os
import urllib.parse
from typing import Any

from wasec.events.alerts import Sinks, Suppressor, alerts_for
from wasec.events.reader import Located, placed
from wasec.events.run import builtin

_SUPPRESSOR = Suppressor(float(os.environ.get("WASEC_SUPPRESS_MINUTES", "60")) * 60)


def _s3_records(event: dict[str, Any]) -> list[Located]:
    import boto3

    s3 = boto3.client("s3")
    out: list[Located] = []
    for n in event.get("Records", []):
        b = n.get("s3", {})
        bucket, key = b.get("bucket", {}).get("name"), urllib.parse.unquote_plus(b.get("object", {}).get("key", ""))
        if not bucket or not key or "/CloudTrail-Digest/" in key:
            continue
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        out += [(f"s3://{bucket}/{key}", place, r) for place, r in placed(json.loads(body)) if isinstance(r, dict)]
    return out


def records_of(event: dict[str, Any]) -> list[Located]:
    """The records an invocation brings, each with where it came from (the S3 object and its place, or the
    EventBridge event's id)."""
    if event.get("Records") and all(r.get("eventSource") == "aws:s3" for r in event["Records"]):
        return _s3_records(event)
    where = f"eventbridge:{event['id']}" if isinstance(event.get("id"), str) else "invocation"
    return [(where, place, r) for place, r in placed(event) if isinstance(r, dict)]


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    records = records_of(event)
    problems: list[Any] = []
    hits = builtin().run_at(records, problems)
    for p in problems:
        print(f"wasec: {p.file}: {p.message}", flush=True)
    sinks = Sinks(os.environ.get("WASEC_WEBHOOK_URL"), os.environ.get("WASEC_SLACK_WEBHOOK_URL"),
                  os.environ.get("WASEC_SNS_TOPIC_ARN"), stdout=True)
    sent, suppressed, errors = sinks.send(alerts_for(hits), _SUPPRESSOR)
    for e in errors:
        print(f"wasec: alert not delivered: {e}", flush=True)
    return {"records": len(records), "detections": len(hits), "alerts": sent, "suppressed": suppressed,
            "problems": [f"{p.file}: {p.message}" for p in problems],
            "errors": errors}
