"""Rego rules in rule packs, evaluated by rego-cpp (regopy): same inputs, statuses and tests as YAML rules."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import scan_paths
from tests.rules.test_rule_packs import wasec

# found, not imported: wasec imports it when a Rego rule is loaded (see wasec.rules.rego on RE2)
pytestmark = pytest.mark.skipif(importlib.util.find_spec("regopy") is None,
                                reason="Rego rules need the rego extra (pip install 'wasec[rego]')")

OWNER = """package wasec.acme_owner
import rego.v1

metadata := {"id": "acme-owner", "title": "Buckets and queues carry an Owner tag", "severity": "medium",
             "types": ["AWS::S3::Bucket", "AWS::SQS::Queue"], "wa": ["SEC07-BP01"], "fsbp": ["S3.1"]}

deny contains {"msg": "no Owner tag", "path": "Tags"} if {
    count(input.unknown) == 0
    not input.tags.Owner
}

deny contains msg if {
    input.type == "AWS::SQS::Queue"
    input.properties.SqsManagedSseEnabled == false
    msg := sprintf("queue %s is not encrypted", [input.id])
}

unknown contains sprintf("%s cannot be known before deployment", [p]) if {
    some p in input.unknown
}
"""

TESTS = """tests_for: acme-owner
tests:
  - name: tagged bucket
    terraform: |
      resource "aws_s3_bucket" "b" { tags = { Owner = "x" } }
    expect: pass
  - name: untagged queue in CloudFormation
    cloudformation: |
      Resources:
        Q: {Type: AWS::SQS::Queue}
    expect: fail
  - name: tags nobody set yet
    terraform: |
      variable "tags" {}
      resource "aws_s3_bucket" "b" { tags = var.tags }
    expect: unknown
"""


def test_rego_rules_run_like_yaml_rules(write: Callable[..., Path]) -> None:
    root = write({
        ".wasec/rules/owner.rego": OWNER,
        ".wasec/rules/owner-tests.yml": TESTS,
        "main.tf": 'resource "aws_s3_bucket" "tagged" { tags = { Owner = "a" } }\n'
                   'resource "aws_sqs_queue" "q" {\n  sqs_managed_sse_enabled = false\n  tags = { Owner = "a" }\n}\n',
        "stack.yaml": "Resources:\n  B: {Type: AWS::S3::Bucket}\n",
    })
    result = scan_paths(root, secrets=False)
    got = {f.resource_id: (f.status.value, f.message) for f in result.findings if f.rule_id == "acme-owner"}
    assert got == {"aws_s3_bucket.tagged": ("PASS", "Buckets and queues carry an Owner tag"),
                   "aws_sqs_queue.q": ("FAIL", "queue aws_sqs_queue.q is not encrypted"),
                   "B": ("FAIL", "no Owner tag")}
    rule = next(r for r in result.rules if r.id == "acme-owner")
    assert rule.custom and rule.wa == ("SEC07-BP01",) and rule.fsbp == ("S3.1",)
    r = wasec("rules", "test", cwd=root)
    assert r.returncode == 0 and "3 of 3 case(s) as expected" in r.stdout, r.stdout + r.stderr
    assert "UNKNOWN ×1" in r.stdout


def test_rego_mistakes_name_the_file(write: Callable[..., Path]) -> None:
    for text, what in (
        (OWNER.replace("deny contains msg if {", "deny contains msg if {{"), "bad.rego"),
        ("package wasec.x\nimport rego.v1\ndeny contains 1 if { true }\n", "needs `metadata :="),
        (OWNER.replace('"severity": "medium"', '"severity": "loud"'), "metadata"),
        (OWNER.replace('"wa": ["SEC07-BP01"]', '"wa": ["SEC77-BP01"]'), "unknown Well-Architected best practice 'SEC77-BP01'"),
    ):
        root = write({".wasec/rules/bad.rego": text, "main.tf": 'resource "aws_s3_bucket" "b" {}\n'})
        r = wasec("scan", ".", cwd=root)
        assert r.returncode == 2 and "bad.rego" in r.stderr and what in r.stderr, (what, r.stderr)


def test_rego_and_sigma_in_one_process(tmp_path: Path) -> None:
    """rego-cpp and pySigma's RE2 both load in one process, Rego first (a library user, this suite)."""
    import subprocess
    import sys

    data = Path(__file__).resolve().parents[1] / "data" / "sigma" / "sigmahq"
    (tmp_path / "r.rego").write_text(OWNER)
    code = ("from wasec.rules import rego; rego.load({!r})\n"
            "from wasec.events.sigma import load; print(len(load([{!r}]).detections))").format(str(tmp_path / "r.rego"), str(data))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "57", r.stderr[-500:]
