"""Running one unit of a live scan in a process: sessions, rate caps and enabled regions per account,
then every collector of the unit's service, recorded with what could and could not be read."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from wasec.model.coverage import NOT_ASSESSED, PARTIAL, Coverage
from wasec.model.finding import Problem
from wasec.model.resource import Inventory, Origin, Resource
from wasec.sources.aws.api import UNIT_REQUESTS, Api, CallError, RateLimiter, Tally
from wasec.sources.aws.collected import ACCOUNT, ANCHORS, REGION, AwsCollected, AwsOptions, Gap
from wasec.sources.aws.session import assume_role, base_session, emulated, enabled_regions, identity
from wasec.sources.aws.spec import Collector, Ctx


class UnitContext:
    """What running units needs in one process: credentials, a session and a rate cap per account,
    each account's enabled regions (asked once), and a pool for per-item calls. Thread-safe."""

    def __init__(self, options: AwsOptions, collectors: list[Collector], share: int = 1) -> None:
        self.options = options
        self.collectors = collectors
        self.base = base_session(options.profile)
        if options.role_arn:
            self.base = assume_role(self.base, options.role_arn, options.external_id)
        try:
            self.me = identity(self.base, options.max_attempts)
        except Exception as e:
            from wasec.errors import WasecError

            raise WasecError(f"cannot use the AWS credentials: {_short(e)}") from None
        self.home = self.base.region_name or "us-east-1"
        # each process that may work on an account at the same time gets its share of the cap
        shards = options.shard[1] if options.shard else 1
        self.rate = options.max_rps / (shards * max(1, share)) if options.max_rps > 0 else 0.0
        self.lock = threading.Lock()
        self.apis: dict[str, Api] = {}
        self.entered: dict[str, str | None] = {}  # account -> None (entered) or why not
        self.enabled: dict[str, tuple[list[str], list[str]] | None] = {}
        self.account_locks: dict[str, threading.Lock] = {}
        self.items = ThreadPoolExecutor(max_workers=max(1, options.workers))
        self.planned: list[str] = []  # the plan's regions (set by make_plan, or by the engine that ships the plan)

    def close(self) -> None:
        self.items.shutdown(wait=True)

    def _account_lock(self, account: str) -> threading.Lock:
        with self.lock:
            return self.account_locks.setdefault(account, threading.Lock())

    def api(self, account: str) -> Api:
        """The account's API gateway, one per process: its clients, answers and rate cap serve every unit."""
        with self.lock:
            if account not in self.apis:
                if account == self.me.account:
                    session = self.base
                else:
                    role = f"arn:{self.me.partition}:iam::{account}:role/{self.options.org_role}"
                    session = assume_role(self.base, role, self.options.external_id)
                self.apis[account] = Api(session, account, RateLimiter(self.rate), emulated=emulated(),
                                         max_attempts=self.options.max_attempts)
            return self.apis[account]

    def enter(self, account: str, api: Api) -> str | None:
        """None when the account can be read through its session (asked once per process), else why not."""
        with self._account_lock(account):
            if account not in self.entered:
                try:
                    who = identity(api.session, self.options.max_attempts)
                    self.entered[account] = None if who.account == account else \
                        f"credentials are for account {who.account}, not {account}"
                except Exception as e:
                    self.entered[account] = _short(e)
            return self.entered[account]

    def regions(self, account: str, api: Api) -> tuple[list[str], list[str]] | None:
        """(enabled, not enabled) regions of the account, or None when they cannot be listed."""
        with self._account_lock(account):
            if account not in self.enabled:
                try:
                    answer = api.call("ec2", self.home, "DescribeRegions", AllRegions=True)["Regions"]
                    self.enabled[account] = enabled_regions(answer)
                except CallError:
                    self.enabled[account] = None
            return self.enabled[account]

    def run(self, unit: Any) -> Any:
        """One unit, start to end; never raises for what AWS answers (that goes into the result)."""
        from wasec.sources.aws.units import ACCOUNT_GROUP, GLOBAL, UnitResult

        out = UnitResult(unit)
        api = self.api(unit.account)
        tally = Tally()
        token = UNIT_REQUESTS.set(tally)
        try:
            why = self.enter(unit.account, api)
            if unit.group == ACCOUNT_GROUP:
                self._account_unit(unit, api, why, out)
                return out
            if why is not None:
                return out  # the account unit says why the account was not scanned
            regions = self.regions(unit.account, api)
            if unit.region != GLOBAL and regions is not None and unit.region not in regions[0]:
                return out  # not enabled for the account: the account unit records it
            part = AwsCollected(Inventory(), Coverage(), [], [])
            where = unit.region
            region = self.home if where == GLOBAL else where
            runs = [(c, *_run(api, c, unit.account, region, self.me.partition, self.items)) for c in self.collectors
                    if c.service == unit.group and (c.scope == "global") == (where == GLOBAL)]
            # the service answered: an API it does not offer here (a newer feature) leaves it partly assessed
            answered = any(failure is None for *_, failure in runs)
            for c, resources, errors, failure in runs:
                _record(part, c, unit.account, where, resources, errors, failure, answered)
            out.resources = sorted(part.inventory, key=lambda r: (r.type, r.id))
            out.cells = part.coverage.rows()
            out.collected = sorted(part.inventory.collected.get(unit.account, ()))
            out.gaps = [(g.account, g.region, g.types, g.reason) for g in part.gaps]
            out.problems = part.problems
            return out
        finally:
            UNIT_REQUESTS.reset(token)
            out.requests = tally.n

    def _account_unit(self, unit: Any, api: Api, why: str | None, out: Any) -> None:
        cov = Coverage()
        if why is not None:
            cov.cell(unit.account, "global", "sts").worsen(NOT_ASSESSED, why)
            out.problems.append(Problem(f"aws:{unit.account}", f"account not scanned: {why}"))
            out.cells = cov.rows()
            return
        planned = self.planned
        regions = self.regions(unit.account, api)
        if regions is None:
            out.problems.append(Problem(f"aws:{unit.account}", "cannot list the account's regions; opt-in status unknown",
                                        kind="warning"))
            on = planned
        else:
            on = [r for r in planned if r in regions[0]]
            for r in planned:
                if r not in regions[0]:
                    cov.cell(unit.account, r, "*").worsen(NOT_ASSESSED, "region not enabled for the account (opt-in)")
        out.resources = [_anchor(ACCOUNT, unit.account, None, self.me.partition),
                         *[_anchor(REGION, unit.account, r, self.me.partition) for r in on]]
        out.collected = sorted(ANCHORS)
        out.cells = cov.rows()


