"""Run collectors over accounts × regions concurrently and record what could and could not be read.

Each (account, region, collector) is one task in a bounded pool; a collector's per-resource calls
go to a second pool, so a slow service never starves the others. Every request of an account takes
a token from that account's rate limiter first. A failed task leaves its resource types marked as
unread for that region (rules then say UNKNOWN, with the reason) and the scan goes on.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from wasec.errors import UsageError, did_you_mean
from wasec.model.coverage import NOT_ASSESSED, PARTIAL, Coverage
from wasec.model.finding import Problem
from wasec.model.resource import Inventory, Origin, Resource
from wasec.sources.aws.api import UNIT_REQUESTS, Api, CallError, RateLimiter, Tally
from wasec.sources.aws.session import assume_role, base_session, emulated, enabled_regions, identity
from wasec.sources.aws.spec import Collector, Ctx, load_collectors

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


def select_collectors(types: Iterable[str] | None, services: Iterable[str] = ()) -> list[Collector]:
    """Collectors producing any of ``types`` (all when None), narrowed to ``services`` when given."""
    wanted = None if types is None else set(types)
    svc = {s.lower() for s in services}
    known = {c.service for c in load_collectors().values()}
    unknown = svc - known
    if unknown:
        hints = "".join(did_you_mean(s, known) for s in sorted(unknown))
        raise UsageError(f"unknown service(s) {', '.join(sorted(unknown))}{hints}; wasec reads: {', '.join(sorted(known))}")
    return [c for c in load_collectors().values()
            if (wanted is None or wanted.intersection(c.types)) and (not svc or c.service in svc)]


def collect_aws(options: AwsOptions, types: Iterable[str] | None = None) -> AwsCollected:
    """Read the account (or every account of the organisation) into one canonical inventory.

    The scan is planned as units (:mod:`wasec.sources.aws.units`) and the units are run here, on a
    thread pool; with ``shard`` only this shard's units, with ``results_dir`` each result is kept
    (and, with ``resume``, finished ones are not run again).
    """
    from wasec.sources.aws import units as U

    collectors = select_collectors(types, options.services)
    ctx = UnitContext(options, collectors)
    plan = make_plan(ctx)
    chosen = plan.shard(*options.shard) if options.shard else plan.units()
    store = U.ResultDir(options.results_dir) if options.results_dir else None
    if options.resume and store is None:
        raise UsageError("--resume needs --results DIR (where the finished units were kept)")
    shard = options.shard or (0, 1)
    if store is not None:
        U.write_manifest(store.root, plan, *shard, chosen, complete=False)
    progress = _Progress(options.progress)
    progress.add(len(chosen))
    try:
        if options.engine.startswith("dask://"):
            from wasec.sources.aws import dask_engine

            results = dask_engine.run(options.engine[len("dask://"):], chosen, options, plan,
                                      sorted(c.name for c in collectors), store, options.resume,
                                      lambda done, total: progress.advance())
        elif options.engine == "local":
            results = U.run_local(chosen, ctx.run, store, options.resume, options.workers,
                                  lambda done, total: progress.advance())
        else:
            raise UsageError(f"--engine {options.engine}: use local or dask://HOST:PORT")
    finally:
        progress.close()
        ctx.close()
    if store is not None:
        U.write_manifest(store.root, plan, *shard, chosen, complete=True)
    return U.merge(results, plan.cells, plan.problems, plan.requests)


def make_plan(ctx: UnitContext) -> Any:
    """Accounts (the organisation's, sorted), regions and services: the same on every shard."""
    from wasec.sources.aws.units import Plan

    options = ctx.options
    plan = Plan([], [], sorted({c.service for c in ctx.collectors if c.scope != "global"}),
                sorted({c.service for c in ctx.collectors if c.scope == "global"}), ctx.home)
    api = Api(ctx.base, ctx.me.account, RateLimiter(options.max_rps), emulated=emulated(), max_attempts=options.max_attempts)
    try:
        plan.accounts = _org_accounts(api, ctx, plan) if options.org else [ctx.me.account]
        plan.regions = _plan_regions(api, ctx, plan)
        ctx.planned = plan.regions
    finally:
        plan.requests += api.stats.requests
    return plan


def _org_accounts(api: Api, ctx: UnitContext, plan: Any) -> list[str]:
    """Every active account of the organisation; the others are in the coverage, not scanned."""
    try:
        accounts = api.pages("organizations", ctx.home, "ListAccounts", "Accounts")
    except CallError as e:
        from wasec.errors import WasecError

        raise WasecError(f"--org needs the organisation's account list: {e.reason}") from None
    out = []
    for a in sorted(accounts, key=lambda a: str(a.get("Id"))):
        acct = str(a.get("Id"))
        if a.get("Status", "ACTIVE") != "ACTIVE":
            cell = Coverage().cell(acct, "global", "organizations")
            cell.worsen(NOT_ASSESSED, f"account is {a.get('Status')}")
            plan.cells.append(cell)
            continue
        out.append(acct)
    return out


def _plan_regions(api: Api, ctx: UnitContext, plan: Any) -> list[str]:
    """The regions asked for (checked), or every region of the partition; opt-in status is each account's."""
    asked = [r for r in ctx.options.regions if r != "all"]
    try:
        answer = api.call("ec2", ctx.home, "DescribeRegions", AllRegions=True)["Regions"]
        known = sorted({str(r.get("RegionName")) for r in answer})
    except CallError as e:
        plan.problems.append(Problem(f"aws:{ctx.me.account}", f"cannot list the partition's regions ({e.reason}); "
                                                             "using the regions boto3 knows", kind="warning"))
        known = sorted(ctx.base.get_available_regions("ec2"))
    bad = [r for r in asked if r not in known]
    if bad:
        raise UsageError(f"unknown region(s): {', '.join(bad)}")
    return sorted(dict.fromkeys(asked)) if asked else known


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


class _Progress:
    """Units done / total: a progress bar on a terminal; otherwise (CI, a pod's log) a line at each tenth."""

    def __init__(self, enabled: bool) -> None:
        self.bar: Any = None
        self.task: Any = None
        self.lock = threading.Lock()
        self.lines = enabled and not sys.stderr.isatty()
        self.total = self.done = self.said = 0
        if enabled and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("reading AWS (units)"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task("collect", total=0)

    def add(self, n: int) -> None:
        with self.lock:
            self.total += n
            if self.bar is not None:
                self.bar.update(self.task, total=self.total)

    def advance(self) -> None:
        with self.lock:
            self.done += 1
            if self.bar is not None:
                self.bar.advance(self.task)
            elif self.lines and self.total and (self.done * 10 // self.total > self.said or self.done == self.total):
                self.said = self.done * 10 // self.total
                print(f"wasec: units {self.done}/{self.total}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
