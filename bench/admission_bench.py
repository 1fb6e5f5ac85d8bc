"""The admission webhook under load: decisions per second and latency percentiles over HTTPS on loopback.

Starts ``wasec admission serve``'s server in this process with a throwaway self-signed certificate,
then C clients (kept-alive connections, as the API server keeps them) send N AdmissionReview
requests — Deployments, half of them with a privileged container — in enforce mode.

    python bench/admission_bench.py [--requests N] [--clients C]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import ssl
import statistics
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
    ap.add_argument("--clients", type=int, default=8)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = _self_signed(Path(tmp))
        rules, _ = rules_for(ScanOptions(), load_config(tmp))
        k8s = [r for r in rules if any(t.startswith("Kubernetes::") for t in r.types)]
        server = serve(Policy(k8s, Severity.HIGH), "127.0.0.1", 0, cert, key, None, io.StringIO())
        port = server.server_address[1]
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
                conn.request("POST", "/validate/enforce", body=bodies[(n + j) % len(bodies)],
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
        server.shutdown()
        latencies.sort()
        q = statistics.quantiles(latencies, n=100)
        print(f"{len(latencies)} decisions ({denied[0]} denied) by {args.clients} clients in {wall:.2f} s: "
              f"{len(latencies) / wall:,.0f} decisions/s; p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, "
              f"max {latencies[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
