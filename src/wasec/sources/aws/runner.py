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
from typing import Any

from wasec.errors import UsageError, did_you_mean
from wasec.model.coverage import NOT_ASSESSED, Coverage
from wasec.model.finding import Problem
from wasec.sources.aws.api import Api, CallError, RateLimiter
from wasec.sources.aws.collected import (  # noqa: F401  (the package's names for them)
    ACCOUNT,
    ANCHORS,
    DEFAULT_ORG_ROLE,
    REGION,
    AwsCollected,
    AwsOptions,
    Gap,
)
from wasec.sources.aws.execute import UnitContext
from wasec.sources.aws.session import emulated
from wasec.sources.aws.spec import Collector, load_collectors


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
