#!/usr/bin/env python3
"""Infrastructure-code benchmark: wasec and Checkov side by side, in the same run.

    python bench/iac_bench.py [--corpus DIR] [--files N] [--checkov-venv DIR] [--skip-checkov]

1. Scores both tools on the labelled corpus (../shared/bench/iac/corpus) with its score.py:
   detection of bad snippets and secure-variant alarms, per platform.
2. Times both on the corpus and on a generated tree of N Terraform files (default 2,400, a mix of
   secure and insecure resources in module directories), with peak memory, and prints the ratios.
3. Times ``wasec --version``.

Checkov is installed into a throwaway virtualenv (default /tmp/anchors/checkov-venv) on first use.
Nothing here is a test; the numbers go into the issue notes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from anchors import ensure_venv, measure, wasec_bin

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "bench" / "iac" / "corpus"

def wasec_fails(body: bytes) -> dict[str, list[str]]:
    doc = json.loads(body)
    fails: dict[str, set[str]] = {}
    for f in doc["findings"]:
        if f["status"] == "FAIL" and f["file"]:
            fails.setdefault(f["file"], set()).add(f["rule_id"])
    return {k: sorted(v) for k, v in fails.items()}


def checkov_fails(body: bytes) -> dict[str, list[str]]:
    data = json.loads(body or b"[]")
    reports = data if isinstance(data, list) else [data]
    fails: dict[str, set[str]] = {}
    for r in reports:
        for c in r.get("results", {}).get("failed_checks", []):
            fails.setdefault(c["file_path"].lstrip("/"), set()).add(c["check_id"])
    return {k: sorted(v) for k, v in fails.items()}


def score(corpus: Path, fails: dict[str, list[str]]) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(fails, fh)
    out = subprocess.run([sys.executable, str(corpus.parent / "score.py"), str(corpus), fh.name],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(fh.name)
    return out.strip()


# -- the generated tree ----------------------------------------------------------------------------
SNIPPETS = [
    ('resource "aws_s3_bucket" "data_{i}" {{\n  bucket = "${{var.prefix}}-data-{i}"\n  tags   = local.tags\n}}\n'
     'resource "aws_s3_bucket_public_access_block" "data_{i}" {{\n  bucket                  = aws_s3_bucket.data_{i}.id\n'
     '  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = {flag}\n'
     '  restrict_public_buckets = true\n}}\n'
     'resource "aws_s3_bucket_versioning" "data_{i}" {{\n  bucket = aws_s3_bucket.data_{i}.id\n'
     '  versioning_configuration {{\n    status = "{status}"\n  }}\n}}\n'),
    ('resource "aws_security_group" "app_{i}" {{\n  name        = "app-{i}"\n  description = "app tier {i}"\n'
     '  vpc_id      = var.vpc_id\n  ingress {{\n    description = "admin"\n    from_port   = {port}\n    to_port     = {port}\n'
     '    protocol    = "tcp"\n    cidr_blocks = ["{cidr}"]\n  }}\n  egress {{\n    from_port   = 443\n    to_port     = 443\n'
     '    protocol    = "tcp"\n    cidr_blocks = ["10.0.0.0/8"]\n  }}\n}}\n'),
    ('resource "aws_db_instance" "db_{i}" {{\n  identifier              = "db-{i}"\n  engine                  = "postgres"\n'
     '  instance_class          = "db.t3.micro"\n  storage_encrypted       = {flag}\n  publicly_accessible     = {pub}\n'
     '  backup_retention_period = {days}\n  deletion_protection     = true\n  password                = var.db_password\n}}\n'),
    ('data "aws_iam_policy_document" "p_{i}" {{\n  statement {{\n    actions   = ["{action}"]\n    resources = ["{res}"]\n  }}\n}}\n'
     'resource "aws_iam_policy" "p_{i}" {{\n  name   = "policy-{i}"\n  policy = data.aws_iam_policy_document.p_{i}.json\n}}\n'
     'resource "aws_iam_role" "r_{i}" {{\n  name = "role-{i}"\n  assume_role_policy = jsonencode({{\n    Version = "2012-10-17"\n'
     '    Statement = [{{ Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }}, Action = "sts:AssumeRole" }}]\n  }})\n}}\n'
     'resource "aws_iam_role_policy_attachment" "a_{i}" {{\n  role       = aws_iam_role.r_{i}.name\n  policy_arn = aws_iam_policy.p_{i}.arn\n}}\n'),
    ('resource "aws_instance" "web_{i}" {{\n  ami           = "ami-0abcdef1234567890"\n  instance_type = "t3.micro"\n'
     '  metadata_options {{\n    http_tokens = "{tokens}"\n  }}\n  root_block_device {{\n    encrypted = {flag}\n  }}\n}}\n'),
    ('resource "aws_cloudtrail" "t_{i}" {{\n  name                       = "trail-{i}"\n  s3_bucket_name             = "logs-{i}"\n'
     '  is_multi_region_trail      = {flag}\n  enable_log_file_validation = true\n  kms_key_id                 = aws_kms_key.k_{i}.arn\n}}\n'
     'resource "aws_kms_key" "k_{i}" {{\n  description         = "trail {i}"\n  enable_key_rotation = {flag}\n}}\n'),
    ('resource "aws_sqs_queue" "q_{i}" {{\n  name              = "queue-{i}"\n  kms_master_key_id = "{key}"\n}}\n'
     'resource "aws_sns_topic" "t_{i}" {{\n  name = "topic-{i}"\n}}\n'
     'resource "aws_lambda_function" "f_{i}" {{\n  function_name = "fn-{i}"\n  runtime       = "{runtime}"\n'
     '  role          = aws_iam_role.r_{i}.arn\n  handler       = "index.handler"\n  tracing_config {{\n    mode = "Active"\n  }}\n}}\n'),
]


def generate_tree(root: Path, n_files: int, seed: int = 7) -> int:
    rnd = random.Random(seed)
    per_module = 12
    written = 0
    m = 0
    while written < n_files:
        d = root / f"service-{m:03d}"
        d.mkdir(parents=True)
        (d / "variables.tf").write_text('variable "prefix" { default = "svc" }\nvariable "vpc_id" { default = "vpc-1" }\n'
                                        'variable "db_password" { sensitive = true }\n')
        (d / "locals.tf").write_text(f'locals {{\n  tags = {{ Service = "service-{m}", DataClassification = "internal" }}\n}}\n')
        written += 2
        for k in range(per_module - 2):
            i = m * 100 + k
            tpl = SNIPPETS[(m + k) % len(SNIPPETS)]
            (d / f"part_{k:02d}.tf").write_text(tpl.format(
                i=i, flag=rnd.choice(["true", "false"]), status=rnd.choice(["Enabled", "Suspended"]),
                port=rnd.choice([22, 443, 3389, 8080]), cidr=rnd.choice(["0.0.0.0/0", "10.0.0.0/16"]),
                pub=rnd.choice(["true", "false"]), days=rnd.choice([1, 7, 14]),
                action=rnd.choice(["s3:GetObject", "s3:*", "*", "iam:PassRole"]), res=rnd.choice(["*", "arn:aws:s3:::b/*"]),
                tokens=rnd.choice(["required", "optional"]), key=rnd.choice(["alias/aws/sqs", "alias/app"]),
                runtime=rnd.choice(["python3.12", "nodejs16.x"])))
            written += 1
        m += 1
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--files", type=int, default=2400)
    ap.add_argument("--checkov-venv", type=Path, default=Path(os.environ.get("CHECKOV_VENV", "/tmp/anchors/checkov-venv")))
    ap.add_argument("--skip-checkov", action="store_true")
    args = ap.parse_args()
    wasec = wasec_bin()
    checkov = None if args.skip_checkov else ensure_venv(args.checkov_venv, ["checkov"], "checkov")
    rows: list[tuple[str, str, dict[str, float]]] = []

    print(f"== corpus {args.corpus}")
    w, body = measure([wasec, "scan", ".", "--format", "json", "--fail-on", "never"], args.corpus)
    rows.append(("corpus", "wasec", w))
    print("wasec:   ", score(args.corpus, wasec_fails(body)).replace("\n", "\n          "))
    if checkov:
        c, body = measure([str(checkov), "-d", ".", "--framework", "terraform", "cloudformation", "-o", "json",
                           "--quiet", "--skip-download"], args.corpus)
        rows.append(("corpus", "checkov", c))
        print("checkov: ", score(args.corpus, checkov_fails(body)).replace("\n", "\n          "))

    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        n = generate_tree(tree, args.files)
        size = sum(p.stat().st_size for p in tree.rglob("*.tf"))
        print(f"\n== generated tree: {n} Terraform files, {size / 1e6:.1f} MB")
        w, body = measure([wasec, "scan", ".", "--format", "json", "--fail-on", "never"], tree)
        doc = json.loads(body)
        print(f"wasec:    {len(doc['findings'])} findings, {doc['scan']['resources']} resources")
        rows.append(("tree", "wasec", w))
        if checkov:
            c, body = measure([str(checkov), "-d", ".", "--framework", "terraform", "-o", "json", "--quiet",
                               "--skip-download"], tree)
            rows.append(("tree", "checkov", c))
            print(f"checkov:  {sum(len(v) for v in checkov_fails(body).values())} failed checks")

    ver = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([wasec, "--version"], capture_output=True, check=True)
        ver.append(time.perf_counter() - t)
    print(f"\n== wasec --version: median {sorted(ver)[2] * 1000:.0f} ms")

    print("\n== wall time and peak memory")
    print(f"{'input':8} {'tool':8} {'wall s':>8} {'peak MB':>8}")
    for where, tool, m in rows:
        print(f"{where:8} {tool:8} {m['wall']:8.2f} {m['peak_kb'] / 1024:8.0f}")
    for where in ("corpus", "tree"):
        got = {tool: m for w_, tool, m in rows if w_ == where}
        if "checkov" in got:
            print(f"{where}: wasec is {got['checkov']['wall'] / got['wasec']['wall']:.1f}x faster than Checkov, "
                  f"{got['checkov']['peak_kb'] / got['wasec']['peak_kb']:.1f}x less memory")



if __name__ == "__main__":
    main()
