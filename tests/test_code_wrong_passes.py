"""Forms of code that passed a rule they fail: the partition written as a pseudo-parameter or a data source, and a
policy ARN known only at deploy time (UNKNOWN, never PASS). Written from the CloudFormation pseudo-parameter
reference and the Terraform aws_partition data source documentation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wasec.model.finding import Status
from wasec.scanning import ScanOptions, scan

ROLE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  PolicyArn:
    Type: String
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{}}
      ManagedPolicyArns:
        - {arn}
"""


def _status(path: Path, rule: str) -> list[Status]:
    return [f.status for f in scan(ScanOptions(paths=[str(path)], rules=[rule])).findings]


@pytest.mark.parametrize("arn, status", [
    ("!Sub 'arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess'", Status.FAIL),
    ("{'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess'}", Status.FAIL),
    ("!Join ['', ['arn:', !Ref 'AWS::Partition', ':iam::aws:policy/AdministratorAccess']]", Status.FAIL),
    ("arn:aws-us-gov:iam::aws:policy/AdministratorAccess", Status.FAIL),
    ("!Ref PolicyArn", Status.UNKNOWN),  # a parameter without a default may name it
    ("!Sub 'arn:${AWS::Partition}:iam::aws:policy/${PolicyArn}'", Status.UNKNOWN),
    ("!Sub 'arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess'", Status.PASS),
    ("!Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/deployer'", Status.PASS),  # not an AWS managed policy
])
def test_cloudformation_admin_attachment(tmp_path: Path, arn: str, status: Status) -> None:
    (tmp_path / "t.yaml").write_text(ROLE.format(arn=arn))
    assert _status(tmp_path, "iam-admin-policy-attached") == [status]


@pytest.mark.parametrize("arn, status", [
    ('"arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess"', Status.FAIL),
    ('"arn:${data.aws_partition.current.id}:iam::aws:policy/AdministratorAccess"', Status.FAIL),
    ("var.policy_arn", Status.UNKNOWN),
    ('"arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"', Status.PASS),
])
def test_terraform_admin_attachment(tmp_path: Path, arn: str, status: Status) -> None:
    (tmp_path / "main.tf").write_text(f"""
data "aws_partition" "current" {{}}
variable "policy_arn" {{ type = string }}
resource "aws_iam_role" "r" {{
  name               = "r"
  assume_role_policy = "{{}}"
}}
resource "aws_iam_role_policy_attachment" "a" {{
  role       = aws_iam_role.r.name
  policy_arn = {arn}
}}
""")
    assert _status(tmp_path, "iam-admin-policy-attached") == [status]


