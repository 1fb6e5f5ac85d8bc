"""What cannot be read stays UNKNOWN with its reason, the coverage matrix says so, and the scan goes on.

Each test works in an emulated account of its own (reached with --role-arn) and injects one fault
at the emulator, in the protocol the client speaks.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.live.conftest import as_account
from wasec.demo.emulator import Fault
from wasec.model.finding import Status
from wasec.scanning import ScanOptions, scan_aws
from wasec.sources.aws import AwsOptions


def _small_world(account: str) -> None:
    s = boto3.Session(region_name="us-east-1", **as_account(account))
    key = s.client("kms").create_key()["KeyMetadata"]["Arn"]
    s3 = s.client("s3")
    s3.create_bucket(Bucket=f"data-{account}")
    s3.put_bucket_encryption(Bucket=f"data-{account}", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
    s3.put_bucket_policy(Bucket=f"data-{account}", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::data-{account}/*"}]}))
    for region in ("us-east-1", "eu-west-1"):
        ec2 = s.client("ec2", region_name=region)
        g = ec2.create_security_group(GroupName="ssh", Description="ssh")["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])


def _scan(account: str, services: list[str], regions: list[str] | None = None) -> Any:
    return scan_aws(ScanOptions(), AwsOptions(regions=regions or ["us-east-1", "eu-west-1"], services=services, max_rps=0,
                                              max_attempts=2, role_arn=f"arn:aws:iam::{account}:role/wasec-audit"))


@pytest.fixture
def faults(emulator: Any) -> Iterator[list[Fault]]:
    emulator.faults.clear()
    yield emulator.faults
    emulator.faults.clear()


def _findings(result: Any, rule_id: str, where: str = "") -> list[Any]:
    return [f for f in result.findings if f.rule_id == rule_id and where in f.resource_id]


def _read(cell: Any) -> bool:
    """The service was read; at most a newer API the emulator does not offer is missing (that is partial)."""
    return cell.status == "assessed" or (cell.status == "partial" and
                                         all(r.startswith("service not available") for r in cell.reasons))


def test_denied_call_for_one_resource_makes_only_its_rules_unknown(emulator: Any, faults: list[Fault]) -> None:
    _small_world("333333333301")
    faults.append(Fault("AccessDenied", 403, when=lambda r: r.operation == "GetBucketPolicy"))
    result = _scan("333333333301", ["s3", "s3control"])
    policy = _findings(result, "s3-bucket-policy-public", "data-333333333301")
    assert [f.status for f in policy] == [Status.UNKNOWN]
    assert "access denied: s3:GetBucketPolicy" in policy[0].message
    # the rest of the bucket was read and judged
    assert [f.status for f in _findings(result, "s3-bucket-versioning", "data-333333333301")] == [Status.FAIL]
    cell = result.coverage.cells[("333333333301", "global", "s3")]
    assert cell.status == "partial" and any("GetBucketPolicy" in r for r in cell.reasons)


def test_denied_list_call_in_one_region_leaves_that_region_unknown(emulator: Any, faults: list[Fault]) -> None:
    _small_world("333333333302")
    faults.append(Fault("UnauthorizedOperation", 403,
                        when=lambda r: r.operation == "DescribeSecurityGroups" and r.region == "eu-west-1"))
    result = _scan("333333333302", ["ec2"])
    assert result.coverage.cells[("333333333302", "eu-west-1", "ec2")].status == "not assessed"
    assert _read(result.coverage.cells[("333333333302", "us-east-1", "ec2")])
    west = [f for f in result.findings if f.rule_id == "sg-admin-ports-open" and f.region == "eu-west-1"]
    east = [f for f in result.findings if f.rule_id == "sg-admin-ports-open" and f.region == "us-east-1"]
    assert west and all(f.status is Status.UNKNOWN for f in west)
    assert "access denied: ec2:DescribeSecurityGroups in eu-west-1" in west[0].message
    assert any(f.status is Status.FAIL for f in east)
    # "no finding" is never "all clear": nothing in the unread region passed
    assert not [f for f in result.findings if f.region == "eu-west-1" and f.resource_type == "AWS::EC2::SecurityGroup"
                and f.status is Status.PASS]


def test_throttling_beyond_retries_is_reported_and_dependent_rules_stay_unknown(emulator: Any, faults: list[Fault]) -> None:
    _small_world("333333333303")
    faults.append(Fault("ThrottlingException", 400, when=lambda r: r.operation == "ListKeys"))
    result = _scan("333333333303", ["s3", "kms"], ["us-east-1"])
    cell = result.coverage.cells[("333333333303", "us-east-1", "kms")]
    assert cell.status == "not assessed" and "throttled beyond retries" in cell.reasons[0]
    # whether the bucket's key is customer managed depends on KMS: UNKNOWN, not a guessed PASS
    cmk = _findings(result, "s3-bucket-sse-kms", "data-333333333303")
    assert [f.status for f in cmk] == [Status.UNKNOWN] and "throttled" in cmk[0].message
    assert sum(1 for r in emulator.log if r.operation == "ListKeys") >= 2  # retried before giving up


def test_endpoint_that_does_not_answer(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_GUARDDUTY", f"http://127.0.0.1:{closed}")
    result = _scan("333333333304", ["guardduty", "ec2"], ["us-east-1"])
    cell = result.coverage.cells[("333333333304", "us-east-1", "guardduty")]
    assert cell.status == "not assessed" and "endpoint did not answer" in cell.reasons[0]
    gd = _findings(result, "guardduty-enabled")
    assert [f.status for f in gd] == [Status.UNKNOWN]  # not FAIL: nobody could ask
    assert _read(result.coverage.cells[("333333333304", "us-east-1", "ec2")])


def test_service_the_endpoint_does_not_offer(emulator: Any) -> None:
    result = _scan("333333333305", ["accessanalyzer"], ["us-east-1"])
    cell = result.coverage.cells[("333333333305", "us-east-1", "accessanalyzer")]
    assert cell.status == "not assessed" and "service not available" in cell.reasons[0]
    assert [f.status for f in _findings(result, "access-analyzer-enabled")] == [Status.UNKNOWN]


def test_region_not_enabled_for_the_account(emulator: Any) -> None:
    result = _scan("333333333306", ["ec2"], ["us-east-1", "ap-east-1"])
    cell = result.coverage.cells[("333333333306", "ap-east-1", "*")]
    assert cell.status == "not assessed" and "opt-in" in cell.reasons[0]
    assert not [f for f in result.findings if f.region == "ap-east-1"]
    assert not [r for r in emulator.log if r.region == "ap-east-1" and r.service == "ec2" and r.operation != "DescribeRegions"]


def test_unknown_region_is_a_usage_error(emulator: Any) -> None:
    from wasec.errors import UsageError

    with pytest.raises(UsageError, match="unknown region"):
        _scan("333333333307", ["ec2"], ["us-east-9"])


def test_credentials_that_cannot_be_used(emulator: Any, faults: list[Fault]) -> None:
    from wasec.errors import WasecError

    faults.append(Fault("InvalidClientTokenId", 403, when=lambda r: r.service == "sts"))
    with pytest.raises(WasecError, match="cannot use the AWS credentials"):
        _scan("333333333308", ["ec2"], ["us-east-1"])
