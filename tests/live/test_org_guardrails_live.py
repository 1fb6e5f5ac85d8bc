"""`wasec org guardrails` against the emulator's Organizations API: a tree of OUs with SCPs at the root, on OUs
and on an account, FullAWSAccess replaced by an allow-list on one OU, read-only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
from click.testing import CliRunner

from tests.live.conftest import as_account
from wasec.cli.commands import cli
from wasec.foundations.guardrails import guardrails
from wasec.foundations.holds import decide
from wasec.foundations.orgtree import from_api
from wasec.sources.aws.api import Api, RateLimiter
from wasec.sources.aws.permissions import action

MANAGEMENT = "616161616161"
RAILS = {g.id: g for g in guardrails("BreakGlass", ["us-east-1", "eu-west-1"])}


def _policy(org: Any, name: str, doc: dict[str, Any]) -> str:
    return str(org.create_policy(Name=name, Description=name, Type="SERVICE_CONTROL_POLICY",
                                 Content=json.dumps(doc))["Policy"]["PolicySummary"]["Id"])


def _org() -> dict[str, str]:
    """Root (deny-leave, security services) → Workloads (the other five) → Prod → payments;
    Sandbox (FullAWSAccess replaced by ec2/s3 only) → lab; and one account directly under the root."""
    org = boto3.Session(region_name="us-east-1", **as_account(MANAGEMENT)).client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = {}
    for name in ("Workloads", "Sandbox"):
        ou[name] = org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
    ou["Prod"] = org.create_organizational_unit(ParentId=ou["Workloads"], Name="Prod")["OrganizationalUnit"]["Id"]
    ids = {}
    for name, parent in (("payments", ou["Prod"]), ("lab", ou["Sandbox"]), ("loose", root)):
        acct = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
        if parent != root:
            org.move_account(AccountId=acct, SourceParentId=root, DestinationParentId=parent)
        ids[name] = acct
    for gid in ("deny-leave-organization", "protect-security-services"):
        org.attach_policy(PolicyId=_policy(org, gid, RAILS[gid].policy()), TargetId=root)
    for gid in ("deny-root-user", "allowed-regions", "protect-s3-block-public-access", "require-imdsv2",
                "require-encrypted-volumes"):
        org.attach_policy(PolicyId=_policy(org, gid, RAILS[gid].policy()), TargetId=ou["Workloads"])
    allow_list = _policy(org, "ec2-and-s3-only", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ec2:*", "s3:*"], "Resource": "*"}]})
    org.attach_policy(PolicyId=allow_list, TargetId=ou["Sandbox"])
    org.detach_policy(PolicyId="p-FullAWSAccess", TargetId=ou["Sandbox"])
    return ids


def test_org_guardrails_decides_every_account_from_the_live_tree(emulator: Any, tmp_path: Path) -> None:
    ids = _org()
    session = boto3.Session(region_name="us-east-1", **as_account(MANAGEMENT))
    emulator.reset_log()
    tree = from_api(Api(session, MANAGEMENT, RateLimiter(0), emulated=True, max_attempts=2))
    made = emulator.log
    ops = {r.operation for r in made}
    assert "DescribePolicy" in ops and "ListAccountsForParent" in ops
    # `wasec permissions --command org-guardrails` grants exactly the calls made: lists and describes only
    p = CliRunner().invoke(cli, ["permissions", "--command", "org-guardrails", "-f", "text"])
    assert {action(r.service, r.operation) for r in made} == set(p.output.split())
    assert all(op.startswith(("List", "Describe")) for op in ops)
    m = decide(tree, list(RAILS.values()))
    cells = {(r.node.name, g): c for r in m.rows for g, c in r.cells.items()}
    assert {r.node.name for r in m.rows} == {"master", "payments", "lab", "loose"}
    # payments: root's two guardrails and Workloads' five, inherited through Prod
    assert all(cells[("payments", g)].status == "holds" for g in RAILS)
    # the management account is never bound by SCPs
    assert {cells[("master", g)].status for g in RAILS} == {"exempt"}
    # lab: the allow-list denies the security services and leaving (implicitly), but lets ec2 and s3 through
    assert cells[("lab", "protect-security-services")].status == "holds"
    for g in ("deny-root-user", "allowed-regions", "protect-s3-block-public-access", "require-imdsv2",
              "require-encrypted-volumes"):
        assert cells[("lab", g)].status == "leaks", g
    assert cells[("lab", "protect-s3-block-public-access")].leaks == ("s3:PutAccountPublicAccessBlock",)
    # loose: only the root's guardrails
    assert cells[("loose", "deny-leave-organization")].status == "holds"
    assert cells[("loose", "require-imdsv2")].status == "leaks"
    assert m.decisions == 3 * sum(len(g.protects) for g in RAILS.values())

    creds = as_account(MANAGEMENT)
    env = {"AWS_ACCESS_KEY_ID": creds["aws_access_key_id"], "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
           "AWS_SESSION_TOKEN": creds["aws_session_token"]}
    out = tmp_path / "matrix.json"
    r = CliRunner().invoke(cli, ["org", "guardrails", "-f", "json", "-o", str(out)], env=env)
    assert r.exit_code == 1, r.output
    report = json.loads(out.read_text())
    failing = {(f["account"], f["rule_id"]) for f in report["findings"]}
    assert (ids["lab"], "org-guardrail-require-imdsv2") in failing
    assert not any(acct == ids["payments"] for acct, _ in failing)
    r = CliRunner().invoke(cli, ["org", "guardrails"], env=env)
    assert "payments" in r.output and "✗" in r.output


def test_org_guardrails_without_scps_enabled_or_without_an_organization(emulator: Any) -> None:
    acct = "717171717171"
    org = boto3.Session(region_name="us-east-1", **as_account(acct)).client("organizations")
    creds = as_account(acct)
    env = {"AWS_ACCESS_KEY_ID": creds["aws_access_key_id"], "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
           "AWS_SESSION_TOKEN": creds["aws_session_token"]}
    r = CliRunner().invoke(cli, ["org", "guardrails"], env=env)
    assert r.exit_code == 2 and "needs the organization's tree" in r.output
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="member", Email="member@example.com")
    r = CliRunner().invoke(cli, ["org", "guardrails", "-f", "json"], env=env)
    assert r.exit_code == 1
    report = json.loads(r.output)
    assert report["scps_enabled"] is False
    member = next(row for row in report["rows"] if row["name"] == "member")
    assert {c["status"] for c in member["cells"].values()} == {"leaks"}
    assert "not enabled" in member["cells"]["deny-root-user"]["reason"]
