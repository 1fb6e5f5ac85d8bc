"""Terraform evaluation and normalisation into canonical resources, on real files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources import SourceOptions, collect


def load(root: Path, **opts: Any) -> tuple[dict[str, Resource], list[Any]]:
    c = collect([str(root)], SourceOptions(**opts))
    return {r.id: r for r in c.inventory}, c.problems


def test_variables_defaults_tfvars_and_cli(write: Callable[..., Path], tmp_path: Path) -> None:
    root = write({
        "main.tf": '''
variable "name" { default = "from-default" }
variable "acl" {}
variable "versioned" { type = bool }
variable "size" { type = number }
resource "aws_s3_bucket" "b" {
  bucket = var.name
  acl    = var.acl
  versioning { enabled = var.versioned }
}
resource "aws_ebs_volume" "v" { size = var.size }
''',
        "terraform.tfvars": 'acl = "public-read"\n',
        "extra.tfvars": 'name = "from-var-file"\n',
    })
    res, problems = load(root, tf_vars={"versioned": "true", "size": "20"}, tf_var_files=[str(tmp_path / "extra.tfvars")])
    b = res["aws_s3_bucket.b"].properties
    assert b["BucketName"] == "from-var-file" and b["AccessControl"] == "PublicRead"
    assert b["VersioningConfiguration"]["Status"] == "Enabled"  # "true" converted by the declared type
    assert res["aws_ebs_volume.v"].properties["Size"] == 20
    assert not problems


def test_missing_variable_stays_unknown(write: Callable[..., Path]) -> None:
    root = write({"main.tf": 'variable "key" {}\nresource "aws_sqs_queue" "q" { kms_master_key_id = var.key }\n'})
    res, _ = load(root)
    v = res["aws_sqs_queue.q"].properties["KmsMasterKeyId"]
    assert isinstance(v, Unknown) and "var.key" in v.reason


def test_locals_functions_and_for_expressions(write: Callable[..., Path]) -> None:
    root = write({"main.tf": '''
locals {
  env    = "prod"
  names  = [for n in ["a", "b"] : "${local.env}-${upper(n)}"]
  tags   = merge({ Team = "x" }, { Env = local.env })
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}
resource "aws_sqs_queue" "q" {
  name = join(",", local.names)
  tags = local.tags
}
resource "aws_iam_policy" "p" { policy = local.policy }
'''})
    res, _ = load(root)
    q = res["aws_sqs_queue.q"]
    assert q.properties["QueueName"] == "prod-A,prod-B"
    assert q.tags == {"Team": "x", "Env": "prod"}
    assert res["aws_iam_policy.p"].properties["PolicyDocument"]["Statement"][0]["Action"] == "s3:*"


def test_count_and_for_each_expand_instances(write: Callable[..., Path]) -> None:
    root = write({"main.tf": '''
resource "aws_sqs_queue" "c" {
  count = 2
  name  = "q-${count.index}"
}
resource "aws_sqs_queue" "e" {
  for_each = toset(["x", "y"])
  name     = "e-${each.key}"
}
variable "n" {}
resource "aws_sqs_queue" "u" {
  count = var.n
  name  = "u"
}
'''})
    res, _ = load(root)
    assert res["aws_sqs_queue.c[1]"].properties["QueueName"] == "q-1"
    assert res['aws_sqs_queue.e["y"]'].properties["QueueName"] == "e-y"
    assert "aws_sqs_queue.u" in res  # unknown count: one representative instance


def test_split_s3_resources_merge_into_the_bucket_with_their_lines(write: Callable[..., Path]) -> None:
    root = write({"main.tf": '''resource "aws_s3_bucket" "b" {
  bucket = "data"
}
resource "aws_s3_bucket_versioning" "v" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = "Enabled"
  }
}
resource "aws_s3_bucket_policy" "p" {
  bucket = "data"
  policy = jsonencode({ Statement = [] })
}
'''})
    res, _ = load(root)
    assert set(res) == {"aws_s3_bucket.b"}
    b = res["aws_s3_bucket.b"]
    assert b.properties["VersioningConfiguration"]["Status"] == "Enabled"
    assert b.properties["PolicyDocument"] == {"Statement": []}  # matched by bucket name
    loc = b.loc(("VersioningConfiguration", "Status"))
    assert loc is not None and loc.line == 7


def test_sub_resource_without_parent_becomes_a_fragment(write: Callable[..., Path]) -> None:
    root = write({"main.tf": 'resource "aws_s3_bucket_public_access_block" "p" {\n  bucket = "elsewhere"\n  block_public_acls = true\n}\n'})
    res, _ = load(root)
    (frag,) = res.values()
    assert frag.type == "AWS::S3::Bucket" and frag.known == frozenset({"PublicAccessBlockConfiguration"})


def test_policy_document_data_source_and_attachments(write: Callable[..., Path]) -> None:
    root = write({"main.tf": '''
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "doc" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    sid     = "Assume"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = ["x"]
    }
  }
}
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = data.aws_iam_policy_document.doc.json
}
resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.r.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
'''})
    res, _ = load(root)
    role = res["aws_iam_role.r"].properties
    stmts = role["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Sid"] for s in stmts] == ["Read", "Assume"]
    assert stmts[1]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert stmts[1]["Condition"] == {"StringEquals": {"sts:ExternalId": "x"}}
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]


def test_local_modules_with_inputs_and_outputs(write: Callable[..., Path]) -> None:
    root = write({
        "root/main.tf": '''
module "q" {
  source = "../mod"
  name   = "jobs"
}
resource "aws_sns_topic" "t" { name = module.q.queue_name }
''',
        "mod/main.tf": '''
variable "name" {}
resource "aws_sqs_queue" "this" { name = "${var.name}-queue" }
output "queue_name" { value = aws_sqs_queue.this.name }
''',
    })
    res, _ = load(root / "root")
    assert res["module.q.aws_sqs_queue.this"].properties["QueueName"] == "jobs-queue"
    assert res["aws_sns_topic.t"].properties["TopicName"] == "jobs-queue"
    assert res["module.q.aws_sqs_queue.this"].origin.file.endswith("mod/main.tf")


def test_dynamic_blocks_expand(write: Callable[..., Path]) -> None:
    root = write({"main.tf": '''
locals { ports = [22, 443] }
resource "aws_security_group" "s" {
  description = "d"
  dynamic "ingress" {
    for_each = local.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
'''})
    res, _ = load(root)
    rules = res["aws_security_group.s"].properties["SecurityGroupIngress"]
    assert [r["FromPort"] for r in rules] == [22, 443]


def test_tf_json_syntax(write: Callable[..., Path]) -> None:
    doc = {"variable": {"n": {"default": "q1"}},
           "resource": {"aws_sqs_queue": {"q": {"name": "${var.n}", "kms_master_key_id": "alias/aws/sqs"}}}}
    root = write({"main.tf.json": json.dumps(doc, indent=2)})
    res, problems = load(root)
    assert res["aws_sqs_queue.q"].properties == {"QueueName": "q1", "KmsMasterKeyId": "alias/aws/sqs"}
    assert not problems


def test_reference_cycle_between_locals_is_reported_not_a_crash(write: Callable[..., Path]) -> None:
    root = write({"main.tf": 'locals {\n  a = local.b\n  b = local.a\n}\nresource "aws_sqs_queue" "q" { name = local.a }\n'})
    res, problems = load(root)
    assert isinstance(res["aws_sqs_queue.q"].properties["QueueName"], Unknown)
    assert any("reference cycle" in p.message and p.line in (2, 3) for p in problems)


def test_conflicting_files_in_one_directory_are_evaluated_separately(write: Callable[..., Path]) -> None:
    root = write({"a.tf": 'resource "aws_sqs_queue" "q" { name = "a" }\n', "b.tf": 'resource "aws_sqs_queue" "q" { name = "b" }\n'})
    c = collect([str(root)])
    names = sorted(r.properties["QueueName"] for r in c.inventory)
    assert names == ["a", "b"]
    assert any("not one valid module" in p.message and p.kind == "warning" for p in c.problems)
