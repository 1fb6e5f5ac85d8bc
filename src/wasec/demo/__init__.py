"""``wasec demo``: a live scan of an emulated account, so a new user sees the live path with no AWS account.

The emulator (moto's server) runs in this process on 127.0.0.1; the scan is the same ``scan_aws``
a real account gets, through the same boto3 calls, and the emulator's request log shows that every
one of them was a read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class DemoResult:
    result: Any  # the ScanResult
    seeded: Any  # what was planted (wasec.demo.seed.Seeded)
    requests: int
    writes: list[str]  # operations of the scan that were not reads (must be empty)
    missed: list[Any]  # planted misconfigurations the scan did not report


def run_demo(scale: int = 1) -> DemoResult:
    try:
        import moto  # noqa: F401
    except ImportError:
        from wasec.errors import WasecError

        raise WasecError("the demo needs the AWS emulator: pip install 'wasec[demo]'") from None
    from wasec.demo.emulator import Emulator
    from wasec.demo.seed import seed
    from wasec.scanning import ScanOptions, scan_aws
    from wasec.sources.aws import AwsOptions
    from wasec.sources.aws.api import is_read

    with Emulator() as em, em.environment():
        seeded = seed(scale)
        em.reset_log()
        result = scan_aws(ScanOptions(), AwsOptions(regions=list(seeded.regions), max_rps=0, max_attempts=2))
        log = em.reset_log()
    writes = sorted({r.name for r in log if not is_read(r.operation)})
    failing = [f for f in result.findings if f.status.value == "FAIL"]
    missed = [p for p in seeded.planted
              if not any(f.rule_id == p.rule and p.resource in f.resource_id and (p.region is None or f.region == p.region)
                         for f in failing)]
    return DemoResult(result, seeded, len(log), writes, missed)
