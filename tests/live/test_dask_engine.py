"""The Dask engine: a LocalCluster of two worker processes against the emulator, with latency and
throttling, and one worker killed mid-run. The result must equal the single-process scan."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.live.test_units_and_shards import _aws, _view
from wasec.scanning import ScanOptions, merge_results, scan_aws

distributed = pytest.importorskip("distributed", reason="the Dask engine needs the dask extra (pip install 'wasec[dask]')")


@pytest.fixture(scope="module")
def cluster(emulator: Any) -> Any:
    # workers are started here, inside the emulator's environment, so they inherit its endpoint
    c = distributed.LocalCluster(n_workers=2, threads_per_worker=4, processes=True, host="127.0.0.1",
                                 dashboard_address=None, silence_logs=40)
    yield c
    c.close()


def test_dask_equals_local_even_when_a_worker_dies(org: list[str], weather: Any, cluster: Any,
                                                    tmp_path: Path) -> None:
    local = scan_aws(ScanOptions(), _aws())
    weather.latency = 0.02  # slow enough to kill a worker while units are still running
    results = tmp_path / "dask"
    out: dict[str, Any] = {}

    def scan() -> None:
        out["result"] = scan_aws(ScanOptions(), _aws(engine=f"dask://{cluster.scheduler_address}",
                                                     results_dir=str(results)))

    t = threading.Thread(target=scan)
    t.start()
    deadline = time.time() + 120
    while time.time() < deadline and len(list(results.rglob("units/**/*.json"))) < 5:
        time.sleep(0.05)
    client = distributed.Client(cluster.scheduler_address)
    try:
        victim = sorted(client.scheduler_info()["workers"])[0]
        pid = client.run(os.getpid, workers=[victim])[victim]
        kept_before = len(list(results.rglob("units/**/*.json")))
        os.kill(pid, signal.SIGKILL)  # the worker process dies mid-run (its nanny starts another)
        t.join(timeout=600)
        assert victim not in client.scheduler_info()["workers"]
    finally:
        client.close()
    assert not t.is_alive()
    assert 5 <= kept_before < len(list(results.rglob("units/**/*.json")))  # it died with units still to run
    dask = out["result"]
    assert _view(dask) == _view(local)
    assert dask.coverage.counts() == local.coverage.counts()
    assert sorted(r.key for r in dask.inventory) == sorted(r.key for r in local.inventory)
    # every unit kept once, and the kept results merge to the same report
    assert _view(merge_results([str(results)])) == _view(local)


def test_an_unreachable_scheduler_is_a_clear_error(org: list[str]) -> None:
    from wasec.errors import UsageError

    with pytest.raises(UsageError, match="cannot reach the scheduler"):
        scan_aws(ScanOptions(), _aws(engine="dask://127.0.0.1:9"))
