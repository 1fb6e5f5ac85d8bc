"""Rule packs: custom rules with their own tests, refinements of built-in rules, rules turned off for a
path, clear errors, and packs installed as Python packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import scan_paths

OWNER_RULE = """id: acme-bucket-owner
title: Buckets carry an Owner tag
severity: medium
types: [AWS::S3::Bucket]
wa: [SEC07-BP01]
fsbp: [S3.1]
message: the bucket has no Owner tag
check: {path: Tags.Owner, exists: true}
tests:
  - name: tagged in Terraform
    terraform: |
      resource "aws_s3_bucket" "b" {
        bucket = "x"
        tags   = { Owner = "data-team" }
      }
    expect: pass
  - name: untagged in CloudFormation
    cloudformation: |
      Resources:
        B: {Type: AWS::S3::Bucket}
    expect: fail
  - name: tags from a variable nobody set
    terraform: |
      variable "tags" {}
      resource "aws_s3_bucket" "b" { tags = var.tags }
    expect: unknown
  - name: from a file
    file: cases/untagged.tf
    expect: fail
"""


def wasec(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, **(env or {})})


def test_rules_test_runs_each_case_and_passes(write: Callable[..., Path]) -> None:
    root = write({".wasec/rules/owner.yml": OWNER_RULE,
                  ".wasec/rules/cases/untagged.tf": 'resource "aws_s3_bucket" "u" { bucket = "u" }\n'})
    r = wasec("rules", "test", cwd=root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("ok   acme-bucket-owner") == 4 and "4 of 4 case(s) as expected" in r.stdout
    assert "expect unknown: UNKNOWN ×1" in r.stdout


def test_a_wrong_case_fails_ci_and_says_which(write: Callable[..., Path]) -> None:
    wrong = OWNER_RULE.replace("    expect: pass\n", "    expect: fail\n", 1)
    wrong += """  - name: applies to nothing
    terraform: 'resource "aws_sqs_queue" "q" {}'
    expect: pass
"""
    root = write({"packs/owner.yml": wrong, "packs/cases/untagged.tf": 'resource "aws_s3_bucket" "u" {}\n'})
    r = wasec("rules", "test", "packs", cwd=root)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAIL acme-bucket-owner · tagged in Terraform · expect fail: PASS ×1  (packs/owner.yml:10)" in r.stdout
    assert "FAIL acme-bucket-owner · applies to nothing · expect pass: the rule applied to no resource" in r.stdout
    assert "3 of 5 case(s) as expected" in r.stdout


def test_errors_name_the_file_the_line_and_the_key(write: Callable[..., Path]) -> None:
    cases = {
        "id: a\ntitle: t\nseverity: low\ntypes: [AWS::S3::Bucket]\nchek: {path: A, exists: true}\n":
            ("bad.yml:5", "unknown key 'chek' (did you mean 'check'?)"),
        "id: a\ntitle: t\nseverity: low\ntypes: [AWS::S3::Bucket]\nwa: [SEC01-BP01, SEC99-BP01]\ncheck: {path: A, exists: true}\n":
            ("bad.yml:5", "unknown Well-Architected best practice 'SEC99-BP01'"),
        "id: a\ntitle: t\nseverity: low\ntypes: [AWS::S3::Bucket]\ncheck:\n  all:\n    - {path: A, exists: true}\n    - {path: B, equal: 1}\n":
            ("bad.yml:8", "use exactly one of"),
        "- id: a\n  title: t\n  severity: low\n  types: [AWS::S3::Bucket]\n  check: {path: A, exists: true}\n"
        "  tests:\n    - {terraform: 'x', expect: maybe}\n":
            ("bad.yml:7", "expect must be one of fail, pass, unknown"),
        "extends: s3-bucket-versionin\nid: mine\n": ("bad.yml:1", "did you mean 's3-bucket-versioning'?"),
        "disable: s3-bucket-versioning\npaths: [legacy/**]\n": ("bad.yml:1", "give 'paths' (a list of globs) and a 'reason'"),
    }
    for text, (where, what) in cases.items():
        root = write({".wasec/rules/bad.yml": text, "main.tf": 'resource "aws_s3_bucket" "b" {}\n'})
        for args in (("rules", "test"), ("scan", ".")):
            r = wasec(*args, cwd=root)
            assert r.returncode == 2, (text, r.stdout, r.stderr)
            assert where in r.stderr and what in r.stderr, (text, r.stderr)


def test_extends_refines_a_builtin_rule_and_can_replace_it(write: Callable[..., Path]) -> None:
    root = write({
        ".wasec/rules/prod.yml": """id: acme-prod-versioning
extends: s3-bucket-versioning
title: Production buckets are versioned and say who owns them
severity: critical
when: {path: Tags.env, equals: prod}
check: {path: Tags.Owner, exists: true}
message: a production bucket needs an Owner tag
replaces: true
""",
        "main.tf": '''
resource "aws_s3_bucket" "prod_unversioned" { tags = { env = "prod", Owner = "a" } }
resource "aws_s3_bucket" "prod_versioned_no_owner" { tags = { env = "prod" } }
resource "aws_s3_bucket_versioning" "v" {
  bucket = aws_s3_bucket.prod_versioned_no_owner.id
  versioning_configuration { status = "Enabled" }
}
resource "aws_s3_bucket" "dev" { tags = { env = "dev" } }
''',
    })
    result = scan_paths(root)
    got = {f.resource_id: (f.status.value, f.severity.value, f.message) for f in result.findings if f.rule_id == "acme-prod-versioning"}
    assert set(got) == {"aws_s3_bucket.prod_unversioned", "aws_s3_bucket.prod_versioned_no_owner"}  # dev: does not apply
    assert got["aws_s3_bucket.prod_unversioned"][:2] == ("FAIL", "critical")
    assert got["aws_s3_bucket.prod_versioned_no_owner"] == ("FAIL", "critical", "a production bucket needs an Owner tag")
    assert not [f for f in result.findings if f.rule_id == "s3-bucket-versioning"]  # replaced
    rule = next(r for r in result.rules if r.id == "acme-prod-versioning")
    from wasec.rules.registry import load_builtin

    builtin = load_builtin().get("s3-bucket-versioning")
    assert builtin is not None and rule.custom and rule.wa == builtin.wa and rule.wa  # mappings are inherited


def test_disable_for_a_path_suppresses_visibly(write: Callable[..., Path]) -> None:
    root = write({
        ".wasec/rules/legacy.yml": """disable: sqs-queue-encrypted
