"""Read-only, provably; the printed policy covers every call; credentials renew; the rate cap holds."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from wasec.cli.commands import cli
from wasec.sources.aws.api import Api, NotReadOnly, RateLimiter, is_read
from wasec.sources.aws.permissions import action, actions
from wasec.sources.aws.spec import collector, load_collectors

RUNNER_OPERATIONS = {("sts", "GetCallerIdentity"), ("sts", "AssumeRole"), ("ec2", "DescribeRegions")}


def test_every_request_of_a_full_scan_is_a_read(scans: Any) -> None:
    assert len(scans.requests) > 150
    writes = sorted({r.name for r in scans.requests if not is_read(r.operation) and r.name != "sts:AssumeRole"})
    assert writes == [], writes
    # each request was named from botocore's own models, not guessed
    assert not [r for r in scans.requests if " " in r.operation]


def test_scan_calls_only_what_collectors_declare(scans: Any) -> None:
    declared = {(c.service, op) for c in load_collectors().values() for op in c.calls} | RUNNER_OPERATIONS
    made = {(r.service, r.operation) for r in scans.requests}
    # the emulator names docdb/neptune calls by the shared rds API
    undeclared = sorted(f"{s}:{o}" for s, o in made - declared if s not in ("docdb", "neptune"))
    assert undeclared == []


def test_printed_policy_grants_every_call_the_scan_made(scans: Any) -> None:
    out = CliRunner().invoke(cli, ["permissions"])
    assert out.exit_code == 0
    doc = json.loads(out.output)
    granted = {a for s in doc["Statement"] for a in s["Action"]}
    made = {(r.service, r.operation) for r in scans.requests if (r.service, r.operation) not in RUNNER_OPERATIONS - {("ec2", "DescribeRegions")}}
    missing = sorted(action(s, o) for s, o in made if action(s, o) not in granted and s not in ("docdb", "neptune", "sts"))
    assert missing == []
    assert all(a.split(":")[1].startswith(("Describe", "List", "Get", "BatchGet", "GenerateCredentialReport", "GET"))
               for a in granted), granted
    assert "s3:GetAccountPublicAccessBlock" in granted and "s3:ListAllMyBuckets" in granted


def test_permissions_text_and_service_filter() -> None:
    out = CliRunner().invoke(cli, ["permissions", "--format", "text", "--services", "s3"])
    assert out.exit_code == 0
    lines = out.output.split()
    assert "s3:GetBucketPolicy" in lines and "ec2:DescribeRegions" in lines
    assert not [x for x in lines if x.startswith("iam:")]
    assert actions(["s3"]) == sorted(lines)


def test_a_write_is_refused_before_it_is_sent(emulator: Any) -> None:
    api = Api(boto3.Session(region_name="us-east-1"), "123456789012", RateLimiter(0), emulated=True)
    before = len(emulator.log)
    with pytest.raises(NotReadOnly, match="DeleteBucket"):
        api.call("s3", "us-east-1", "DeleteBucket", Bucket="good-bucket")
    with pytest.raises(NotReadOnly):
        api.call("ec2", "us-east-1", "TerminateInstances", cached=False, InstanceIds=["i-1"])
    assert len(emulator.log) == before


def test_a_collector_cannot_declare_a_write() -> None:
    with pytest.raises(ValueError, match="not reads"):
        collector("s3", types=["AWS::S3::Bucket"], calls=["PutBucketPolicy"], name="test.bad")(lambda ctx: [])


def test_assumed_role_credentials_renew_themselves(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime

    import botocore.credentials

    from wasec.sources.aws.session import assume_role, base_session

    session = assume_role(base_session(), "arn:aws:iam::444444444444:role/wasec-audit")
    sts = session.client("sts")
    assert sts.get_caller_identity()["Account"] == "444444444444"
    first = session.get_credentials().get_frozen_credentials().access_key
    calls = sum(1 for r in emulator.log if r.operation == "AssumeRole")
    # 55 minutes later the one-hour session token is about to expire (a long scan, or role chaining)
    later = botocore.credentials._local_now() + datetime.timedelta(minutes=55)
    monkeypatch.setattr(botocore.credentials, "_local_now", lambda: later)  # the role fetcher's clock
    monkeypatch.setattr(session.get_credentials(), "_time_fetcher", lambda: later)  # the credentials' own clock
    assert sts.get_caller_identity()["Account"] == "444444444444"
    assert session.get_credentials().get_frozen_credentials().access_key != first
    assert sum(1 for r in emulator.log if r.operation == "AssumeRole") > calls


def test_rate_limiter_spaces_requests() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(40):
        limiter.acquire()
    # a burst of 10, then 30 more at 10 a second
    assert now[0] == pytest.approx(3.0, abs=0.01)
    unlimited = RateLimiter(0, clock=lambda: now[0], sleep=sleep)
    count = len(slept)
    for _ in range(100):
        unlimited.acquire()
    assert len(slept) == count


def test_max_rps_caps_a_real_scan(emulator: Any) -> None:
    """--max-rps is applied to every request of the account (seen here through the limiter's bookkeeping)."""
    from wasec.scanning import ScanOptions, scan_aws
    from wasec.sources.aws import AwsOptions, execute

    seen: list[float] = []
    original = execute.RateLimiter

    class Recording(original):  # type: ignore[misc, valid-type]
        def acquire(self) -> None:
            super().acquire()
            seen.append(self.rate)

    execute.RateLimiter = Recording  # type: ignore[misc]
    try:
        scan_aws(ScanOptions(), AwsOptions(regions=["us-east-1"], services=["sqs", "sns"], max_rps=7.5, max_attempts=2))
    finally:
        execute.RateLimiter = original  # type: ignore[misc]
    assert seen and set(seen) == {7.5}
