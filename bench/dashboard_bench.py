#!/usr/bin/env python3
"""Dashboard benchmark: `wasec serve` over an organisation-sized history, each page's server time.

    python bench/dashboard_bench.py [--scans 100] [--accounts 500] [--regions 4] [--per 5] [--postgres URL]

Fills a history with SCANS saved scans of an organisation (ACCOUNTS × REGIONS × PER findings each, about a
million with the defaults), a little different each time (findings appear and are fixed), in SQLite — and in
PostgreSQL too with --postgres (an empty database) — then starts `wasec serve` on loopback and requests each
page 20 times: p50/p95 of the time to the last byte, and the store's size. Target: every page under 300 ms p95.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

RULES = [("s3-bucket-versioning", "medium", 3, 2), ("sg-admin-ports-open", "high", 4, 5), ("iam-user-mfa", "medium", 3, 4),
         ("rds-not-public", "critical", 5, 5), ("cloudtrail-multi-region", "high", 4, 3), ("ebs-encryption-by-default",
         "medium", 3, 3), ("kms-key-rotation", "medium", 3, 2), ("guardduty-enabled", "high", 4, 4)]


def fill(db_url: str, scans: int, accounts: int, regions: int, per: int) -> float:
    from wasec.history import store

    conn = store.connect(db_url)
    rnd = random.Random(7)
    t0 = time.perf_counter()
    base = time.time() - scans * 86400
    for s in range(scans):
        rows = []
        sev: dict[str, int] = {}
        for a in range(accounts):
            account = f"{100000000000 + a}"
            for g in range(regions):
                region = ("us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1")[g % 4]
                for k in range(per):
                    if rnd.random() < 0.02 * (s % 5):  # some fixed this time
                        continue
                    rule, severity, impact, likelihood = RULES[(a + g + k) % len(RULES)]
                    fp = f"{a:04d}{g}{k:02d}{rule}"
                    extra = orjson.dumps({"account": account, "region": region,
                                          "evidence": [["Properties.X", False, "why", None, None]]})
                    rows.append((fp, rule, "FAIL", severity, impact, likelihood, rule, "AWS::S3::Bucket",
                                 f"arn:aws:s3:::{account}-{region}-{k}", f"{rule} failed on bucket {k}", "aws", None,
                                 None, None, None, account, region, extra))
                    sev[severity] = sev.get(severity, 0) + 1
        conn.begin()
        cur = conn.execute("INSERT INTO scans (started, duration, source, target, tool_version, rules, counts) "
                           "VALUES (?,?,?,?,?,?,?) RETURNING id",
                           (base + s * 86400, 60.0, "aws", f"{accounts} accounts", "bench", 400,
                            orjson.dumps({"status": {"FAIL": len(rows)}, "severity": sev, "risk": {}}).decode()))
        scan_id = int(cur.fetchone()[0])
        conn.executemany(f"INSERT INTO findings (scan_id, {', '.join(store.COLUMNS)}, extra) "
                         f"VALUES ({scan_id}, {', '.join('?' * (len(store.COLUMNS) + 1))})", rows)
        conn.commit()
    conn.close()
    return time.perf_counter() - t0


def measure(db_url: str, label: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(HERE.parent / "src")
    proc = subprocess.Popen([sys.executable, "-m", "wasec", "serve", "--db", db_url, "--port", "0"], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        c.request("GET", "/findings?severity=critical")
        body = c.getresponse().read().decode()
        fp = body.split('href="/finding/')[1].split('"')[0]
        pages = ["/", "/findings", "/findings?severity=high&sort=rule", "/findings?q=bucket%203", "/findings?page=200",
                 "/findings?impact=5&likelihood=5", f"/finding/{fp}", "/exceptions", "/findings.csv?severity=critical",
                 "/organisation", "/findings?account=100000000007&area=data", "/review", "/detections"]
        print(f"{label}:")
        for page in pages:
            times = []
            for _ in range(20):
                t = time.perf_counter()
                c.request("GET", page)
                r = c.getresponse()
                r.read()
                times.append((time.perf_counter() - t) * 1000)
                assert r.status == 200, (page, r.status)
            times.sort()
            p95 = times[int(0.95 * (len(times) - 1))]
            print(f"  {page:<40} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms"
                  + ("   over 300 ms" if p95 > 300 else ""))
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scans", type=int, default=100)
    ap.add_argument("--accounts", type=int, default=500)
    ap.add_argument("--regions", type=int, default=4)
    ap.add_argument("--per", type=int, default=5)
    ap.add_argument("--postgres", metavar="URL", help="also fill and serve this (empty) PostgreSQL database")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wasec-dashboard-bench-"))
    db = str(work / "history.db")
    took = fill(db, args.scans, args.accounts, args.regions, args.per)
    size = sum(p.stat().st_size for p in work.iterdir())
    print(f"SQLite: {args.scans} scans × {args.accounts} accounts × {args.regions} regions × {args.per} "
          f"≈ {args.scans * args.accounts * args.regions * args.per:,} findings written in {took:.0f} s; "
          f"store {size / 2**20:.0f} MiB")
    measure(db, "SQLite")
    if args.postgres:
        took = fill(args.postgres, args.scans, args.accounts, args.regions, args.per)
        print(f"PostgreSQL: written in {took:.0f} s")
        measure(args.postgres, "PostgreSQL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
