"""`wasec org guardrails` on code: the organization tree and SCPs declared in Terraform and CloudFormation,
decided with the IAM evaluator (inheritance along the OU path, conditions and NotAction honoured)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from wasec.cli.commands import cli
from wasec.foundations.guardrails import guardrails
from wasec.foundations.holds import decide, findings
from wasec.foundations.orgtree import from_resources
from wasec.sources import collect

ORG_TF = """
resource "aws_organizations_organization" "org" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}
resource "aws_organizations_organizational_unit" "workloads" {
  name      = "Workloads"
  parent_id = aws_organizations_organization.org.roots[0].id
}
resource "aws_organizations_organizational_unit" "sandbox" {
  name      = "Sandbox"
  parent_id = aws_organizations_organization.org.roots[0].id
}
resource "aws_organizations_organizational_unit" "prod" {
  name      = "Prod"
  parent_id = aws_organizations_organizational_unit.workloads.id
}
resource "aws_organizations_account" "payments" {
  name      = "payments"
  email     = "payments@example.com"
  parent_id = aws_organizations_organizational_unit.prod.id
}
"""

ATTACH_ALL_AT_ROOT = """
locals {
  rails = {
    leave    = aws_organizations_policy.deny_leave_organization.id
    security = aws_organizations_policy.protect_security_services.id
    root     = aws_organizations_policy.deny_root_user.id
    regions  = aws_organizations_policy.allowed_regions.id
    s3       = aws_organizations_policy.protect_s3_block_public_access.id
    imds     = aws_organizations_policy.require_imdsv2.id
    ebs      = aws_organizations_policy.require_encrypted_volumes.id
  }
}
resource "aws_organizations_policy_attachment" "rails" {
  for_each  = local.rails
  policy_id = each.value
  target_id = aws_organizations_organization.org.roots[0].id
}
"""


def _matrix(path: Path, **kw: object) -> object:
    got = collect([str(path)])
    assert not [p for p in got.problems if p.kind == "error"], got.problems
    return decide(from_resources(got.inventory), guardrails("BreakGlass", ["us-east-1", "eu-west-1"]), **kw)


def _cells(m: object) -> dict[tuple[str, str], object]:
    return {(" / ".join(r.path), g): c for r in m.rows for g, c in r.cells.items()}  # type: ignore[attr-defined]


def test_the_written_guardrails_attached_at_the_root_hold_for_every_ou_and_account(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["init", "guardrails", str(tmp_path), "-f", "terraform"]).exit_code == 0
    (tmp_path / "org.tf").write_text(ORG_TF + ATTACH_ALL_AT_ROOT)
    m = _matrix(tmp_path)
    rows = {" / ".join(r.path) for r in m.rows}  # type: ignore[attr-defined]
    assert rows == {"Root", "Root / Workloads", "Root / Sandbox", "Root / Workloads / Prod",
                    "Root / Workloads / Prod / payments"}
    assert {c.status for c in _cells(m).values()} == {"holds"}
    assert m.decisions == 5 * sum(len(g.protects) for g in guardrails())  # type: ignore[attr-defined]
    r = CliRunner().invoke(cli, ["org", "guardrails", str(tmp_path), "-f", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["summary"]["leaking"] == 0 and out["findings"] == []


def test_a_guardrail_attached_to_one_ou_holds_only_below_it(tmp_path: Path) -> None:
    (tmp_path / "org.tf").write_text(ORG_TF + """
