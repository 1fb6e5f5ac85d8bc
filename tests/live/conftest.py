"""The live path against moto's server on 127.0.0.1 (started here, one per test session).

The main account (123456789012) holds a good and a bad example of every resource type; a second
account (222222222222, reached by assuming a role, as ``--role-arn`` does) has every account-wide
fact set as the pillar asks. Each is scanned once per session; tests read the results. Fault and
organisation tests work in accounts of their own so they cannot disturb these.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

GOOD_ACCOUNT = "222222222222"
REGIONS = ["us-east-1"]


@pytest.fixture(scope="session")
def emulator() -> Iterator[Any]:
    from wasec.demo.emulator import Emulator

    with Emulator() as em, em.environment():
        yield em


def as_account(account: str, name: str = "setup") -> dict[str, str]:
    """Credentials for another emulated account (the emulator maps them to its id)."""
    import boto3

    c = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{name}", RoleSessionName=name)["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"]}


@pytest.fixture(scope="session")
def worlds(emulator: Any) -> tuple[Any, Any]:
    import boto3

    from tests.live import world

    main = world.build()
    boto3.setup_default_session(region_name="us-east-1", **as_account(GOOD_ACCOUNT))
    try:
        good = world.build_good_account()
    finally:
        boto3.setup_default_session()
    return main, good


@dataclass
class LiveScans:
    main: Any  # ScanResult of the main account
    good: Any  # ScanResult of the good account, scanned through --role-arn
    requests: list[Any]  # every request the two scans made, as the emulator saw them


@pytest.fixture(scope="session")
def scans(emulator: Any, worlds: Any, tmp_path_factory: pytest.TempPathFactory) -> LiveScans:
    from wasec.scanning import ScanOptions, scan_aws
    from wasec.sources.aws import AwsOptions

    # the emulator cannot age credentials, so the age rules run with a threshold of zero days
    config = tmp_path_factory.mktemp("config")
    (config / ".wasec").mkdir()
    (config / ".wasec" / "config.yml").write_text(
        "rules:\n  iam-credentials-unused: {days: 0}\n  iam-access-key-rotation: {days: 0}\n"
        "  secretsmanager-secret-unused: {days: 0}\n")
    options = ScanOptions(strict=True, config_dir=str(config))
    emulator.reset_log()
    main = scan_aws(options, AwsOptions(regions=REGIONS, max_rps=0, max_attempts=2))
    good = scan_aws(options, AwsOptions(regions=REGIONS, max_rps=0, max_attempts=2,
                                        role_arn=f"arn:aws:iam::{GOOD_ACCOUNT}:role/wasec-audit"))
    return LiveScans(main, good, emulator.reset_log())


def config_dir(tmp: Path, text: str) -> str:
    (tmp / ".wasec").mkdir(exist_ok=True)
    (tmp / ".wasec" / "config.yml").write_text(text)
    return str(tmp)


ORG_MANAGEMENT = "666666666666"
ORG_REGIONS = ["eu-west-1", "us-east-1"]


@pytest.fixture(scope="session")
def org(emulator: Any) -> list[str]:
    """An organisation of three accounts, each with an open security group, a queue and a bucket (shards, engines)."""
    import boto3

    s = boto3.Session(region_name="us-east-1", **as_account(ORG_MANAGEMENT))
    o = s.client("organizations")
    o.create_organization(FeatureSet="ALL")
    members = [o.create_account(AccountName=n, Email=f"{n}@example.com")["CreateAccountStatus"]["AccountId"]
               for n in ("shop", "data")]
    for n, acct in enumerate([ORG_MANAGEMENT, *members]):
        m = boto3.Session(**as_account(acct))
        for region in ORG_REGIONS:
            ec2 = m.client("ec2", region_name=region)
            g = ec2.create_security_group(GroupName=f"web{n}", Description="web")["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
            m.client("sqs", region_name=region).create_queue(QueueName=f"jobs-{n}", Attributes={"SqsManagedSseEnabled": "false"})
        m.client("s3", region_name="us-east-1").create_bucket(Bucket=f"wasec-units-{acct}")
    return [ORG_MANAGEMENT, *members]


@pytest.fixture
def weather(emulator: Any) -> Any:
    """A slow emulator that throttles one request in twenty (retried by the scan)."""
    import random

    from wasec.demo.emulator import Fault

    rnd = random.Random(7)
    emulator.latency = 0.002
    emulator.faults.append(Fault("Throttling", 400, "Rate exceeded",
                                 when=lambda r: r.operation not in ("AssumeRole", "GetCallerIdentity") and rnd.random() < 0.05))
    yield emulator
    emulator.latency = 0.0
    emulator.faults.clear()
