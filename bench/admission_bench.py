"""The admission webhook under load: decisions per second and latency percentiles over HTTPS on loopback.

Starts ``wasec admission serve`` as a process of its own (as it runs in a pod: the clients do not share its
interpreter) with a throwaway self-signed certificate, then C clients (kept-alive connections, as the API
server keeps them) send N AdmissionReview requests — Deployments, half of them with a privileged
container — at enforce-high with warnings. ``--in-process`` runs the server in this process instead.

    python bench/admission_bench.py [--requests N] [--clients C] [--in-process]

Published figures to set beside these: Kyverno's scaling page (kyverno.io/docs/installation/scaling) gives
an average of 42.67 ms (max 141 ms) per Pod admission with the 17 Pod Security Standard policies, one
replica, 100 k6 virtual users — measured end to end through the API server of a KinD cluster on a
32-core EPYC, so it includes the API server's own work. Gatekeeper publishes no throughput figure.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_admission import _self_signed, pod
from wasec.admission.review import Policy
from wasec.admission.server import serve
from wasec.config import load_config
from wasec.model.finding import Severity
from wasec.scanning import ScanOptions, rules_for


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--in-process", action="store_true", help="Serve from this process (shares its interpreter).")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = _self_signed(Path(tmp))
        rules, _ = rules_for(ScanOptions(), load_config(tmp))
        k8s = [r for r in rules if any(t.startswith("Kubernetes::") for t in r.types)]
        proc = None
        if args.in_process:
            server = serve(Policy(k8s, Severity.HIGH), "127.0.0.1", 0, cert, key, None, io.StringIO())
            port = server.server_address[1]
        else:
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # users' installs have bytecode
            proc = subprocess.Popen([sys.executable, "-m", "wasec", "admission", "serve", "--cert", cert, "--key", key,
                                     "--port", "0", "--log", os.devnull], stderr=subprocess.PIPE, text=True, env=env)
            assert proc.stderr is not None
            port = int(re.search(r":(\d+)/validate", proc.stderr.readline()).group(1))  # type: ignore[union-attr]
        bodies = []
        for i in range(64):
            obj = pod(i % 2 == 0, f"web-{i}", "Deployment")
            bodies.append(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
                "uid": f"u{i}", "kind": {"kind": "Deployment"}, "operation": "CREATE", "namespace": "shop",
                "name": f"web-{i}", "object": obj}}).encode())
        latencies: list[float] = []
        denied = [0]
        lock = threading.Lock()
        per_client = args.requests // args.clients

        def client(n: int) -> None:
            ctx = ssl.create_default_context(cafile=cert)
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
            mine = []
            no = 0
            for j in range(per_client):
                t = time.perf_counter()
                conn.request("POST", "/validate/enforce-high", body=bodies[(n + j) % len(bodies)],
                             headers={"Content-Type": "application/json"})
                resp = json.loads(conn.getresponse().read())
                mine.append(time.perf_counter() - t)
                no += not resp["response"]["allowed"]
            conn.close()
            with lock:
                latencies.extend(mine)
                denied[0] += no

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=60)
        else:
            server.shutdown()
        latencies.sort()
        q = statistics.quantiles(latencies, n=100)
        where = "in this process" if args.in_process else "a server process of its own"
        print(f"{where}: {len(latencies)} decisions ({denied[0]} denied) by {args.clients} clients in {wall:.2f} s: "
              f"{len(latencies) / wall:,.0f} decisions/s; p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, "
              f"max {latencies[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
