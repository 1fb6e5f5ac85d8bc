"""`wasec fix`: mechanical fixes as diffs of the user's files, verified by a rescan, applied on request, recorded."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import scan_paths
from tests.test_outputs_and_cli import wasec
from wasec.remediation import plan as P
from wasec.remediation.cfn_edit import set_property
from wasec.remediation.hcl_edit import EditError, find_resource, set_attribute
from wasec.sources.documents import load_json, load_yaml

TF = '''resource "aws_kms_key" "k" {
  description         = "has a } in a string and ${"nested"} braces"
  enable_key_rotation = false
  policy              = <<EOF
{"Statement": []}
EOF
}

resource "aws_kms_key" "empty" {}

resource "aws_ebs_volume" "v" { size = 10 }

resource "aws_instance" "web" {
  count         = 2
  ami           = "ami-123"
  instance_type = "t3.micro"
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "optional"
  }
}
'''

YAML = '''AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: t
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      BillingMode: PAY_PER_REQUEST
      DeletionProtectionEnabled: true
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: logs
      EnableLogFileValidation: false
  Flow: {Type: AWS::KMS::Key}
'''

JSON = {"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "k"}},
                      "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"Engine": "mysql", "PubliclyAccessible": True,
                                                                            "StorageEncrypted": True, "DeletionProtection": True}}}}


@pytest.fixture
def project(write: Callable[..., Path]) -> Path:
    root = write({"infra/main.tf": TF, "stacks/app.yaml": YAML, "stacks/db.json": json.dumps(JSON, indent=2) + "\n"})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.email", "dev@example.com"], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.name", "Dev"], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", "infra"], check=True)
    return root


FIXED = {"kms-key-rotation", "ebs-volume-encrypted", "ec2-imdsv2-required", "dynamodb-pitr", "cloudtrail-log-file-validation",
         "rds-not-public"}


def _failing(root: Path) -> set[tuple[str, str]]:
    return {(f.rule_id, f.resource_id) for f in scan_paths(root, secrets=False).findings if f.counts and f.rule_id in FIXED}


def test_plan_is_a_diff_git_applies_and_nothing_is_written(project: Path) -> None:
    before = {p: p.read_text() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}
    r = wasec("fix", ".", "-o", "fix.diff", cwd=project)
    assert r.returncode == 1, r.stderr
    assert {p: p.read_text() for p in before} == before  # a plan writes nothing but the diff
    diff = (project / "fix.diff").read_text()
    assert "+  enable_key_rotation = true" in diff and "-  enable_key_rotation = false" in diff
    # count = 2: one declaration changed, once
    assert '+    http_tokens   = "required"' in diff and '-    http_tokens   = "optional"' in diff
    assert diff.count("http_tokens") == 2
    assert "+      PointInTimeRecoverySpecification:\n+        PointInTimeRecoveryEnabled: true" in diff
    assert "-      EnableLogFileValidation: false\n+      EnableLogFileValidation: true" in diff
    assert '-        "PubliclyAccessible": true,\n+        "PubliclyAccessible": false,' in diff
    assert '+        "EnableKeyRotation": true,' in diff
    assert "skip  kms-key-rotation" in r.stderr and "Flow" in r.stderr and "flow style" in r.stderr
    check = subprocess.run(["git", "apply", "--check", "fix.diff"], cwd=project, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_apply_writes_valid_files_that_no_longer_fail(project: Path) -> None:
    failing = _failing(project)
    assert {rule for rule, _ in failing} == FIXED
    r = wasec("fix", ".", "--apply", cwd=project)
    assert r.returncode == 0, r.stderr
    assert "changed infra/main.tf" in r.stderr
    left = _failing(project)
    assert left == {("kms-key-rotation", "Flow")}  # the flow-style resource is left to a person
    result = scan_paths(project, secrets=False)
    assert not result.errors  # every edited file still parses
    json.loads((project / "stacks/db.json").read_text())
    assert 'resource "aws_kms_key" "empty" {\n  enable_key_rotation = true\n}' in (project / "infra/main.tf").read_text()
    assert 'resource "aws_ebs_volume" "v" {\n  size = 10\n  encrypted = true\n}' in (project / "infra/main.tf").read_text()
    assert wasec("fix", ".", cwd=project).returncode == 0  # nothing left that a fix can do


def test_an_edit_that_does_not_cure_its_finding_is_dropped(project: Path) -> None:
    result = scan_paths(project, secrets=False)
    plan = P.make(result.findings, result.root)
    before, after = plan.texts["infra/main.tf"]
    plan.texts["infra/main.tf"] = (before, after.replace("enable_key_rotation = true", "enable_key_rotation = false"))
    P.verify(plan)
    by = {(i.finding.rule_id, i.finding.resource_id): i for i in plan.items}
    assert by[("kms-key-rotation", "aws_kms_key.k")].status == "not-fixed"
    assert by[("ebs-volume-encrypted", "aws_ebs_volume.v")].status == "verified"
    assert by[("kms-key-rotation", "Flow")].status == "no-edit"


def test_applied_fixes_are_recorded_and_diff_shows_them_apart(project: Path) -> None:
    assert wasec("scan", ".", "--save", "--no-secrets", cwd=project).returncode == 1
    assert wasec("fix", ".", cwd=project).returncode == 1  # a plan alone writes nothing, not even the history
    assert not (project / ".wasec/history.db").exists() or _remediations(project) == []
    assert wasec("fix", ".", "--record", cwd=project).returncode == 1  # asked for: recorded as planned
    assert wasec("fix", ".", "--apply", "--rules", "kms-key-rotation", cwd=project).returncode == 0
    # another finding fixed by hand
    app = project / "stacks/app.yaml"
    app.write_text(app.read_text().replace("EnableLogFileValidation: false", "EnableLogFileValidation: true"))
    assert wasec("scan", ".", "--save", "--no-secrets", cwd=project).returncode == 1
    d = json.loads(wasec("diff", "-f", "json", cwd=project).stdout)
    by_fix = {(f["rule_id"], f["resource_id"]): f for f in d["fixed_by_remediation"]}
    assert set(by_fix) == {("kms-key-rotation", "aws_kms_key.k"), ("kms-key-rotation", "aws_kms_key.empty"),
                           ("kms-key-rotation", "Key")}
    assert {f["remediated_by"] for f in by_fix.values()} == {"dev@example.com"}
    assert [(f["rule_id"], f["resource_id"]) for f in d["fixed"]] == [("cloudtrail-log-file-validation", "Trail")]
    text = wasec("diff", cwd=project).stdout
    assert "fixed by remediation (3)" in text and "(applied by dev@example.com)" in text and "\nfixed (1)" in text
    from wasec.history import store

    conn = store.connect(str(project / ".wasec/history.db"), create=False)
    rows = store.remediations(conn)
    assert {r.action for r in rows} == {"planned", "applied"}
    applied = [r for r in rows if r.action == "applied"]
    assert len(applied) == 3 and all(r.diff.startswith("--- a/") and r.who == "dev@example.com" for r in applied)


def test_a_plan_writes_no_history_unless_asked(project: Path) -> None:
    assert wasec("fix", ".", "-o", "plan.diff", cwd=project).returncode == 1
    assert not (project / ".wasec").exists()
    assert wasec("fix", ".", "--record", cwd=project).returncode == 1
    assert {getattr(r, "action", None) for r in _remediations(project)} == {"planned"}


def _remediations(project: Path) -> list[object]:
    from wasec.history import store

    conn = store.connect(str(project / ".wasec/history.db"), create=False)
    try:
        return list(store.remediations(conn))
    finally:
        conn.close()


def test_hcl_edits_keep_the_file_valid() -> None:
    text = 'resource "aws_kms_key" "k" { description = "x" }\n'
    out = set_attribute(text, find_resource(text, "aws_kms_key", "k"), ("enable_key_rotation",), "true")
    assert out == 'resource "aws_kms_key" "k" {\n  description = "x"\n  enable_key_rotation = true\n}\n'
    multi = 'resource "aws_kms_key" "k" {\n  enable_key_rotation = (\n    false\n  )\n}\n'
    with pytest.raises(EditError, match="several lines"):
        set_attribute(multi, find_resource(multi, "aws_kms_key", "k"), ("enable_key_rotation",), "true")
    with pytest.raises(EditError, match="not declared"):
        find_resource(text, "aws_kms_key", "other")
    nested = 'resource "aws_instance" "i" {\n    ami = "a"   # comment { not a block\n}\n'
    out = set_attribute(nested, find_resource(nested, "aws_instance", "i"), ("metadata_options", "http_tokens"), '"required"')
    assert out.endswith('    metadata_options {\n      http_tokens = "required"\n    }\n}\n')


def test_cfn_edits_with_and_without_properties() -> None:
    text = "Resources:\n  K:\n    Type: AWS::KMS::Key\n"
    _, lines = load_yaml(text)
    assert set_property(text, lines, "K", ("EnableKeyRotation",), True, is_json=False) == (
        "Resources:\n  K:\n    Properties:\n      EnableKeyRotation: true\n    Type: AWS::KMS::Key\n")
    j = '{\n  "Resources": {\n    "K": {\n      "Type": "AWS::KMS::Key"\n    }\n  }\n}\n'
    _, lines = load_json(j)
    out = set_property(j, lines, "K", ("EnableKeyRotation",), True, is_json=True)
    assert json.loads(out)["Resources"]["K"] == {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True}}


def test_values_from_variables_and_parameters_are_not_overwritten() -> None:
    # in a shared module, `storage_encrypted = var.storage_encrypted` is the caller's to set
    text = 'resource "aws_db_instance" "d" {\n  storage_encrypted = var.storage_encrypted # set by the caller\n}\n'
    with pytest.raises(EditError, match=r"set from `var\.storage_encrypted`"):
        set_attribute(text, find_resource(text, "aws_db_instance", "d"), ("storage_encrypted",), "true")
    literal = 'resource "aws_db_instance" "d" {\n  storage_encrypted = false # for now\n}\n'
    assert "storage_encrypted = true" in set_attribute(literal, find_resource(literal, "aws_db_instance", "d"),
                                                       ("storage_encrypted",), "true")
    y = "Resources:\n  D:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      StorageEncrypted: !Ref Encrypt\n"
    _, lines = load_yaml(y)
    with pytest.raises(EditError, match=r"set from `!Ref Encrypt`"):
        set_property(y, lines, "D", ("StorageEncrypted",), True, is_json=False)