resource "aws_organizations_policy" "no_leave" {
  name    = "deny-leave"
  content = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Deny", Action = "organizations:LeaveOrganization", Resource = "*" }] })
}
resource "aws_organizations_policy_attachment" "no_leave" {
  policy_id = aws_organizations_policy.no_leave.id
  target_id = aws_organizations_organization.org.roots[0].id
}
resource "aws_organizations_policy" "trail" {
  name    = "protect-trail"
  content = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Action = ["cloudtrail:*"],
    Resource = "*", Condition = { ArnNotLike = { "aws:PrincipalArn" = "arn:aws:iam::*:role/BreakGlass" } } }] })
}
resource "aws_organizations_policy_attachment" "trail" {
  policy_id = aws_organizations_policy.trail.id
  target_id = aws_organizations_organizational_unit.workloads.id
}
""")
    cells = _cells(_matrix(tmp_path))
    assert all(cells[(row, "deny-leave-organization")].status == "holds" for row, _ in cells)
    prod = cells[("Root / Workloads / Prod / payments", "protect-security-services")]
    assert prod.status == "leaks"
    assert not any(x.startswith("cloudtrail:") for x in prod.leaks)  # inherited from Workloads
    assert "guardduty:DeleteDetector" in prod.leaks and "protect-trail" in prod.denied_by
    sandbox = cells[("Root / Sandbox", "protect-security-services")]
    assert "cloudtrail:StopLogging" in sandbox.leaks
    r = CliRunner().invoke(cli, ["org", "guardrails", str(tmp_path), "-f", "json"])
    assert r.exit_code == 1
    out = json.loads(r.output)
    f = next(f for f in out["findings"] if f["resource_id"] == "aws_organizations_account.payments"
             and f["rule_id"] == "org-guardrail-protect-security-services")
    assert f["status"] == "FAIL" and "SEC04-BP01" in f["wa"] and f["file"].endswith("org.tf")
    assert f["line"] == ORG_TF.splitlines().index('resource "aws_organizations_account" "payments" {') + 1


CFN = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Prod": {"Type": "AWS::Organizations::OrganizationalUnit", "Properties": {"Name": "Prod", "ParentId": "r-ab12"}},
        "Regions": {"Type": "AWS::Organizations::Policy", "Properties": {
            "Name": "regions", "Type": "SERVICE_CONTROL_POLICY", "TargetIds": [{"Ref": "Prod"}],
            "Content": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*"], "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}]}}},
        # reads like a root-user guardrail, but the exemption covers every role: an administrator walks through
        "Leave": {"Type": "AWS::Organizations::Policy", "Properties": {
            "Name": "leave", "TargetIds": ["r-ab12"], "Content": json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*",
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}}]})}},
    },
}


def test_cloudformation_conditions_and_not_action_are_honoured(tmp_path: Path) -> None:
    (tmp_path / "org.json").write_text(json.dumps(CFN))
    cells = _cells(_matrix(tmp_path))
    assert cells[("Root / Prod", "allowed-regions")].status == "holds"  # NotAction + region condition
    assert cells[("Root", "allowed-regions")].status == "leaks"  # attached below the root only
    leave = cells[("Root / Prod", "deny-leave-organization")]
    assert leave.status == "leaks" and leave.leaks == ("organizations:LeaveOrganization",)
    # a guardrail whose exemption is the administrator's own name does not hold for it
    m = _matrix(tmp_path, admin_role="BreakGlass")
    assert _cells(m)[("Root / Prod", "allowed-regions")].status == "holds"


def test_unreadable_policy_is_named_and_never_a_pass(tmp_path: Path) -> None:
    (tmp_path / "org.tf").write_text(ORG_TF + """
resource "aws_organizations_policy" "broken" {
  name    = "broken"
  content = "{not json"
}
resource "aws_organizations_policy_attachment" "broken" {
  policy_id = aws_organizations_policy.broken.id
  target_id = aws_organizations_organizational_unit.sandbox.id
}
""")
    m = _matrix(tmp_path)
    cells = _cells(m)
    assert cells[("Root / Sandbox", "deny-leave-organization")].status == "unknown"
    assert cells[("Root / Workloads", "deny-leave-organization")].status == "leaks"
    assert any("broken" in str(p) for p in m.tree.problems)  # type: ignore[attr-defined]
    assert all(f.status.value == "FAIL" for f, _ in findings(m))  # type: ignore[arg-type]


def test_cli_usage_and_empty_input(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    r = CliRunner().invoke(cli, ["org", "guardrails", str(tmp_path)])
    assert r.exit_code == 2 and "no AWS Organizations resources" in r.output
    r = CliRunner().invoke(cli, ["org", "guardrails", str(tmp_path), "--admin-role", "BreakGlass"])
    assert r.exit_code == 2 and "must differ" in r.output
    (tmp_path / "org.tf").write_text(ORG_TF)
    r = CliRunner().invoke(cli, ["org", "guardrails", str(tmp_path), "-f", "html", "-o", str(tmp_path / "m.html")])
    assert r.exit_code == 1
    page = (tmp_path / "m.html").read_text()
    assert page.startswith("<!doctype html>") and "Root / Workloads / Prod / payments" in page and "✗" in page


def _root_rule(tmp: Path, principal_type: str) -> object:
    (tmp / "org.tf").write_text(ORG_TF + f"""
