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
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from wasec.errors import UsageError
from wasec.model.coverage import NOT_ASSESSED, PARTIAL, Coverage
from wasec.model.finding import Problem
from wasec.model.resource import Inventory, Origin, Resource
from wasec.sources.aws.api import Api, CallError, RateLimiter
from wasec.sources.aws.session import Identity, assume_role, base_session, emulated, enabled_regions, identity
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
    org_workers: int = 4
    progress: bool = False


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
        raise UsageError(f"unknown service(s) {', '.join(sorted(unknown))}; wasec reads: {', '.join(sorted(known))}")
    return [c for c in load_collectors().values()
            if (wanted is None or wanted.intersection(c.types)) and (not svc or c.service in svc)]


def collect_aws(options: AwsOptions, types: Iterable[str] | None = None) -> AwsCollected:
    """Read the account (or every account of the organisation) into one canonical inventory."""
    collectors = select_collectors(types, options.services)
    inv = Inventory()
    inv.complete = True
    out = AwsCollected(inv, Coverage(), [], [])
    base = base_session(options.profile)
    if options.role_arn:
        base = assume_role(base, options.role_arn, options.external_id)
    try:
        me = identity(base, options.max_attempts)
    except Exception as e:
        from wasec.errors import WasecError

        raise WasecError(f"cannot use the AWS credentials: {_short(e)}") from None
    targets: list[tuple[str, Any]] = [(me.account, base)]
    if options.org:
        targets = _org_accounts(base, me, options, out)
    progress = _Progress(options.progress)
    lock = threading.Lock()

    def one(account: str, session: Any) -> None:
        part = AwsCollected(Inventory(), Coverage(), [], [])
        try:
            _collect_account(account, session, me.partition, collectors, options, part, progress)
        except UsageError:
            raise
        except Exception as e:  # an account that cannot be read is reported; the others go on
            part.coverage.cell(account, "global", "sts").worsen(NOT_ASSESSED, _short(e))
            part.problems.append(Problem(f"aws:{account}", f"account not scanned: {_short(e)}"))
        with lock:
            _merge(out, part, account)

    try:
        if len(targets) == 1:
            one(*targets[0])
        else:
            with ThreadPoolExecutor(max_workers=max(1, options.org_workers)) as pool:
                for f in [pool.submit(one, a, s) for a, s in targets]:
                    f.result()
    finally:
        progress.close()
    out.coverage.requests = out.requests
    return out


def _merge(out: AwsCollected, part: AwsCollected, account: str) -> None:
    out.inventory.extend(part.inventory)
    for acct, types in part.inventory.collected.items():
        out.inventory.collected[acct] |= types
    out.inventory.gaps.update(part.inventory.gaps)
    out.coverage.cells.update(part.coverage.cells)
    out.coverage.accounts.append(account)
    out.problems += part.problems
    out.gaps += part.gaps
    out.requests += part.requests


def _org_accounts(base: Any, me: Identity, options: AwsOptions, out: AwsCollected) -> list[tuple[str, Any]]:
    """Every active account of the organisation, each with a session on the named role."""
    api = Api(base, me.account, RateLimiter(options.max_rps), emulated=emulated(), max_attempts=options.max_attempts)
    try:
        accounts = api.pages("organizations", base.region_name, "ListAccounts", "Accounts")
    except CallError as e:
        from wasec.errors import WasecError

        raise WasecError(f"--org needs the organisation's account list: {e.reason}") from None
    finally:
        out.requests += api.stats.requests
    targets: list[tuple[str, Any]] = []
    for a in sorted(accounts, key=lambda a: str(a.get("Id"))):
        acct = str(a.get("Id"))
        if a.get("Status", "ACTIVE") != "ACTIVE":
            out.coverage.cell(acct, "global", "organizations").worsen(NOT_ASSESSED, f"account is {a.get('Status')}")
            continue
        if acct == me.account:
            targets.append((acct, base))
        else:
            role = f"arn:{me.partition}:iam::{acct}:role/{options.org_role}"
            targets.append((acct, assume_role(base, role, options.external_id)))
    return targets


