"""Credentials: the standard chain, an assumed role that renews itself, and the account's regions."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from wasec.errors import UsageError

SESSION_NAME = "wasec-scan"
OPTED_IN = ("opt-in-not-required", "opted-in")


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str
    partition: str


def base_session(profile: str | None = None, region: str | None = None) -> Any:
    """A boto3 session from the standard chain: profile, environment, SSO, container and instance roles."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        s = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as e:
        raise UsageError(f"AWS profile not found: {e}") from None
    if s.region_name is None:
        s = boto3.Session(profile_name=profile, region_name="us-east-1")
    return s


def assume_role(source: Any, role_arn: str, external_id: str | None = None, region: str | None = None,
                duration: int = 3600) -> Any:
    """A session on ``role_arn`` whose credentials are fetched lazily and renewed before they expire.

    botocore refreshes them ahead of expiry (15 minutes), so a scan that outlives the session token
    or a role-chaining hour carries on with new credentials instead of failing mid-way.
    """
    import boto3
    import botocore.session
    from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

    extra: dict[str, Any] = {"RoleSessionName": SESSION_NAME, "DurationSeconds": duration}
    if external_id:
        extra["ExternalId"] = external_id
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=source._session.create_client,
        source_credentials=source.get_credentials(),
        role_arn=role_arn,
        extra_args=extra,
    )
    creds = DeferredRefreshableCredentials(method="assume-role", refresh_using=fetcher.fetch_credentials)
    bc = botocore.session.Session()
    # share the source's model loader: one copy of each service model for every account's session
    # (an organisation scan holds a session per account; each loading its own models cost gigabytes)
    bc.register_component("data_loader", source._session.get_component("data_loader"))
    bc._credentials = creds
    bc.set_config_variable("region", region or source.region_name or "us-east-1")
    return boto3.Session(botocore_session=bc)


def identity(session: Any, max_attempts: int = 3) -> Identity:
    from botocore.config import Config

    sts = session.client("sts", config=Config(retries={"mode": "standard", "max_attempts": max_attempts}))
    me = sts.get_caller_identity()
    arn = str(me["Arn"])
    return Identity(str(me["Account"]), arn, arn.split(":")[1] if arn.count(":") >= 2 else "aws")


def emulated() -> bool:
    """Whether boto3 is pointed at an emulator (``AWS_ENDPOINT_URL``), where account-id host prefixes break."""
    return bool(os.environ.get("AWS_ENDPOINT_URL"))


def enabled_regions(answer: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(enabled, not enabled) region names from ``DescribeRegions(AllRegions=True)``."""
    on: list[str] = []
    off: list[str] = []
    for r in answer:
        name = str(r.get("RegionName"))
        (on if r.get("OptInStatus", "opt-in-not-required") in OPTED_IN else off).append(name)
    return sorted(on), sorted(off)
