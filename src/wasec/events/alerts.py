"""Alerts for detections: stdout, a generic webhook, a Slack incoming webhook, an SNS topic.

The same detection on the same resource by the same actor is sent once per suppression window (an
attacker's loop, or a noisy automation, is one alert, not a thousand). Request parameters travel
with the alert for context, with secret-looking values redacted.
"""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from wasec.model.finding import Finding

SECRET_KEYS = ("password", "secret", "token", "privatekey", "private_key", "credential", "sessiontoken", "apikey",
               "api_key", "secretstring", "secretbinary", "plaintext", "userdata")


def redact(value: Any, key: str = "") -> Any:
    """requestParameters with secret values masked: by key name, and anything a secret detector recognises."""
    from wasec.secrets.engine import redact as mask
    from wasec.secrets.engine import scan_bytes

    if isinstance(value, dict):
        return {k: redact(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, key) for v in value]
    if isinstance(value, str):
        k = key.lower().replace("-", "")
        if any(s in k for s in SECRET_KEYS) and not k.endswith(("id", "arn", "name")):
            return mask(value)
        if scan_bytes(f"{key}={value}".encode()):
            return mask(value)
    return value


@dataclass
class Alert:
    finding: Finding
    actor: str
    params: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.finding.rule_id}|{self.actor}|{self.finding.account}|{self.target}"

    @property
    def target(self) -> str:
        p = self.params
        for k in ("bucketName", "roleName", "userName", "groupId", "functionName", "keyId", "name", "trailName",
                  "snapshotId", "imageId", "dBSnapshotIdentifier", "instanceId", "detectorId"):
            if p.get(k):
                return str(p[k])
        return ""

    def payload(self) -> dict[str, Any]:
        f = self.finding
        return {"source": "wasec", "detection": f.rule_id, "title": f.title, "severity": f.severity.value,
                "message": f.message, "event_id": f.resource_id, "account": f.account, "region": f.region,
                "actor": self.actor, "playbook": f.evidence[0].message if f.evidence else "",
                "record": _record_source(f), "request_parameters": self.params}


def _record_source(f: Finding) -> dict[str, Any] | None:
    """Where the raw event is: the file or S3 object, the record's place in it and a command that prints it."""
    e = next((e for e in f.evidence if e.path == "record"), None)
    return None if e is None else {"file": e.file, "record": e.value, "command": e.message}


@dataclass
class Suppressor:
    """Keys seen within the window; a Lambda keeps one per warm container, the CLI one per run."""

    window_s: float = 3600.0
    seen: dict[str, float] = field(default_factory=dict)

    def fresh(self, key: str, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        last = self.seen.get(key)
        if last is not None and now - last < self.window_s:
            return False
        self.seen[key] = now
        return True


def _post(url: str, body: dict[str, Any], timeout: float = 10.0) -> None:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"},
                                 method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        resp.read()


def slack_message(a: Alert) -> dict[str, Any]:
    f = a.finding
    return {"text": f":rotating_light: *{f.severity.value.upper()}* {f.title}: {f.message}",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{f.title}* ({f.severity.value})\n{f.message}"}},
                       {"type": "context", "elements": [{"type": "mrkdwn", "text": f"account {f.account} · {f.region} · "
                                                                                   f"actor {a.actor}"}]},
                       {"type": "section", "text": {"type": "mrkdwn", "text": "*Playbook:* " + a.payload()["playbook"]}}]}


@dataclass
class Sinks:
    webhook: str | None = None
    slack: str | None = None
    sns_topic: str | None = None
    stdout: bool = False

    def send(self, alerts: list[Alert], suppressor: Suppressor) -> tuple[int, int, list[str]]:
        """(sent, suppressed, errors): one sink failing does not stop the others."""
        sent = suppressed = 0
        errors: list[str] = []
        sns = None
        for a in alerts:
            if not suppressor.fresh(a.key):
                suppressed += 1
                continue
            sent += 1
            if self.stdout:
                print(json.dumps(a.payload()), flush=True)
            for name, url, body in (("webhook", self.webhook, a.payload()), ("slack", self.slack, slack_message(a))):
                if url:
                    try:
                        _post(url, body)
                    except OSError as e:
                        errors.append(f"{name}: {e}")
            if self.sns_topic:
                try:
                    if sns is None:
                        import boto3

                        sns = boto3.client("sns", region_name=self.sns_topic.split(":")[3])
                    sns.publish(TopicArn=self.sns_topic, Subject=f"wasec: {a.finding.title}"[:100],
                                Message=json.dumps(a.payload()))
                except Exception as e:  # a sink that fails is reported, not fatal
                    errors.append(f"sns: {e}")
        return sent, suppressed, errors


def alerts_for(records_and_findings: list[tuple[dict[str, Any], Finding]]) -> list[Alert]:
    from wasec.events.detections import actor

    return [Alert(f, actor(r), redact(r.get("requestParameters") or {})) for r, f in records_and_findings]