paths: ["legacy/**"]
reason: the legacy stacks are retired in Q3
""",
        "legacy/main.tf": 'resource "aws_sqs_queue" "old" { sqs_managed_sse_enabled = false }\n',
        "app/main.tf": 'resource "aws_sqs_queue" "new" { sqs_managed_sse_enabled = false }\n',
    })
    result = scan_paths(root)
    got = {f.resource_id: f for f in result.findings if f.rule_id == "sqs-queue-encrypted"}
    old, new = got["aws_sqs_queue.old"], got["aws_sqs_queue.new"]
    assert old.status.value == "FAIL" and old.suppressed is not None and old.suppressed.kind == "rule-pack"
    assert old.suppressed.reason == "the legacy stacks are retired in Q3" and not old.counts
    assert new.suppressed is None and new.counts


def test_rules_list_and_show_include_custom_rules(write: Callable[..., Path]) -> None:
    root = write({".wasec/rules/owner.yml": OWNER_RULE})
    r = wasec("rules", "list", "-f", "json", cwd=root)
    rules = {x["id"]: x for x in json.loads(r.stdout)}
    assert rules["acme-bucket-owner"]["custom"] and rules["acme-bucket-owner"]["defined_in"].endswith("owner.yml:1")
    assert rules["acme-bucket-owner"]["wa"] == ["SEC07-BP01"] and rules["s3-bucket-versioning"]["defined_in"] == "built in"
    shown = wasec("rules", "show", "acme-bucket-owner", cwd=root).stdout
    assert "Defined in" in shown and "AWS FSBP S3.1" in shown and "SEC07-BP01" in shown
    assert "acme-bucket-owner" in wasec("rules", cwd=root).stdout


def test_a_pack_installed_as_a_python_package(tmp_path: Path) -> None:
    site = tmp_path / "site"
    pkg = site / "acme_rules"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "owner.yml").write_text(OWNER_RULE.split("tests:")[0])
    dist = site / "acme_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[wasec.rules]\nacme = acme_rules\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.tf").write_text('resource "aws_s3_bucket" "b" { bucket = "b" }\n')
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    listed = {x["id"]: x for x in json.loads(wasec("rules", "list", "-f", "json", cwd=project, env=env).stdout)}
    assert listed["acme-bucket-owner"]["defined_in"].startswith(str(pkg))
    r = wasec("scan", ".", "-f", "json", "--no-secrets", cwd=project, env=env)
    fails = [f for f in json.loads(r.stdout)["findings"] if f["rule_id"] == "acme-bucket-owner"]
    assert [f["status"] for f in fails] == ["FAIL"] and r.returncode == 1
    # without the package the rule is not there
    assert "acme-bucket-owner" not in wasec("rules", "list", "-f", "json", cwd=project).stdout


def test_rule_packs_listed_in_the_configuration(write: Callable[..., Path]) -> None:
    root = write({".wasec/config.yml": "rule_packs: [platform/rules]\n", "platform/rules/owner.yml": OWNER_RULE,
                  "platform/rules/cases/untagged.tf": 'resource "aws_s3_bucket" "u" {}\n',
                  "main.tf": 'resource "aws_s3_bucket" "b" {}\n'})
    got = {f.resource_id: f.status.value for f in scan_paths(root).findings if f.rule_id == "acme-bucket-owner"}
    assert got == {"aws_s3_bucket.b": "FAIL", "aws_s3_bucket.u": "FAIL"}  # the pack's own case file is code too
    assert wasec("rules", "test", cwd=root).returncode == 0
    (root / ".wasec/config.yml").write_text("rule_packs: [nowhere]\n")
    r = wasec("scan", ".", cwd=root)
    assert r.returncode == 2 and "rule pack nowhere: no such directory" in r.stderr


def test_custom_rules_are_evidence_in_the_review(write: Callable[..., Path]) -> None:
    root = write({
        ".wasec/rules/acct.yml": "id: acme-bucket-workload\ntitle: Buckets name their workload account\nseverity: medium\n"
                                 "types: [AWS::S3::Bucket]\nwa: [SEC01-BP01]\ncheck: {path: Tags.workload, exists: true}\n",
        "main.tf": 'resource "aws_s3_bucket" "b" { bucket = "b" }\n',
    })

    def practice(*args: str) -> dict[str, object]:
        doc = json.loads(wasec("review", *args, "-f", "json", "--no-ask", cwd=root).stdout)
        return next(p for q in doc["questions"] for p in q["best_practices"] if p["id"] == "SEC01-BP01")

    p = practice(".")
    assert p["status"] == "not met" and p["source"] == "evidence" and p["rules"] == ["acme-bucket-workload"]
    assert wasec("scan", ".", "--save", "--no-secrets", cwd=root).returncode == 1
    assert practice("--from-history")["status"] == "not met"  # the saved finding counts as evidence too
