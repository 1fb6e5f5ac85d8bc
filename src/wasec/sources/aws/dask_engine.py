"""Run scan units on a Dask cluster (``--engine dask://HOST:PORT``, extra ``wasec[dask]``).

Each unit is one task. A worker builds its :class:`~wasec.sources.aws.execute.UnitContext` once (its
own sessions, region lists and rate caps) and answers with the unit's result in the portable form
the result files use, so what travels is plain data. Units are idempotent, so a task lost with a
worker that died is simply run again elsewhere (Dask reschedules it; ``retries`` covers errors), and
each unit's result is kept once, by unit. Each worker caps every account at ``--max-rps`` divided by
the number of workers (and shards): together they never exceed it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from wasec.errors import UsageError

_CONTEXTS: dict[str, Any] = {}
_LOCK = threading.Lock()


def _context(options: dict[str, Any], planned: list[str], collectors: list[str], share: int) -> Any:
    """The worker's unit context for this scan (built once per worker process)."""
    from wasec.sources.aws.collected import AwsOptions
    from wasec.sources.aws.execute import UnitContext
    from wasec.sources.aws.spec import load_collectors

    key = json.dumps([options, planned, collectors, share], sort_keys=True)
    with _LOCK:
        ctx = _CONTEXTS.get(key)
        if ctx is None:
            opts = AwsOptions(**{**options, "shard": tuple(options["shard"]) if options.get("shard") else None})
            known = load_collectors()
            ctx = UnitContext(opts, [known[n] for n in collectors], share=share)
            ctx.planned = planned
            _CONTEXTS[key] = ctx
        return ctx


def run_unit(options: dict[str, Any], planned: list[str], collectors: list[str], share: int, unit_key: str) -> bytes:
    """The task: one unit, on whichever worker Dask chose; its result as bytes."""
    from wasec.sources.aws.units import Unit, encode

    return encode(_context(options, planned, collectors, share).run(Unit.parse(unit_key)))


def run(address: str, units: list[Any], options: Any, plan: Any, collectors: list[str], store: Any, resume: bool,
        progress: Callable[[int, int], None] | None = None) -> list[Any]:
    """Every unit on the cluster at ``address``; results kept (and resumed) as the local engine does."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError("--engine dask://… needs the dask extra: pip install 'wasec[dask]'") from None
    from wasec.sources.aws.units import decode, split_finished

    done, todo = split_finished(units, store, resume)
    try:
        client = Client(address, timeout=30)
    except (OSError, TimeoutError) as e:
        raise UsageError(f"--engine dask://{address}: cannot reach the scheduler ({e})") from None
    try:
        share = max(1, len(client.scheduler_info().get("workers", {})))
        plain = {k: v for k, v in vars(options).items() if k not in ("progress", "results_dir", "resume", "engine")}
        by_key = {u.key: u for u in todo}
        futures = [client.submit(run_unit, plain, plan.regions, collectors, share, u.key, key=f"wasec-{plan.digest}-{u.key}",
                                 retries=3, pure=False) for u in todo]
        for fut in as_completed(futures):
            r = decode(fut.result())
            unit = by_key[r.unit.key]
            if unit in done:
                continue  # already kept (a retried task that answered twice)
            if store is not None:
                store.save(r)
            done[unit] = r
            if progress is not None:
                progress(len(done), len(units))
    finally:
        client.close()
    return [done[u] for u in units]