def _collect_account(account: str, session: Any, partition: str, collectors: list[Collector], options: AwsOptions,
                     out: AwsCollected, progress: _Progress) -> None:
    api = Api(session, account, RateLimiter(options.max_rps), emulated=emulated(), max_attempts=options.max_attempts)
    try:
        # the account's identity through the assumed role: a role that cannot be assumed fails here
        who = identity(session, options.max_attempts)
        if who.account != account:
            raise RuntimeError(f"credentials are for account {who.account}, not {account}")
        home = session.region_name or "us-east-1"
        regions = _regions(api, session, home, account, options, out)
        inv = out.inventory
        inv.add(_anchor(ACCOUNT, account, None, partition))
        for region in regions:
            inv.add(_anchor(REGION, account, region, partition))
        inv.collected[account].update(ANCHORS)
        tasks = [(c, "global" if c.scope == "global" else r)
                 for c in collectors for r in ([home] if c.scope == "global" else regions)]
        progress.add(len(tasks))
        with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool, \
                ThreadPoolExecutor(max_workers=max(1, options.workers)) as items:
            futures = {pool.submit(_run, api, c, account, home if where == "global" else where, partition, items): (c, where)
                       for c, where in tasks}
            for fut in as_completed(futures):
                c, where = futures[fut]
                _record(out, c, account, where, *fut.result())
                progress.advance()
    finally:
        out.requests += api.stats.requests


def _regions(api: Api, session: Any, home: str, account: str, options: AwsOptions, out: AwsCollected) -> list[str]:
    asked = [r for r in options.regions if r != "all"]
    try:
        answer = api.call("ec2", home, "DescribeRegions", AllRegions=True)["Regions"]
    except CallError as e:
        # without the list, scan what was asked (or every region boto3 knows) and say why
        out.problems.append(Problem(f"aws:{account}", f"cannot list the account's regions ({e.reason}); "
                                                     "opt-in status unknown", kind="warning"))
        return asked or sorted(session.get_available_regions("ec2"))
    on, off = enabled_regions(answer)
    if not asked:
        for r in off:
            out.coverage.cell(account, r, "*").worsen(NOT_ASSESSED, "region not enabled for the account (opt-in)")
        return on
    known = set(on) | set(off)
    bad = [r for r in asked if r not in known]
    if bad:
        raise UsageError(f"unknown region(s): {', '.join(bad)}")
    for r in asked:
        if r in off:
            out.coverage.cell(account, r, "*").worsen(NOT_ASSESSED, "region not enabled for the account (opt-in)")
    return [r for r in asked if r in on]


def _anchor(type_: str, account: str, region: str | None, partition: str) -> Resource:
    rid = f"{account}/{region}" if region else account
    return Resource(type_, rid, {"AccountId": account, **({"RegionName": region} if region else {})},
                    Origin("aws", f"aws:{account}", arn=f"arn:{partition}::{region or ''}:{account}:"),
                    account=account, region=region)


def _run(api: Api, c: Collector, account: str, region: str, partition: str,
         items: ThreadPoolExecutor) -> tuple[list[Resource], list[CallError], str | None]:
    ctx = Ctx(api, c, account, region, partition, items)
    try:
        return list(c.fn(ctx)), ctx.errors, None
    except CallError as e:
        return [], ctx.errors, e.reason
    except Exception as e:  # a collector bug or an unexpected answer: reported, never a silent pass
        return [], ctx.errors, f"{c.name} failed in {region}: {type(e).__name__}: {_short(e)}"


def _record(out: AwsCollected, c: Collector, account: str, where: str, resources: list[Resource],
            errors: list[CallError], failure: str | None) -> None:
    inv = out.inventory
    inv.collected[account].update(c.types)
    cell = out.coverage.cell(account, where, c.service)
    cell.resources += len(resources)
    inv.extend(resources)
    for e in errors:
        cell.worsen(PARTIAL, e.reason)
    if failure is not None:
        cell.worsen(NOT_ASSESSED, failure)
        key_region = "*" if where == "global" else where
        for t in c.types:
            inv.gaps[(account, key_region, t)] = failure
        out.gaps.append(Gap(account, where, c.types, failure))


def _short(e: object) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:300]


class _Progress:
    """A progress bar on a terminal (stderr); nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.bar: Any = None
        self.task: Any = None
        self.lock = threading.Lock()
        if enabled and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("reading AWS"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task("collect", total=0)

    def add(self, n: int) -> None:
        if self.bar is not None:
            with self.lock:
                total = self.bar.tasks[0].total or 0
                self.bar.update(self.task, total=total + n)

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
