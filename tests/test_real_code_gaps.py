"""Gaps found by scanning public Terraform modules and AWS's sample templates (bench/real_code_bench.py).

Each case is written here from the construct that broke or stayed unknown there, in a few lines of
our own; the bench note names the repository where each was seen.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import scan_paths, statuses
from tests.test_terraform import load
from wasec.model.values import Unknown
from wasec.sources import SourceOptions, collect


def test_functions_over_lists_holding_unknown_values_do_not_stop_the_scan(write: Callable[..., Path]) -> None:
    # distinct()/compact() compare items; an ARN known only after apply used to escape as an exception
    root = write({"main.tf": '''
resource "aws_kms_key" "k" { enable_key_rotation = true }
resource "aws_sns_topic" "t" {
  name = "t"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sns:Publish", Principal = "*",
                        Resource = distinct(compact([aws_kms_key.k.arn, "x", "x"])) }] })
  kms_master_key_id = "alias/t"
}
resource "aws_ebs_volume" "v" { encrypted = false }
'''})
    res, problems = load(root)
    assert not [p for p in problems if p.kind == "error"]
    topic = res["aws_sns_topic.t"].properties
    assert topic["KmsMasterKeyId"] == "alias/t"
    statement = topic["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == "*" and isinstance(statement["Resource"], Unknown)
    assert res["aws_ebs_volume.v"].properties["Encrypted"] is False  # the rest of the module is still evaluated


def test_optional_object_attributes_take_their_defaults(write: Callable[..., Path]) -> None:
    # map(object({effect = optional(string, "Allow"), sid = optional(string)})) read as statement.value.effect
    root = write({"main.tf": '''
variable "statements" {
  type = map(object({
    sid       = optional(string)
    effect    = optional(string, "Allow")
    actions   = optional(list(string))
    resources = optional(list(string), ["*"])
  }))
  default = { all = { actions = ["*"] } }
}
data "aws_iam_policy_document" "p" {
  dynamic "statement" {
    for_each = var.statements
    content {
      sid       = try(coalesce(statement.value.sid, statement.key))
      effect    = statement.value.effect
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}
resource "aws_iam_policy" "p" { policy = data.aws_iam_policy_document.p.json }
'''})
    res, _ = load(root)
    doc = res["aws_iam_policy.p"].properties["PolicyDocument"]
    assert doc["Statement"] == [{"Sid": "all", "Effect": "Allow", "Action": "*", "Resource": "*"}]
    assert statuses(scan_paths(root), "iam-policy-admin-access") == ["FAIL"]


def test_null_for_a_non_nullable_variable_takes_the_default(write: Callable[..., Path]) -> None:
    root = write({
        "main.tf": '''
variable "groups" {
  type    = map(object({ encrypted = optional(bool) }))
  default = { a = {}, b = { encrypted = false } }
}
module "disk" {
  source    = "./disk"
  for_each  = var.groups
  encrypted = each.value.encrypted
}
''',
        "disk/main.tf": '''
variable "encrypted" {
  type     = bool
  default  = true
  nullable = false
}
variable "create" {
  type    = bool
  default = true
}
resource "aws_ebs_volume" "v" {
  count     = var.create ? 1 : 0
  encrypted = var.encrypted
}
''',
    })
    res, _ = load(root)
    assert res['module.disk["a"].aws_ebs_volume.v[0]'].properties["Encrypted"] is True
    assert res['module.disk["b"].aws_ebs_volume.v[0]'].properties["Encrypted"] is False


def test_nested_splat(write: Callable[..., Path]) -> None:
    root = write({"main.tf": '''
locals {
  groups = [{ asgs = [{ name = "a" }, { name = "b" }] }, { asgs = [{ name = "c" }] }]
  names  = flatten(local.groups[*].asgs[*].name)
}
resource "aws_sqs_queue" "q" {
  name              = join("-", local.names)
  kms_master_key_id = "alias/x"
}
'''})
    res, problems = load(root)
    assert not problems
    assert res["aws_sqs_queue.q"].properties["QueueName"] == "a-b-c"


def _cfn(write: Callable[..., Path], body: str) -> tuple[dict[str, object], list[object]]:
    root = write({"template.yaml": body})
    c = collect([str(root)], SourceOptions())
    return {r.id: r for r in c.inventory}, c.problems


def test_fn_foreach_expands_resources_with_lines(write: Callable[..., Path]) -> None:
    res, problems = _cfn(write, '''
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Parameters:
  Names: {Type: CommaDelimitedList, Default: "logs,data"}
Resources:
  Fn::ForEach::Buckets:
    - Name
    - !Ref Names
    - Bucket&{Name}:
        Type: AWS::S3::Bucket
        Properties:
          BucketName: !Sub "acme-${Name}"
  Fn::ForEach::Tables:
    - T
    - [Points, Score]
    - Table${T}:
        Type: AWS::DynamoDB::Table
        Properties: {TableName: !Ref T}
''')
    assert not problems
    assert res["Bucketlogs"].properties["BucketName"] == "acme-logs"  # type: ignore[attr-defined]
    assert res["TablePoints"].properties["TableName"] == "Points"  # type: ignore[attr-defined]
    loc = res["TableScore"].loc()  # type: ignore[attr-defined]
    assert loc is not None and loc.line == 17  # the template body inside the loop


def test_fn_foreach_over_an_unknown_collection_is_reported(write: Callable[..., Path]) -> None:
    res, problems = _cfn(write, '''
Parameters:
  Names: {Type: CommaDelimitedList}
Resources:
  Fn::ForEach::Buckets: [N, !Ref Names, {"B${N}": {Type: AWS::S3::Bucket}}]
  Plain: {Type: AWS::SQS::Queue}
''')
    assert "Plain" in res
    assert len(problems) == 1 and "Fn::ForEach" in str(problems[0]) and problems[0].kind == "error"  # type: ignore[attr-defined]


def test_rain_modules_and_files_that_only_mention_types(write: Callable[..., Path]) -> None:
    root = write({
        "stack.yaml": '''
Resources:
  Network:
    Type: {Rain::Module: ./vpc.yml}
  Queue: {Type: AWS::SQS::Queue}
''',
        "event.json": '{"requestId": 1, "fragment": {"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}}',
    })
    c = collect([str(root)], SourceOptions())
    assert [r.id for r in c.inventory] == ["Queue"]
    kinds = sorted((p.kind, p.message.split(" ")[0]) for p in c.problems)
    assert kinds == [("warning", "not"), ("warning", "resource")]
    assert "rain pkg" in str(c.problems)


def test_a_policy_names_its_bucket_by_the_same_parameterised_name(write: Callable[..., Path]) -> None:
    # AWS's "compliant bucket" samples: BucketName and the policy's Bucket are both !Sub "${AppName}-logs-…"
    root = write({"template.yaml": '''
Parameters:
  AppName: {Type: String}
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AppName}-logs-${AWS::Region}"
  LogsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Sub "${AppName}-logs-${AWS::Region}"
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: {AWS: "*"}
            Action: "s3:*"
            Resource: [!Sub "arn:${AWS::Partition}:s3:::${AppName}-logs-${AWS::Region}/*"]
            Condition: {Bool: {aws:SecureTransport: false}}
'''})
    result = scan_paths(root, secrets=False)
    assert {f.resource_id for f in result.findings} == {"Logs", "(account)"}  # no stand-in for a bucket "outside"
    assert statuses(result, "s3-bucket-secure-transport") == ["PASS"]


def test_try_moves_on_when_a_variable_lacks_an_attribute(write: Callable[..., Path]) -> None:
    # terraform-aws-s3-bucket: status = try(var.versioning["enabled"] ? … , tobool(var.versioning["status"]) ? …)
    root = write({"main.tf": '''
variable "versioning" {
  type    = map(string)
  default = { status = true }
}
variable "lock" {
  type    = any
  default = { rule = { days = 1 } }
}
resource "aws_s3_bucket" "b" { bucket = "b" }
resource "aws_s3_bucket_versioning" "v" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = try(var.versioning["enabled"] ? "Enabled" : "Suspended", tobool(var.versioning["status"]) ? "Enabled" : "Suspended", "Enabled")
  }
}
resource "aws_sqs_queue" "q" {
  name                       = "q"
  kms_master_key_id          = "alias/q"
  message_retention_seconds  = try(var.lock.rule.years, null)
}
'''})
    res, _ = load(root)
    assert res["aws_s3_bucket.b"].properties["VersioningConfiguration"]["Status"] == "Enabled"
    q = res["aws_sqs_queue.q"].properties
    assert q.get("MessageRetentionPeriod") is None  # try(var.lock.rule.years, null): null, not unknown
