"""The live source's shared types: its options, what a scan collected, and the gaps it left.

The AWS engine modules import in one direction: ``runner`` (plans and runs a scan) → ``dask_engine``
and ``execute`` (runs one unit) → ``units`` (the unit model, results, merging) → this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wasec.model.coverage import Coverage
from wasec.model.finding import Problem
from wasec.model.resource import Inventory

ACCOUNT = "Wasec::AWS::Account"
REGION = "Wasec::AWS::Region"
ANCHORS = (ACCOUNT, REGION)
DEFAULT_ORG_ROLE = "OrganizationAccountAccessRole"


@dataclass
class AwsOptions:
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    regions: list[str] = field(default_factory=list)  # empty or ["all"]: every region enabled for the account
    services: list[str] = field(default_factory=list)  # empty: every service the selected rules need
    max_rps: float = 40.0  # per account; 0 = no cap
    workers: int = 24
    max_attempts: int = 6
    org: bool = False
    org_role: str = DEFAULT_ORG_ROLE
    progress: bool = False
    shard: tuple[int, int] | None = None  # (i, N): only this shard's units (see wasec.sources.aws.units)
    results_dir: str | None = None  # keep each unit's result here (shards; --resume)
    resume: bool = False  # with results_dir: units already there are not run again
    engine: str = "local"  # or dask://HOST:PORT: units run on a Dask cluster


@dataclass
class Gap:
    """A collector that could not run in one account/region: its rules are UNKNOWN there."""

    account: str
    region: str
    types: tuple[str, ...]
    reason: str


@dataclass
class AwsCollected:
    inventory: Inventory
    coverage: Coverage
    problems: list[Problem]
    gaps: list[Gap]
    requests: int = 0
