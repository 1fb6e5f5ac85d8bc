#!/usr/bin/env python3
"""Start-up: a one-file scan, as pre-commit runs it on every commit — wasec and Checkov in the same run.

    python bench/startup_bench.py [--runs N] [--checkov-venv DIR] [--skip-checkov]

Each tool scans one small Terraform file and one small CloudFormation template (one bucket each), in its own
process, with bytecode allowed (a first run writes it, as an install does); the median of N runs is printed with
the ratio. Checkov is installed into a throwaway virtualenv (default /tmp/anchors/checkov-venv) on first use.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from anchors import ensure_venv, measure, wasec_bin

FILES = {
    "terraform": ("main.tf", 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'),
    "cloudformation": ("template.yaml", "Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n"),
}


def median_wall(cmd: list[str], cwd: Path, runs: int) -> float:
    measure(cmd, cwd)  # the first run writes bytecode, as installing does
    return statistics.median(measure(cmd, cwd)[0]["wall"] for _ in range(runs))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--checkov-venv", type=Path, default=Path(os.environ.get("CHECKOV_VENV", "/tmp/anchors/checkov-venv")))
    ap.add_argument("--skip-checkov", action="store_true")
    args = ap.parse_args()
    checkov = None if args.skip_checkov else ensure_venv(args.checkov_venv, ["checkov"], "checkov")
    with tempfile.TemporaryDirectory() as tmp:
        for framework, (name, text) in FILES.items():
            d = Path(tmp) / framework
            d.mkdir()
            (d / name).write_text(text)
            w = median_wall([wasec_bin(), "scan", name, "-q", "--fail-on", "never"], d, args.runs)
            line = f"{framework:15} wasec {w:.3f} s"
            if checkov:
                c = median_wall([str(checkov), "-f", name, "--framework", framework, "--quiet", "--compact"], d, args.runs)
                line += f"   checkov {c:.3f} s   ({c / w:.1f}x)"
            print(line + f"   median of {args.runs}")


if __name__ == "__main__":
    main()