def test_a_full_access_policy_through_the_partition(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(ROLE.format(arn="!Sub 'arn:${AWS::Partition}:iam::aws:policy/AmazonS3FullAccess'"))
    assert _status(tmp_path, "iam-full-access-policy-attached") == [Status.FAIL]


def test_a_spot_instance_is_judged_as_the_instance_it_is(tmp_path: Path) -> None:
    settings = """
  ami                         = "ami-0123456789abcdef0"
  instance_type               = "t3.micro"
  associate_public_ip_address = true
  metadata_options {
    http_tokens = "optional"
  }
  root_block_device {
    encrypted = false
  }
"""
    (tmp_path / "on_demand").mkdir()
    (tmp_path / "spot").mkdir()
    (tmp_path / "on_demand" / "main.tf").write_text(f'resource "aws_instance" "web" {{{settings}}}\n')
    (tmp_path / "spot" / "main.tf").write_text(f'resource "aws_spot_instance_request" "web" {{{settings}}}\n')

    def fails(where: str) -> set[str]:
        result = scan(ScanOptions(paths=[str(tmp_path / where)]))
        return {f.rule_id for f in result.findings if f.status is Status.FAIL}

    assert fails("on_demand") and fails("spot") == fails("on_demand")
    assert {"ec2-public-ip", "ec2-imdsv2-required"} <= fails("spot")


def test_every_scan_says_what_it_read_and_judged_with_no_rule(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from wasec.cli.commands import cli

    (tmp_path / "main.tf").write_text("""
resource "aws_sns_topic_subscription" "alerts" {
  topic_arn = "arn:aws:sns:eu-west-1:111122223333:alerts"
  protocol  = "email"
  endpoint  = "ops@example.com"
}
resource "google_storage_bucket" "b" {
  name     = "b"
  location = "EU"
}
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
""")
    (tmp_path / "pdb.yaml").write_text("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\n"
                                       "spec:\n  minAvailable: 1\n")
    result = scan(ScanOptions(paths=[str(tmp_path)]))
    assert result.unjudged() == {"Kubernetes::PodDisruptionBudget": 1, "Terraform::aws_sns_topic_subscription": 1,
                                 "Terraform::google_storage_bucket": 1}
    r = CliRunner().invoke(cli, ["scan", str(tmp_path), "-f", "json"])
    assert json.loads(r.output)["unjudged"]["Terraform::google_storage_bucket"] == 1
    r = CliRunner().invoke(cli, ["scan", str(tmp_path)])
    assert "judged by no rule: 3 resources" in r.output
    r = CliRunner().invoke(cli, ["scan", str(tmp_path), "--show-unknown"])
    assert "Terraform::aws_sns_topic_subscription" in r.output


@pytest.mark.parametrize("name, args, want", [
    # the examples of Terraform's function documentation
    ("basename", ["foo/bar/baz.txt"], "baz.txt"),
    ("dirname", ["foo/bar/baz.txt"], "foo/bar"),
    ("cidrsubnets", ["10.1.0.0/16", 4, 4, 8, 4], ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]),
    ("cidrsubnets", ["fd00:fd12:3456:7890::/56", 16, 16, 16, 32],
     ["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72",
      "fd00:fd12:3456:7800:300::/88"]),
    ("formatdate", ["DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z"], "02 Jan 2018 23:12 UTC"),
    ("formatdate", ["EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z"], "Tuesday, 02-Jan-18 23:12:01 UTC"),
    ("formatdate", ["EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00"], "Tue, 02 Jan 2018 23:12:01 -0800"),
    ("formatdate", ["MMM DD, YYYY", "2018-01-02T23:12:01Z"], "Jan 02, 2018"),
    ("formatdate", ["HH:mmaa", "2018-01-02T23:12:01Z"], "11:12pm"),
    ("timeadd", ["2017-11-22T00:00:00Z", "10m"], "2017-11-22T00:10:00Z"),
    ("timecmp", ["2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z"], -1),
])
def test_pure_functions_are_evaluated(name: str, args: list, want: object) -> None:
    from wasec.sources.terraform.functions import call

    assert call(name, args, "/") == want


def test_a_cidr_from_cidrsubnet_decides_an_ingress_rule(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
locals {
  nets = cidrsubnets("10.0.0.0/16", 8, 8)
}
resource "aws_security_group" "db" {
  name = "db"
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [local.nets[1]]
  }
}
""")
    statuses = {f.rule_id: f.status for f in scan(ScanOptions(paths=[str(tmp_path)])).findings
                if f.rule_id == "sg-database-ports-open"}
    assert statuses == {"sg-database-ports-open": Status.PASS}


@pytest.mark.parametrize(("block", "count", "bits", "nth", "status"), [
    ("10.0.0.0/16", 4, 8, 1, Status.PASS),  # 10.0.1.0/24: private
    ("0.0.0.0/0", 1, 32, 0, Status.FAIL),   # 0.0.0.0/0 itself
])
def test_a_cidr_from_fn_cidr_decides_an_ingress_rule(tmp_path: Path, block: str, count: int, bits: int, nth: int,
                                                      status: Status) -> None:
    """Fn::Cidr [ipBlock, count, cidrBits] is the same for every deployment (the AWS documentation's example:
    !Cidr [ 192.168.0.0/24, 6, 5 ] gives six /27s): computed, it decides the rule instead of leaving it unknown."""
    (tmp_path / "t.yaml").write_text(f"""
Resources:
  Db:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: db
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 5432
          ToPort: 5432
          CidrIp: !Select [{nth}, !Cidr [{block}, {count}, {bits}]]
""")
    assert _status(tmp_path, "sg-database-ports-open") == [status]


def test_fn_cidr_as_the_documentation_gives_it() -> None:
    from wasec.sources.cloudformation.intrinsics import Resolver

    r = Resolver({"Resources": {}}, {})
    assert r.resolve({"Fn::Cidr": ["192.168.0.0/24", 6, 5]}) == [f"192.168.0.{i * 32}/27" for i in range(6)]
    assert r.resolve({"Fn::Cidr": ["2001:db8::/56", 2, 64]}) == ["2001:db8::/64", "2001:db8:0:1::/64"]


def test_a_module_called_from_two_roots_gives_findings_that_say_which(tmp_path: Path) -> None:
    (tmp_path / "modules" / "bucket").mkdir(parents=True)
    (tmp_path / "modules" / "bucket" / "main.tf").write_text('resource "aws_s3_bucket" "this" {\n  bucket = "x"\n}\n')
    for root in ("a", "b"):
        (tmp_path / "examples" / root).mkdir(parents=True)
        (tmp_path / "examples" / root / "main.tf").write_text('module "store" {\n  source = "../../modules/bucket"\n}\n')
    result = scan(ScanOptions(paths=[str(tmp_path)], rules=["s3-bucket-versioning"], root=str(tmp_path)))
    fails = [f for f in result.findings if f.status is Status.FAIL]
    assert sorted(f.root for f in fails) == ["examples/a", "examples/b"]
    assert {f.file for f in fails} == {"modules/bucket/main.tf"} and len({f.fingerprint for f in fails}) == 2
    from wasec.outputs import sarif

    messages = [r["message"]["text"] for r in json.loads(sarif.render(result))["runs"][0]["results"]]
    assert any("from root module examples/a" in m for m in messages)


def test_identical_instances_of_a_block_are_one_finding_with_a_count(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
resource "aws_s3_bucket" "logs" {
  count  = 500
  bucket = "logs-${count.index}"
}
resource "aws_s3_bucket" "mixed" {
  for_each = { a = true, b = false }
  bucket   = "mixed-${each.key}"
}
resource "aws_s3_bucket_versioning" "mixed" {
  for_each = { a = true, b = false }
  bucket   = aws_s3_bucket.mixed[each.key].id
  versioning_configuration {
    status = each.value ? "Enabled" : "Suspended"
  }
}
""")
    result = scan(ScanOptions(paths=[str(tmp_path)], rules=["s3-bucket-versioning"]))
    got = sorted((f.resource_id, f.status.value) for f in result.findings)
    # the two mixed instances are judged differently: they stay apart
    assert got == [("aws_s3_bucket.logs[*]", "FAIL"), ('aws_s3_bucket.mixed["a"]', "PASS"),
                   ('aws_s3_bucket.mixed["b"]', "FAIL")]
    logs = next(f for f in result.findings if f.resource_id == "aws_s3_bucket.logs[*]")
    assert "the same in 500 instances" in logs.message


def test_a_linked_directory_is_reported_under_its_target_and_only_a_real_loop_is_called_one(tmp_path: Path) -> None:
    (tmp_path / "zreal").mkdir()
    (tmp_path / "zreal" / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    (tmp_path / "alink").symlink_to("zreal")  # walked first by name, but only an alias
    (tmp_path / "zreal" / "up").symlink_to("..")  # a real loop
    result = scan(ScanOptions(paths=[str(tmp_path)], rules=["s3-bucket-versioning"], root=str(tmp_path)))
    assert [f.file for f in result.findings] == ["zreal/main.tf"]
    loops = [p for p in result.problems if "loop" in p.message]
    assert len(loops) == 1 and loops[0].file.endswith("zreal/up")


def test_an_unreadable_file_and_a_module_cycle_exit_alike(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "main.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = "x"\n')
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "main.tf").write_text('module "b" {\n  source = "../b"\n}\n')
    (tmp_path / "b" / "main.tf").write_text('module "a" {\n  source = "../a"\n}\n')
    codes = [subprocess.run([sys.executable, "-m", "wasec", "scan", str(tmp_path / d), "--fail-on", "never"],
                            capture_output=True, timeout=120).returncode for d in ("broken", "a")]
    assert codes == [2, 2]
