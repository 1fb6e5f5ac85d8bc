"""Organisations, the command line against the emulator, and the demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
from click.testing import CliRunner

from tests.live.conftest import as_account
from wasec.cli.commands import cli
from wasec.demo.emulator import Fault
from wasec.model.finding import Status
from wasec.scanning import ScanOptions, scan_aws
from wasec.sources.aws import AwsOptions

MANAGEMENT = "555555555555"


def test_org_scans_every_account_and_reports_the_one_it_cannot_enter(emulator: Any) -> None:
    s = boto3.Session(region_name="us-east-1", **as_account(MANAGEMENT))
    org = s.client("organizations")
    org.create_organization(FeatureSet="ALL")
    members = [org.create_account(AccountName=n, Email=f"{n}@example.com")["CreateAccountStatus"]["AccountId"]
               for n in ("payments", "sandbox")]
    for acct in members:  # one open security group in each member account
        m = boto3.Session(region_name="us-east-1", **as_account(acct))
        g = m.client("ec2").create_security_group(GroupName="ssh", Description="ssh")["GroupId"]
        m.client("ec2").authorize_security_group_ingress(GroupId=g, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    blocked = members[1]
    emulator.faults.append(Fault("AccessDenied", 403, when=lambda r: r.operation == "AssumeRole" and blocked in r.body))
    try:
        result = scan_aws(ScanOptions(), AwsOptions(
            regions=["us-east-1"], services=["ec2"], max_rps=0, max_attempts=2, org=True, org_role="Audit",
            role_arn=f"arn:aws:iam::{MANAGEMENT}:role/wasec-org"))
    finally:
        emulator.faults.clear()
    accounts = {f.account for f in result.findings if f.rule_id == "sg-admin-ports-open" and f.status is Status.FAIL}
    assert members[0] in accounts and blocked not in accounts
    assert sorted(result.coverage.accounts) == sorted([MANAGEMENT, *members])
    cell = result.coverage.cells[(blocked, "global", "sts")]
    assert cell.status == "not assessed" and "AccessDenied" in cell.reasons[0]
    assert any(blocked in p.file and "account not scanned" in p.message for p in result.problems)
    # the role named by --org-role was assumed in each member account
    assumed = [r.body for r in emulator.log if r.operation == "AssumeRole"]
    assert any(f"arn%3Aaws%3Aiam%3A%3A{members[0]}%3Arole%2FAudit" in b or f"{members[0]}:role/Audit" in b for b in assumed)


def test_cli_scan_aws_json_with_coverage(emulator: Any, worlds: Any, tmp_path: Path) -> None:
    out = tmp_path / "live.json"
    result = CliRunner().invoke(cli, ["scan", "aws", "--regions", "us-east-1", "--services", "s3,s3control",
                                      "--max-rps", "0", "--format", "json", "--output", str(out)])
    assert result.exit_code == 1, result.output  # the bad bucket fails
    doc = json.loads(out.read_text())
    assert doc["coverage"]["accounts"] == ["123456789012"]
    assert {c["service"] for c in doc["coverage"]["cells"]} >= {"s3", "s3control"}
    bad = [f for f in doc["findings"] if f["rule_id"] == "s3-bucket-policy-public" and "bad-bucket" in f["resource_id"]]
    assert bad and bad[0]["account"] == "123456789012" and bad[0]["arn"] == "arn:aws:s3:::bad-bucket"


def test_cli_scan_aws_text_sarif_junit(emulator: Any, worlds: Any, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", "aws", "--regions", "us-east-1", "--services", "guardduty,accessanalyzer",
                                      "--max-rps", "0", "--output-dir", str(tmp_path), "--format", "text,sarif,junit",
                                      "--show-unknown"])
    assert result.exit_code == 1, result.output
    text = (tmp_path / "wasec.txt").read_text()
    assert "Coverage" in text and "accessanalyzer" in text and "service not available" in text
    sarif = json.loads((tmp_path / "wasec.sarif").read_text())
    run = sarif["runs"][0]
    assert run["properties"]["coverage"]["summary"]["not assessed"] >= 1
    assert any("accessanalyzer" in n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"])
    assert any(r["ruleId"] == "guardduty-enabled" for r in run["results"])
    junit = (tmp_path / "wasec.xml").read_text()
    assert 'name="wasec.coverage"' in junit and "service not available" in junit


def test_cli_usage_errors(emulator: Any) -> None:
    r = CliRunner().invoke(cli, ["scan", "aws", "--regions", "mars-north-1"])
    assert r.exit_code == 2 and "unknown region" in r.output
    r = CliRunner().invoke(cli, ["scan", "aws", "--services", "nosuchservice"])
    assert r.exit_code == 2 and "unknown service" in r.output


def test_code_scan_is_still_the_default(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    r = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json"])
    doc = json.loads(r.output)
    assert r.exit_code == 1 and any(f["rule_id"] == "s3-bucket-versioning" for f in doc["findings"])
    # facts only a live account shows are UNKNOWN in code, never PASS
    live = [f for f in doc["findings"] if f["rule_id"] == "root-mfa"]
    assert [f["status"] for f in live] == ["UNKNOWN"] and "live account" in live[0]["message"]


def test_demo_finds_every_planted_misconfiguration_without_writing() -> None:
    from wasec.demo import run_demo

    run = run_demo()
    assert run.missed == [] and run.writes == []
    assert run.requests > 100 and len(run.seeded.planted) >= 30
    assert run.result.coverage.accounts == [run.seeded.account]
