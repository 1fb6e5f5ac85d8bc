#!/usr/bin/env python3
"""Scale: does a scan's cost grow linearly with the resources in one root module?

    python bench/scale_bench.py [--sizes 4000,16000,64000] [--checkov-venv DIR] [--skip-checkov]

For each size, writes one Terraform root module of that many resources: S3 buckets (some logging
to a shared log bucket, each with its public access block, encryption and policy), security
groups, IAM roles with inline policies, KMS keys and SQS queues. These are the shapes whose rules
look at peers (is this bucket some other bucket's log target? which flow log covers this VPC?),
which made the cost quadratic. Each size is scanned by wasec (and by Checkov on the smallest size, in
the same run, for a ratio), and the per-resource time of each size is printed against the first:
about 1.0× is linear.

Nothing here is a test; the numbers go into the issue notes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from anchors import ensure_venv, measure, wasec_bin


def module(n: int) -> str:
    """About ``n`` canonical resources in one root (split resources merge into their bucket)."""
    out = ['resource "aws_s3_bucket" "logs" {\n  bucket = "scale-logs"\n}\n']
    kinds = 5
    for i in range(n // kinds):
        out.append(f'''resource "aws_s3_bucket" "b{i}" {{
  bucket = "scale-bucket-{i}"
}}
resource "aws_s3_bucket_logging" "b{i}" {{
  bucket        = aws_s3_bucket.b{i}.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "b{i}/"
}}
resource "aws_s3_bucket_public_access_block" "b{i}" {{
  bucket                  = aws_s3_bucket.b{i}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = {"true" if i % 7 else "false"}
}}
resource "aws_security_group" "sg{i}" {{
  name        = "sg-{i}"
  description = "service {i}"
  ingress {{
    description = "web"
    from_port   = {443 if i % 5 else 22}
    to_port     = {443 if i % 5 else 22}
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
resource "aws_iam_role" "r{i}" {{
  name               = "role-{i}"
  assume_role_policy = jsonencode({{Version = "2012-10-17", Statement = [{{Effect = "Allow", Action = "sts:AssumeRole", Principal = {{Service = "lambda.amazonaws.com"}}}}]}})
  inline_policy {{
    name   = "p"
    policy = jsonencode({{Version = "2012-10-17", Statement = [{{Effect = "Allow", Action = ["s3:GetObject"], Resource = "${{aws_s3_bucket.b{i}.arn}}/*"}}]}})
  }}
}}
resource "aws_kms_key" "k{i}" {{
  enable_key_rotation = {"true" if i % 3 else "false"}
}}
resource "aws_sqs_queue" "q{i}" {{
  name              = "queue-{i}"
  kms_master_key_id = aws_kms_key.k{i}.arn
}}
''')
    return "".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="4000,16000,64000")
    ap.add_argument("--checkov-venv", default="/tmp/anchors/checkov-venv")
    ap.add_argument("--skip-checkov", action="store_true")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    checkov = None if a.skip_checkov else ensure_venv(Path(a.checkov_venv), ["checkov"], "checkov")
    rows = []
    with tempfile.TemporaryDirectory(prefix="wasec-scale-") as tmp:
        for n in sizes:
            d = Path(tmp) / f"n{n}"
            d.mkdir()
            (d / "main.tf").write_text(module(n))
            m, body = measure([wasec_bin(), "scan", ".", "--no-secrets", "--format", "json", "--fail-on", "never"], d)
            doc = json.loads(body)
            resources = doc["scan"]["resources"]
            rows.append((n, resources, m["wall"], m["peak_kb"] / 1024, len(doc["findings"])))
            print(f"wasec  {n:>7,} written  {resources:>7,} resources  {m['wall']:7.2f} s  "
                  f"{m['peak_kb'] / 1024:7.0f} MB  {len(doc['findings']):>8,} findings", flush=True)
            if checkov is not None and n == sizes[0]:
                c, _ = measure([str(checkov), "-d", ".", "--framework", "terraform", "-o", "json", "--quiet",
                                "--skip-download"], d)
                print(f"checkov {n:>6,} written  {'':>17}  {c['wall']:7.2f} s  {c['peak_kb'] / 1024:7.0f} MB  "
                      f"(wasec is {c['wall'] / m['wall']:.1f}× faster)", flush=True)
    base = rows[0][2] / rows[0][1]
    print("\nper-resource time against the first size (1.0× is linear):")
    for _, resources, wall, _, _ in rows:
        print(f"  {resources:>7,} resources: {wall / resources * 1e3:6.3f} ms each, {wall / resources / base:4.2f}×")


if __name__ == "__main__":
    sys.exit(main())
