"""Constructs of real repositories that used to turn a definite answer into UNKNOWN, a phantom or a silence.

Each test is written from the Terraform or AWS documentation of the construct, on real files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import scan_paths
from wasec.scanning import ScanOptions, scan

QUEUE = 'resource "aws_sqs_queue" "{name}" {{\n  sqs_managed_sse_enabled = false\n}}\n'


def _fails(result, rule: str) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f.resource_id for f in result.findings if f.rule_id == rule and f.status.value == "FAIL")


def test_registry_modules_that_terraform_init_downloaded_are_scanned(write: Callable[..., Path]) -> None:
    # `terraform init` writes .terraform/modules/modules.json: Key is the module path of call names, Dir where it lives
    root = write({
        "live/main.tf": 'module "queues" {\n  source  = "terraform-aws-modules/sqs/aws"\n  version = "4.0.0"\n}\n'
                        'module "gone" {\n  source = "git::https://example.com/mod.git"\n}\n',
        "live/.terraform/modules/modules.json": json.dumps({"Modules": [
            {"Key": "", "Source": "", "Dir": "."},
            {"Key": "queues", "Source": "registry.terraform.io/terraform-aws-modules/sqs/aws", "Version": "4.0.0",
             "Dir": ".terraform/modules/queues"},
            {"Key": "queues.dlq", "Source": "./modules/dlq", "Dir": ".terraform/modules/queues/modules/dlq"}]}),
        "live/.terraform/modules/queues/main.tf": QUEUE.format(name="main") + 'module "dlq" {\n  source = "./modules/dlq"\n}\n',
        "live/.terraform/modules/queues/modules/dlq/main.tf": QUEUE.format(name="dlq"),
    })
    result = scan_paths(root / "live")
    assert _fails(result, "sqs-queue-encrypted") == ["module.queues.aws_sqs_queue.main",
                                                     "module.queues.module.dlq.aws_sqs_queue.dlq"]
    gone = [p for p in result.problems if "example.com/mod.git" in p.message]
    assert gone and gone[0].kind == "warning" and "terraform init" in gone[0].message and gone[0].line == 5


def test_a_module_not_on_disk_is_said_even_when_nothing_else_is_there(write: Callable[..., Path]) -> None:
    root = write({"main.tf": 'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n'})
    result = scan_paths(root)
    assert [p.message for p in result.problems if p.kind == "warning"] == [
        "module source terraform-aws-modules/vpc/aws is not on disk: run `terraform init` (or `terraform get`, or scan "
        "with --download-modules) so its resources are scanned too"]


def test_paths_and_file_are_those_terraform_gives_when_scanned_from_elsewhere(write: Callable[..., Path],
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    admin = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
    root = write({
        "infra/main.tf": 'module "m" {\n  source = "./mod"\n}\n'
                         'resource "aws_iam_policy" "by_module" {\n  policy = file("${path.module}/admin.json")\n}\n'
                         'resource "aws_iam_policy" "by_root" {\n  policy = file("${path.root}/admin.json")\n}\n'
                         'resource "aws_iam_policy" "by_cwd" {\n  policy = file("${path.cwd}/admin.json")\n}\n'
                         'resource "aws_iam_policy" "relative" {\n  policy = file("admin.json")\n}\n',
        "infra/admin.json": admin,
        "infra/mod/main.tf": 'resource "aws_iam_policy" "in_module" {\n  policy = file("${path.module}/admin.json")\n}\n'
                             'output "where" {\n  value = path.module\n}\n',
        "infra/mod/admin.json": admin,
    })
    monkeypatch.chdir(root)  # `wasec scan infra` from the parent directory
    result = scan(ScanOptions(paths=["infra"], secrets=False))
    assert _fails(result, "iam-policy-admin-access") == [
        "aws_iam_policy.by_cwd", "aws_iam_policy.by_module", "aws_iam_policy.by_root", "aws_iam_policy.relative",
        "module.m.aws_iam_policy.in_module"]


def test_an_unknown_count_does_not_make_a_phantom_for_index_zero(write: Callable[..., Path]) -> None:
    root = write({"main.tf": '''variable "create" {}
resource "aws_s3_bucket" "b" {
  count         = var.create ? 1 : 0
  bucket_prefix = "logs-"
}
resource "aws_s3_bucket_public_access_block" "b" {
  count                   = var.create ? 1 : 0
  bucket                  = aws_s3_bucket.b[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
'''})
    result = scan_paths(root, secrets=False)
    assert [r.id for r in result.inventory if r.type == "AWS::S3::Bucket"] == ["aws_s3_bucket.b"]
    assert {f.status.value for f in result.findings if f.rule_id == "s3-block-public-acls"} == {"PASS"}


def test_for_each_keys_with_quotes_keep_valid_addresses(write: Callable[..., Path]) -> None:
    root = write({"main.tf": '''resource "aws_sqs_queue" "q" {
  for_each                = toset(["it's", "say \\"hi\\""])
  sqs_managed_sse_enabled = false
}
resource "aws_sqs_queue_policy" "p" {
  queue_url = aws_sqs_queue.q["it's"].url
  policy    = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*" }] })
}
'''})
    result = scan_paths(root, secrets=False)
    assert _fails(result, "sqs-queue-encrypted") == ['aws_sqs_queue.q["it\'s"]', 'aws_sqs_queue.q["say \\"hi\\""]']
    assert _fails(result, "sqs-queue-policy-public") == ['aws_sqs_queue.q["it\'s"]']  # the policy found its queue


def test_disabled_paths_and_exception_files_are_relative_to_the_project_root(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".wasec" / "rules").mkdir(parents=True)
    (project / ".git").mkdir()
    (project / ".wasec" / "rules" / "team.yml").write_text(
        "disable: sqs-queue-encrypted\npaths: [legacy/*]\nreason: decommissioned in Q1\n")
    (project / ".wasec" / "exceptions.yml").write_text(
        "exceptions:\n  - rule: sqs-queue-encrypted\n    resource: aws_sqs_queue.kept\n    file: apps/main.tf\n"
        "    justification: no data\n    owner: team@example.com\n    expires: 2099-01-01\n")
    (project / "legacy").mkdir()
    (project / "legacy" / "main.tf").write_text(QUEUE.format(name="old"))
    (project / "apps").mkdir()
    (project / "apps" / "main.tf").write_text(QUEUE.format(name="kept") + QUEUE.format(name="new"))
    for cwd in (project, tmp_path, project / "apps"):
        r = subprocess.run([sys.executable, "-m", "wasec", "scan", str(project), "--format", "json", "--no-secrets"],
                           cwd=cwd, capture_output=True, text=True)
        doc = json.loads(r.stdout)
        got = {f["resource_id"]: (f.get("suppressed") or {}).get("kind") for f in doc["findings"]
               if f["rule_id"] == "sqs-queue-encrypted" and f["status"] == "FAIL"}
        assert got == {"aws_sqs_queue.old": "rule-pack", "aws_sqs_queue.kept": "exception", "aws_sqs_queue.new": None}, cwd


def test_configuration_is_found_up_to_the_repository_root_and_named_with_config(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    repo = outer / "repo"
    (outer / ".wasec").mkdir(parents=True)  # above the repository: not the repository's configuration
    (outer / ".wasec" / "config.yml").write_text("skip_rules: [sqs-queue-encrypted]\n")
    (repo / ".git").mkdir(parents=True)
    (repo / "infra").mkdir()
    (repo / "infra" / "main.tf").write_text(QUEUE.format(name="q"))
    found = scan(ScanOptions(paths=[str(repo / "infra")], root=str(repo), secrets=False))
    assert found.config.directory is None and _fails(found, "sqs-queue-encrypted") == ["aws_sqs_queue.q"]
    named = scan(ScanOptions(paths=[str(repo / "infra")], root=str(repo), secrets=False,
                             config=str(outer / ".wasec" / "config.yml")))
    assert named.config.directory == str(outer / ".wasec")
    r = subprocess.run([sys.executable, "-m", "wasec", "scan", "infra", "--config", str(tmp_path / "nope")],
                       cwd=repo, capture_output=True, text=True)
    assert r.returncode == 2 and "nope" in r.stderr


def test_privilege_escalation_on_an_admin_equivalent_policy_is_one_verdict(write: Callable[..., Path]) -> None:
    root = write({"main.tf": '''resource "aws_iam_policy" "p" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", NotAction = "iam:DeleteUser", Resource = "*" }] })
}
'''})
    result = scan_paths(root, secrets=False)
    esc = [f for f in result.findings if f.rule_id == "iam-policy-privilege-escalation"]
    assert len(esc) == 1 and len(esc[0].evidence) == 1 and "administrator access" in esc[0].message
    assert [f.severity.value for f in result.findings if f.rule_id == "iam-policy-admin-access"] == ["critical"]


def test_a_response_revokes_a_prefix_zero_range_whatever_its_address_bits() -> None:
    from wasec.events.respond import PLANS

    record = {"eventName": "AuthorizeSecurityGroupIngress", "awsRegion": "eu-west-1", "requestParameters": {
        "groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": {
            "items": [{"cidrIp": "10.9.8.7/0"}, {"cidrIp": "10.0.0.0/8"}]}, "ipv6Ranges": {"items": [{"cidrIpv6": "::/0"}]}}]}}}
    [call] = PLANS["sg-ingress-open"](record)
    [perm] = call.args["IpPermissions"]
    assert perm["IpRanges"] == [{"CidrIp": "10.9.8.7/0"}] and perm["Ipv6Ranges"] == [{"CidrIpv6": "::/0"}]
