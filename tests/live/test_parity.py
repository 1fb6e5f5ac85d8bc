"""One infrastructure, three descriptions: Terraform, CloudFormation and a live (emulated) account.

The same rules must fail on all three: that is what "one rule set for code and cloud" means.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from tests.live.conftest import as_account
from wasec.model.finding import Status
from wasec.rules.registry import load_builtin
from wasec.scanning import ScanOptions, scan, scan_aws
from wasec.sources.aws import AwsOptions

ACCOUNT = "666666666666"
OPEN_READ = {"Version": "2012-10-17", "Statement": [
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::parity-data/*"}]}
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

TERRAFORM = f"""
resource "aws_s3_bucket" "data" {{
  bucket = "parity-data"
}}

resource "aws_s3_bucket_policy" "data" {{
  bucket = aws_s3_bucket.data.id
  policy = jsonencode({json.dumps(OPEN_READ)})
}}

resource "aws_security_group" "ssh" {{
  name        = "parity-ssh"
  description = "SSH for admins"
  ingress {{
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_iam_policy" "admin" {{
  name   = "parity-admin"
  policy = jsonencode({json.dumps(ADMIN)})
}}

resource "aws_kms_key" "app" {{
  description = "parity"
}}
"""

CLOUDFORMATION = {
    "Resources": {
        "Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "parity-data"}},
        "DataPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": OPEN_READ}},
        "Ssh": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupName": "parity-ssh", "GroupDescription": "SSH for admins",
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0", "Description": "ssh"}],
            "SecurityGroupEgress": [{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}]}},
        "Admin": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "parity-admin", "PolicyDocument": ADMIN}},
        "AppKey": {"Type": "AWS::KMS::Key", "Properties": {"Description": "parity"}},
    }
}

KINDS = {"AWS::S3::Bucket": "parity-data", "AWS::EC2::SecurityGroup": "parity-ssh", "AWS::IAM::ManagedPolicy": "parity-admin",
         "AWS::KMS::Key": "parity"}


def _deploy_to_emulator() -> None:
    s = boto3.Session(region_name="us-east-1", **as_account(ACCOUNT))
    s.client("s3").create_bucket(Bucket="parity-data")
    s.client("s3").put_bucket_policy(Bucket="parity-data", Policy=json.dumps(OPEN_READ))
    # what AWS sets on every new bucket since April 2023 and the emulator does not
    s.client("s3").put_bucket_ownership_controls(Bucket="parity-data", OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    ec2 = s.client("ec2")
    g = ec2.create_security_group(GroupName="parity-ssh", Description="SSH for admins")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh"}]}])
    s.client("iam").create_policy(PolicyName="parity-admin", PolicyDocument=json.dumps(ADMIN))
    s.client("kms").create_key(Description="parity")


def _failing(result: Any) -> dict[str, set[str]]:
    """resource kind → rules that fail on it (rules that only one side can see are left out)."""
    scoped = {r.id for r in load_builtin() if r.scope == "any"}
    names = {r.id: (r.id, *r.names, str(r.properties.get("Description", ""))) for r in result.inventory}
    out: dict[str, set[str]] = {t: set() for t in KINDS}
    for f in result.findings:
        if f.status is not Status.FAIL or f.rule_id not in scoped or f.resource_type not in KINDS:
            continue
        if any(KINDS[f.resource_type] in n for n in names.get(f.resource_id, (f.resource_id,))):
            out[f.resource_type].add(f.rule_id)
    return out


def test_same_rules_fail_on_terraform_cloudformation_and_the_live_account(emulator: Any, tmp_path: Path) -> None:
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(TERRAFORM)
    (tmp_path / "cfn").mkdir()
    (tmp_path / "cfn" / "stack.json").write_text(json.dumps(CLOUDFORMATION))
    tf = _failing(scan(ScanOptions(paths=[str(tmp_path / "tf")], root=str(tmp_path))))
    cfn = _failing(scan(ScanOptions(paths=[str(tmp_path / "cfn")], root=str(tmp_path))))
    _deploy_to_emulator()
    live = _failing(scan_aws(ScanOptions(), AwsOptions(regions=["us-east-1"], services=["s3", "s3control", "ec2", "iam", "kms"],
                                                       max_rps=0, max_attempts=2, role_arn=f"arn:aws:iam::{ACCOUNT}:role/x")),
                    )
    for kind in KINDS:
        assert tf[kind], f"nothing failed on the Terraform {kind}"
        assert tf[kind] == cfn[kind] == live[kind], (kind, {"terraform": sorted(tf[kind]), "cloudformation": sorted(cfn[kind]),
                                                           "live": sorted(live[kind])})
    assert {"s3-bucket-policy-public", "sg-admin-ports-open", "iam-policy-admin-access", "kms-key-rotation"} <= set().union(*live.values())