resource "aws_organizations_policy" "root" {{
  name    = "deny-root"
  content = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Deny", Action = "*", Resource = "*",
    Condition = {{ StringEquals = {{ "aws:PrincipalType" = "{principal_type}" }} }} }}] }})
}}
resource "aws_organizations_policy_attachment" "root" {{
  policy_id = aws_organizations_policy.root.id
  target_id = aws_organizations_organization.org.roots[0].id
}}
""")
    return _cells(_matrix(tmp))[("Root / Workloads / Prod / payments", "deny-root-user")]


def test_principal_type_is_what_aws_sets_for_the_root_user(tmp_path: Path) -> None:
    # AWS sets aws:PrincipalType to "Account" for the root user; "Root" is a common mistake that denies nothing
    assert _root_rule(tmp_path, "Account").status == "holds"  # type: ignore[attr-defined]
    assert _root_rule(tmp_path, "Root").status == "leaks"  # type: ignore[attr-defined]


def test_content_known_only_at_apply_and_unnamed_targets_are_undecided_rows(tmp_path: Path) -> None:
    (tmp_path / "org.tf").write_text(ORG_TF + """
variable "statements" { type = list(any) }
variable "target" { type = string }
resource "aws_organizations_policy" "from_inputs" {
  name    = "from-inputs"
  content = jsonencode({ Version = "2012-10-17", Statement = var.statements })
}
resource "aws_organizations_policy_attachment" "from_inputs" {
  policy_id = aws_organizations_policy.from_inputs.id
  target_id = var.target
}
""")
    m = _matrix(tmp_path)
    row = next(r for r in m.rows if "not named in this code" in r.node.name)  # type: ignore[attr-defined]
    assert {c.status for c in row.cells.values()} == {"unknown"}
    assert any("known only after deployment" in str(p) for p in m.tree.problems)  # type: ignore[attr-defined]
    r = CliRunner().invoke(cli, ["org", "guardrails", str(tmp_path), "-f", "json"])
    assert r.exit_code == 1  # the declared OUs leak; the unnamed target stays undecided, never a pass


def test_a_policy_aws_would_refuse_is_named_and_leaves_its_rows_undecided(tmp_path: Path) -> None:
    (tmp_path / "org.tf").write_text(ORG_TF + """
resource "aws_organizations_policy" "typo" {
  name    = "typo"
  content = "{\\"Version\\": \\"2012-10-17\\", \\"Statement\\": [{\\"Effect\\": \\"Deny\\""
}
resource "aws_organizations_policy" "flat" {
  name    = "flat"
  content = jsonencode({ Version = "2012-10-17", Statement = "Deny everything" })
}
resource "aws_organizations_policy_attachment" "typo" {
  policy_id = aws_organizations_policy.typo.id
  target_id = aws_organizations_organizational_unit.sandbox.id
}
resource "aws_organizations_policy_attachment" "flat" {
  policy_id = aws_organizations_policy.flat.id
  target_id = aws_organizations_organizational_unit.prod.id
}
""")
    m = _matrix(tmp_path)
    problems = sorted(str(p) for p in m.tree.problems)  # type: ignore[attr-defined]
    assert any("flat cannot be read: AWS refuses it: Statement: a statement must be an object" in p for p in problems)
    assert any("typo cannot be read: document is not valid JSON" in p for p in problems)
    by_name = {r.node.name: {c.status for c in r.cells.values()} for r in m.rows}  # type: ignore[attr-defined]
    assert by_name["Sandbox"] == by_name["Prod"] == by_name["payments"] == {"unknown"}
    # one line per row whose columns share a reason, not one per guardrail
    r = CliRunner().invoke(cli, ["org", "guardrails", str(tmp_path)], terminal_width=200)
    assert r.exit_code == 1, r.output
    lines = [line for line in r.output.splitlines() if line.startswith("? ")]
    assert sum("Sandbox" in line and "all 7 columns" in line for line in lines) == 1, r.output
    assert len(lines) == 3, r.output


def test_what_init_guardrails_writes_as_json_is_checked_where_it_would_be_attached(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wasec.cli.commands import cli

    out = tmp_path / "scps"
    r = CliRunner().invoke(cli, ["init", "guardrails", str(out), "-f", "json"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["org", "guardrails", str(out), "-f", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["rows"] and all(c["status"] == "holds" for row in doc["rows"] for c in row["cells"].values())
    # without the root-user policy that guardrail no longer holds, and the exit code says so
    (out / "deny-root-user.json").unlink()
    r = CliRunner().invoke(cli, ["org", "guardrails", str(out), "--attach-to", "Workloads", "-f", "json"])
    assert r.exit_code == 1, r.output
    rows = {row["name"]: row for row in json.loads(r.output)["rows"]}
    assert rows["Workloads"]["cells"]["deny-root-user"]["status"] != "holds"
    assert rows["Workloads"]["cells"]["deny-leave-organization"]["status"] == "holds"
