#!/usr/bin/env python3
"""History benchmark: save two scans of N findings (default 100,000) and diff them.

    python bench/history_bench.py [--findings 100000] [--db PATH]

The scans overlap as real consecutive scans do (about 60% of findings in both, the rest fixed or
new). Printed: seconds to save each scan and to diff them, and the database size. Target: under
2 s each for 100,000 findings.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time

from wasec.history import store
from wasec.model.finding import Evidence, Finding, Severity, Status
from wasec.rules.registry import load_builtin

SEVERITIES = list(Severity)
RULE_IDS = [r.id for r in load_builtin()]


class Result:
    def __init__(self, findings: list[Finding]) -> None:
        self.findings, self.started, self.duration, self.rules = findings, time.time(), 1.0, list(range(220))


def scan(n: int, seed: int) -> Result:
    r = random.Random(seed)
    out = []
    for _ in range(n):
        k = r.randint(0, int(n * 1.25))
        sev = SEVERITIES[k % 4]
        out.append(Finding(RULE_IDS[k % len(RULE_IDS)], Status.FAIL if k % 9 else Status.PASS, sev, "A rule title",
                           "AWS::S3::Bucket", f"aws_s3_bucket.b{k}", f"finding {k}: the property is not set", "terraform",
                           file=f"infra/mod{k % 300}/main.tf", line=k % 400 + 1, fingerprint=f"{k:032x}",
                           impact=sev.rank, likelihood=k % 5 + 1,
                           evidence=(Evidence("Properties.BucketEncryption", None, "missing", f"infra/mod{k % 300}/main.tf",
                                              k % 400 + 1),)))
    return Result(out)


def review_from_history(conn: object) -> object:
    """What `wasec review --from-history` does: the newest scan of each source, evaluated against SEC01-SEC11."""
    from wasec.review.model import build
    from wasec.rules.catalog import questions

    findings = store.latest_findings(conn)  # type: ignore[arg-type]
    return build(findings, list(load_builtin()), {}, questions())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--findings", type=int, default=100_000)
    ap.add_argument("--db")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or os.path.join(tmp, "history.db")
        a, b = scan(args.findings, 1), scan(args.findings, 2)
        conn = store.connect(path)
        t = time.perf_counter()
        first = store.save(conn, a, "code", "infra/")
        t_save1 = time.perf_counter() - t
        t = time.perf_counter()
        second = store.save(conn, b, "code", "infra/")
        t_save2 = time.perf_counter() - t
        t = time.perf_counter()
        d = store.diff(conn, store.scan(conn, first), store.scan(conn, second))
        t_diff = time.perf_counter() - t
        size = os.path.getsize(path) / 1e6
        t = time.perf_counter()
        review = review_from_history(conn)
        t_review = time.perf_counter() - t
    print(f"{args.findings:,} findings per scan")
    print(f"save: {t_save1:.2f} s, {t_save2:.2f} s   diff: {t_diff:.2f} s "
          f"({len(d.new_findings):,} new, {len(d.fixed):,} fixed, {len(d.unchanged):,} unchanged)   database: {size:.0f} MB")
    print(f"wasec review from that history: {t_review:.2f} s ({review.counts()['HIGH']} high risk questions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
