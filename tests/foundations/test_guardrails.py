"""The guardrail SCPs are valid, fit Organizations' size limit, and deny what they protect (judged by the IAM
evaluator with an administrator's identity policy and FullAWSAccess beside them), except to the break-glass role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wasec.foundations.guardrails import SCP_MAX_CHARS, Guardrail, guardrails
from wasec.iam.catalog import catalog
from wasec.iam.evaluate import Request, evaluate
from wasec.iam.policy import parse
from wasec.iam.validate import validate

ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
ADMIN = parse({"Version": "2012-10-17", "Statement": [ALLOW_ALL]}, "admin")
RAILS = guardrails("BreakGlass", ["us-east-1", "eu-west-1"])


def _decide(g: Guardrail, principal: str, action: str, resource: str, context: dict[str, str]) -> str:
    req = Request(action, resource, principal, {"aws:requestedregion": "us-east-1", **{k.lower(): v for k, v in context.items()}})
    # the guardrail attached beside FullAWSAccess at one level of the organization
    level = parse({"Version": "2012-10-17", "Statement": [ALLOW_ALL, *g.statements]}, f"FullAWSAccess+{g.id}")
    return evaluate(req, [ADMIN], scps=[level]).effect


@pytest.mark.parametrize("g", RAILS, ids=lambda g: g.id)
def test_each_policy_is_a_valid_scp_within_the_size_limit(g: Guardrail) -> None:
    issues = [i for i in validate(parse(g.policy(), g.id), "scp") if i.severity == "error"]
    assert not issues, issues
    assert len(g.text()) <= SCP_MAX_CHARS
    cat = catalog()
    for s in g.statements:
        for action in [s.get("Action"), s.get("NotAction")]:
            for a in [action] if isinstance(action, str) else action or []:
                assert a == "*" or cat.expand(a), f"{g.id}: {a} is no IAM action"


@pytest.mark.parametrize("g", RAILS, ids=lambda g: g.id)
def test_each_guardrail_denies_what_it_protects_but_not_to_break_glass(g: Guardrail) -> None:
    admin = "arn:aws:iam::111122223333:role/Admin"
    glass = "arn:aws:iam::111122223333:role/BreakGlass"
    assert g.protects
    for p in g.protects:
        ctx = {k: v[0] for k, v in p.context.items() if not k.startswith("aws:principal")}
        who = p.principal or admin
        assert _decide(g, who, p.action, p.resource, ctx) == "ExplicitDeny", (g.id, p)
        if who == admin:
            assert _decide(g, glass, p.action, p.resource, ctx) == "Allow", (g.id, p)


def test_guardrails_leave_ordinary_work_alone() -> None:
    admin = "arn:aws:iam::111122223333:role/Admin"
    ok = [("s3:GetObject", "*", {}), ("cloudtrail:LookupEvents", "*", {}), ("guardduty:GetFindings", "*", {}),
          ("ec2:RunInstances", "arn:aws:ec2:us-east-1:111122223333:instance/*", {"ec2:MetadataHttpTokens": "required"}),
          ("ec2:CreateVolume", "*", {"ec2:Encrypted": "true"}),
          ("iam:CreateRole", "*", {"aws:RequestedRegion": "ap-southeast-2"}),  # a global service from anywhere
          ("s3:GetObject", "*", {"ec2:RoleDelivery": "2.0"})]
    for action, resource, ctx in ok:
        for g in RAILS:
            assert _decide(g, admin, action, resource, ctx) == "Allow", (g.id, action, ctx)


def test_regions_and_role_are_parameters() -> None:
    (region,) = [g for g in guardrails("SecOps-Emergency", ["eu-central-1"]) if g.id == "allowed-regions"]
    st = region.statements[0]
    assert st["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == ["eu-central-1"]
    assert st["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == "arn:aws:iam::*:role/SecOps-Emergency"
    assert _decide(region, "arn:aws:iam::1:role/x", "ec2:RunInstances", "*", {"aws:RequestedRegion": "us-east-1"}) \
        == "ExplicitDeny"


def test_init_guardrails_writes_json_terraform_and_cloudformation(tmp_path: Path) -> None:
    from wasec.cli.commands import cli
    from wasec.sources.cloudformation import load_template
    from wasec.sources.terraform import TerraformOptions, load_directories

    runner = CliRunner()
    r = runner.invoke(cli, ["init", "guardrails", str(tmp_path / "json")])
    assert r.exit_code == 0, r.output
    files = sorted((tmp_path / "json").glob("*.json"))
    assert [f.stem for f in files] == sorted(g.id for g in RAILS)
    assert json.loads(files[0].read_text())["Statement"]

    assert runner.invoke(cli, ["init", "guardrails", str(tmp_path / "cfn"), "-f", "cloudformation"]).exit_code == 0
    resources, problems = load_template(str(tmp_path / "cfn" / "guardrails.json"))
    assert not problems
    assert sorted(r.properties["Name"] for r in resources) == sorted(g.id for g in RAILS)
    assert all(r.type == "AWS::Organizations::Policy" and r.properties["Content"]["Statement"] for r in resources)

    assert runner.invoke(cli, ["init", "guardrails", str(tmp_path / "tf"), "-f", "terraform"]).exit_code == 0
    _, tf_problems = load_directories({str(tmp_path / "tf"): [str(tmp_path / "tf" / "guardrails.tf")]}, TerraformOptions())
    assert not tf_problems
    text = (tmp_path / "tf" / "guardrails.tf").read_text()
    assert text.count('resource "aws_organizations_policy"') == len(RAILS)


@pytest.mark.parametrize("args", [["--regions", "mars-1"], ["--regions", ""], ["--break-glass-role", "no spaces"]])
def test_bad_parameters_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    from wasec.cli.commands import cli

    r = CliRunner().invoke(cli, ["init", "guardrails", str(tmp_path), *args])
    assert r.exit_code == 2 and not list(tmp_path.glob("*.json"))
