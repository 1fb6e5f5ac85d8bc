#!/usr/bin/env python3
"""HTML report benchmark: a report of N findings (default 100,000): time to write it, its size, and (with
chromium installed) the time a headless browser takes to load it and to scroll its table to the end.

    python bench/report_bench.py [--findings 100000] [--out report.html]

Target: under 20 MB; the table renders only the rows in view, so scrolling stays smooth.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from history_bench import scan as synthetic  # noqa: E402

from wasec.model.resource import Inventory  # noqa: E402
from wasec.outputs import render  # noqa: E402
from wasec.rules.registry import load_builtin  # noqa: E402
from wasec.scanning import ScanResult  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--findings", type=int, default=100_000)
    ap.add_argument("--out")
    args = ap.parse_args()
    rules = list(load_builtin())
    fake = synthetic(args.findings, 1)
    findings = [f.with_(rule_id=rules[i % len(rules)].id) for i, f in enumerate(fake.findings)]
    result = ScanResult(findings, [], Inventory(), rules, tempfile.gettempdir(), time.time(), 1.0, 1000)
    t = time.perf_counter()
    text = render("html", result)
    took = time.perf_counter() - t
    out = args.out or os.path.join(tempfile.mkdtemp(), "report.html")
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"{args.findings:,} findings: written in {took:.2f} s, {os.path.getsize(out) / 1e6:.1f} MB ({out})")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        t = time.perf_counter()
        dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", f"file://{out}"],
                             capture_output=True, text=True, timeout=300).stdout
        rows = dom.count('class="row')
        print(f"headless chromium: loaded and rendered in {time.perf_counter() - t:.1f} s (browser start included); "
              f"{rows} rows in the DOM for {args.findings:,} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