def _anchor(type_: str, account: str, region: str | None, partition: str) -> Resource:
    rid = f"{account}/{region}" if region else account
    return Resource(type_, rid, {"AccountId": account, **({"RegionName": region} if region else {})},
                    Origin("aws", f"aws:{account}", arn=f"arn:{partition}::{region or ''}:{account}:"),
                    account=account, region=region)


def _run(api: Api, c: Collector, account: str, region: str, partition: str,
         items: ThreadPoolExecutor) -> tuple[list[Resource], list[CallError], CallError | str | None]:
    ctx = Ctx(api, c, account, region, partition, items)
    try:
        return list(c.fn(ctx)), ctx.errors, None
    except CallError as e:
        return [], ctx.errors, e
    except Exception as e:  # a collector bug or an unexpected answer: reported, never a silent pass
        return [], ctx.errors, f"{c.name} failed in {region}: {type(e).__name__}: {_short(e)}"


def _record(out: AwsCollected, c: Collector, account: str, where: str, resources: list[Resource],
            errors: list[CallError], error: CallError | str | None, answered: bool = False) -> None:
    """Add one collector's outcome; its types are gaps (their rules UNKNOWN) when it failed. ``answered``: another
    collector of the service read it here, so an API not offered is a missing feature, not a missing service."""
    inv = out.inventory
    inv.collected[account].update(c.types)
    cell = out.coverage.cell(account, where, c.service)
    cell.resources += len(resources)
    inv.extend(resources)
    for e in errors:
        cell.worsen(PARTIAL, e.reason)
    if error is not None:
        failure = error.reason if isinstance(error, CallError) else error
        feature = answered and isinstance(error, CallError) and error.kind == "not-available"
        cell.worsen(PARTIAL if feature else NOT_ASSESSED, failure)
        key_region = "*" if where == "global" else where
        for t in c.types:
            inv.gaps[(account, key_region, t)] = failure
        out.gaps.append(Gap(account, where, c.types, failure))


def _short(e: object) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:300]
