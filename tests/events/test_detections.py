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
    fired = sorted({f.rule_id.removeprefix("event-") for f in detect([record(case["r"])])})
    assert fired == sorted(case["fires"])


def test_every_detection_has_a_true_case_and_near_misses_exist() -> None:
    assert set(REGISTRY) - {d for c in CASES for d in c["fires"]} == set()
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
