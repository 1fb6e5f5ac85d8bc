"""Scan units: a live scan cut into (account, region, service) pieces that any engine can run.

The plan is computed the same way everywhere (sorted accounts × regions × services, with no API call
but the organisation's account list), so shard i of N of an Indexed Job, an array job or a
Distributed Map item takes exactly ``units[i::N]``. Each account also has one ``account`` unit: the
account's identity through its role, its enabled regions, and the anchors account-level rules read.

A unit's result (resources, coverage cells, gaps, problems, requests) depends only on the unit and
the account's state: running it twice gives the same result, written whole or not at all, so an
interrupted run resumes where it stopped and a unit retried elsewhere is stored once. Rules run when
the results are merged, over each account's whole inventory (GuardDuty in every region, a trail that
covers them all: facts no single unit holds).

Rate caps hold however the units are spread: every process that runs units caps each account at
``--max-rps`` divided by the number of processes that may work on it at once (shards × workers).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from wasec.errors import UsageError
from wasec.model.coverage import Cell, Coverage
from wasec.model.finding import Problem
from wasec.model.resource import Inventory, Origin, Resource
from wasec.model.values import Unknown
from wasec.sources.aws.collected import AwsCollected, Gap

ACCOUNT_GROUP = "_account"  # not a service name: the "account" service (alternate contacts) is a unit of its own
GLOBAL = "global"


@dataclass(frozen=True, order=True)
class Unit:
    account: str
    region: str  # a region, or "global" (account-wide services, and the account unit)
    group: str  # a service (s3, ec2…), or "account"

    @property
    def key(self) -> str:
        return f"{self.account}/{self.region}/{self.group}"

    @classmethod
    def parse(cls, key: str) -> Unit:
        account, region, group = key.split("/")
        return cls(account, region, group)


@dataclass
class Plan:
    """What a scan reads: the same on every shard and every worker."""

    accounts: list[str]
    regions: list[str]
    regional: list[str]  # services with per-region collectors
    global_: list[str]  # services with account-wide collectors
    home: str
    # facts of the plan itself (accounts of the organisation that are not active), kept by every shard
    cells: list[Cell] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    requests: int = 0

    def units(self) -> list[Unit]:
        out = []
        for a in self.accounts:
            out.append(Unit(a, GLOBAL, ACCOUNT_GROUP))
            out += [Unit(a, GLOBAL, g) for g in self.global_]
            out += [Unit(a, r, g) for r in self.regions for g in self.regional]
        return sorted(out)

    def shard(self, index: int, count: int) -> list[Unit]:
        if not (count >= 1 and 0 <= index < count):
            raise UsageError(f"--shard {index}/{count}: expected i/N with 0 <= i < N")
        return self.units()[index::count]

    def to_dict(self) -> dict[str, Any]:
        return {"accounts": self.accounts, "regions": self.regions, "regional": self.regional, "global": self.global_,
                "home": self.home}

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class UnitResult:
    unit: Unit
    resources: list[Resource] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    collected: list[str] = field(default_factory=list)  # resource types read in this account
    gaps: list[tuple[str, str, tuple[str, ...], str]] = field(default_factory=list)  # account, region, types, why
    requests: int = 0


# -- a portable form of results (files for --resume and shards; Dask ships them the same way) -------

def _enc(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _enc(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [_enc(x) for x in v]
    if isinstance(v, Unknown):
        return {"__unknown__": v.reason}
    if isinstance(v, dt.datetime):
        return {"__datetime__": v.isoformat()}
    if isinstance(v, dt.date):
        return {"__date__": v.isoformat()}
    if isinstance(v, bytes):
        return {"__bytes__": base64.b64encode(v).decode()}
    return v


def _dec(v: Any) -> Any:
    if isinstance(v, dict):
        if len(v) == 1:
            (k, x), = v.items()
            if k == "__unknown__":
                return Unknown(str(x))
            if k == "__datetime__":
                return dt.datetime.fromisoformat(x)
            if k == "__date__":
                return dt.date.fromisoformat(x)
            if k == "__bytes__":
                return base64.b64decode(x)
        return {k: _dec(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_dec(x) for x in v]
    return v


def _cell_out(c: Cell) -> dict[str, Any]:
    return {"account": c.account, "region": c.region, "service": c.service, "status": c.status, "reasons": c.reasons,
            "resources": c.resources}


def _cell_in(c: dict[str, Any]) -> Cell:
    return Cell(c["account"], c["region"], c["service"], c["status"], list(c["reasons"]), c["resources"])


def _problem_out(p: Problem) -> dict[str, Any]:
    return {"file": p.file, "message": p.message, "line": p.line, "kind": p.kind}


def _problem_in(p: dict[str, Any]) -> Problem:
    return Problem(p["file"], p["message"], p["line"], p["kind"])


def to_dict(r: UnitResult) -> dict[str, Any]:
    return {
        "unit": r.unit.key,
        "resources": [{"type": x.type, "id": x.id, "properties": _enc(x.properties), "scope": x.origin.scope,
                       "arn": x.origin.arn, "account": x.account, "region": x.region, "names": list(x.names),
                       "tags": x.tags} for x in r.resources],
        "cells": [_cell_out(c) for c in r.cells],
        "problems": [_problem_out(p) for p in r.problems],
        "collected": sorted(r.collected),
        "gaps": [[a, g, list(t), why] for a, g, t, why in r.gaps],
        "requests": r.requests,
    }


def from_dict(d: dict[str, Any]) -> UnitResult:
    return UnitResult(
        unit=Unit.parse(d["unit"]),
        resources=[Resource(x["type"], x["id"], _dec(x["properties"]), Origin("aws", x["scope"], arn=x["arn"]),
                            account=x["account"], region=x["region"], names=tuple(x["names"]), tags=dict(x["tags"]))
                   for x in d["resources"]],
        cells=[_cell_in(c) for c in d["cells"]],
        problems=[_problem_in(p) for p in d["problems"]],
        collected=list(d["collected"]),
        gaps=[(a, g, tuple(t), why) for a, g, t, why in d["gaps"]],
        requests=int(d["requests"]),
    )


def encode(r: UnitResult) -> bytes:
    return json.dumps(to_dict(r), sort_keys=True, separators=(",", ":")).encode()


def decode(data: bytes) -> UnitResult:
    return from_dict(json.loads(data))


# -- results on disk ---------------------------------------------------------------------------------

class ResultDir:
    """Unit results under ``DIR/units/<account>/<region>/<service>.json``, each written whole (rename)."""

    def __init__(self, root: str) -> None:
        self.root = root

    def path(self, unit: Unit) -> str:
        return os.path.join(self.root, "units", unit.account, unit.region, f"{unit.group}.json")

    def load(self, unit: Unit) -> UnitResult | None:
        try:
            with open(self.path(unit), "rb") as fh:
                return from_dict(json.loads(fh.read()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise UsageError(f"{self.path(unit)}: not a wasec unit result ({e}); delete it to run the unit again") from None

    def save(self, result: UnitResult) -> None:
        path = self.path(result.unit)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(encode(result))
        os.replace(tmp, path)  # a unit result is there whole, or not at all


def manifest_path(root: str, index: int, count: int) -> str:
    return os.path.join(root, f"shard-{index}-of-{count}.json")


def write_manifest(root: str, plan: Plan, index: int, count: int, units: list[Unit], complete: bool) -> None:
    os.makedirs(root, exist_ok=True)
    doc = {"wasec_scan_shard": 1, "plan": plan.to_dict(), "digest": plan.digest, "shard": [index, count],
           "units": [u.key for u in units], "complete": complete,
           "cells": [_cell_out(c) for c in plan.cells], "problems": [_problem_out(p) for p in plan.problems],
           "requests": plan.requests}
    path = manifest_path(root, index, count)
    with open(path + ".tmp", "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
    os.replace(path + ".tmp", path)


# -- merging -----------------------------------------------------------------------------------------

def merge(results: Iterable[UnitResult], plan_cells: Iterable[Cell] = (), plan_problems: Iterable[Problem] = (),
          plan_requests: int = 0) -> Any:
    """Unit results (in any order) → one inventory, coverage and problem list, as one process would have."""

    inv = Inventory()
    inv.complete = True
    out = AwsCollected(inv, Coverage(), list(plan_problems), [], plan_requests)
    for c in plan_cells:
        out.coverage.cells[(c.account, c.region, c.service)] = c
    accounts: set[str] = set()
    for r in sorted(results, key=lambda r: r.unit):
        if r.unit.group == ACCOUNT_GROUP:
            accounts.add(r.unit.account)
        inv.extend(r.resources)
        inv.collected[r.unit.account].update(r.collected)
        for c in r.cells:
            out.coverage.cells[(c.account, c.region, c.service)] = c
        for account, where, types, why in r.gaps:
            for t in types:
                inv.gaps[(account, "*" if where == GLOBAL else where, t)] = why
            out.gaps.append(Gap(account, where, types, why))
        out.problems += r.problems
        out.requests += r.requests
    out.coverage.accounts = sorted(accounts)
    out.coverage.requests = out.requests
    return out


# -- running units in this process (the local engine; Dask workers use the same) ------------------

Runner = Callable[[Unit], UnitResult]


def split_finished(units: list[Unit], store: ResultDir | None, resume: bool) -> tuple[dict[Unit, UnitResult], list[Unit]]:
    """With --resume, the results already kept, and the units still to run (every engine starts here)."""
    done: dict[Unit, UnitResult] = {}
    todo = []
    for u in units:
        prior = store.load(u) if (store is not None and resume) else None
        if prior is not None:
            done[u] = prior
        else:
            todo.append(u)
    return done, todo


def run_local(units: list[Unit], run: Runner, store: ResultDir | None, resume: bool, workers: int,
              progress: Callable[[int, int], None] | None = None) -> list[UnitResult]:
    """Run ``units`` on a thread pool; with a result directory, keep each result and skip finished ones."""
    done, todo = split_finished(units, store, resume)
    total = len(units)

    def one(u: Unit) -> UnitResult:
        r = run(u)
        if store is not None:
            store.save(r)
        return r

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for r in pool.map(one, todo):
            done[r.unit] = r
            if progress is not None:
                progress(len(done), total)
    return [done[u] for u in units]


def load_shards(directories: list[str]) -> Any:
    """Every shard's manifest and unit results under ``directories``, checked whole, merged.

    Refused, naming what is wrong: results of different scans, a shard missing or unfinished, a unit
    without its result. Nothing is evaluated on a partial set.
    """
    import glob

    manifests: dict[int, tuple[str, dict[str, Any]]] = {}
    counts: set[int] = set()
    digests: dict[str, str] = {}
    for d in directories:
        found = sorted(glob.glob(os.path.join(d, "shard-*-of-*.json")))
        if not found:
            raise UsageError(f"{d}: no shard results here (shard-I-of-N.json from `wasec scan aws --shard I/N --results {d}`)")
        for path in found:
            try:
                with open(path, encoding="utf-8") as fh:
                    doc = json.load(fh)
                index, count = int(doc["shard"][0]), int(doc["shard"][1])
            except (OSError, ValueError, KeyError, TypeError) as e:
                raise UsageError(f"{path}: not a wasec shard manifest ({e})") from None
            digests[doc["digest"]] = path
            counts.add(count)
            if index in manifests and manifests[index][1]["digest"] == doc["digest"]:
                continue  # the same shard found twice (a copy): one is enough
            manifests[index] = (path, doc)
    if len(digests) > 1:
        raise UsageError("these results come from different scans (accounts, regions or services differ): "
                         + ", ".join(sorted(digests.values())))
    if len(counts) > 1:
        raise UsageError(f"these results were cut into different numbers of shards ({', '.join(map(str, sorted(counts)))})")
    (count,) = counts
    missing = [i for i in range(count) if i not in manifests]
    if missing:
        raise UsageError(", ".join(f"shard {i}/{count} is missing" for i in missing)
                         + f" (no shard-I-of-{count}.json in {', '.join(directories)})")
    unfinished = [f"shard {i}/{count} ({manifests[i][0]})" for i in range(count) if not manifests[i][1].get("complete")]
    if unfinished:
        raise UsageError(f"{', '.join(unfinished)} did not finish: run it again with --resume")
    doc = manifests[0][1]
    p = doc["plan"]
    plan = Plan(p["accounts"], p["regions"], p["regional"], p["global"], p["home"])
    stores = [ResultDir(d) for d in directories]
    results = []
    for i, unit in enumerate(plan.units()):
        r = next((x for x in (s.load(unit) for s in stores) if x is not None), None)
        if r is None:
            raise UsageError(f"unit {unit.key} has no result (shard {i % count}/{count} should have written it)")
        results.append(r)
    cells: dict[tuple[str, str, str], Cell] = {}
    problems: dict[tuple[str, str], Problem] = {}
    requests = 0
    for _, m in manifests.values():
        for c in map(_cell_in, m["cells"]):
            cells[(c.account, c.region, c.service)] = c
        for x in map(_problem_in, m["problems"]):
            problems[(x.file, x.message)] = x
        requests += int(m.get("requests", 0))
    return merge(results, cells.values(), problems.values(), requests)
