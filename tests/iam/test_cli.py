"""``wasec iam analyze`` and ``wasec iam explain`` on real files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from wasec.cli.commands import cli


def _write(tmp_path: Path, name: str, doc: object) -> str:
    p = tmp_path / name
    p.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return str(p)


ESCALATES = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Deploy", "Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
     "Resource": "*"}]}
SCOPED = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/*"},
    {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/secret/*"}]}


def test_analyze_names_the_method_and_the_actions(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["iam", "analyze", _write(tmp_path, "deploy.json", ESCALATES)])
    assert r.exit_code == 1, r.output
    assert "privilege-escalation:PassRoleToLambda" in r.output
    assert "iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction" in r.output
    assert "Statement[0] (Deploy)" in r.output


def test_analyze_json_and_exit_zero_when_clean(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["iam", "analyze", "--format", "json", _write(tmp_path, "scoped.json", SCOPED)])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc[0]["kind"] == "identity" and doc[0]["findings"] == []


def test_analyze_reads_stdin_and_aws_cli_output(tmp_path: Path) -> None:
    wrapped = {"PolicyVersion": {"Document": ESCALATES, "VersionId": "v1", "IsDefaultVersion": True}}
    r = CliRunner().invoke(cli, ["iam", "analyze", "-"], input=json.dumps(wrapped))
    assert r.exit_code == 1 and "PassRoleToLambda" in r.output


def test_analyze_resource_policy_with_trusted_accounts(tmp_path: Path) -> None:
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/*"}]}
    path = _write(tmp_path, "bucket.json", policy)
    r = CliRunner().invoke(cli, ["iam", "analyze", path, "--account", "111122223333"])
    assert r.exit_code == 1 and "cross-account" in r.output
    r = CliRunner().invoke(cli, ["iam", "analyze", path, "--account", "111122223333",
                                 "--trusted-account", "444455556666"])
    assert r.exit_code == 0, r.output


def test_bad_input_is_named_and_the_rest_goes_on(tmp_path: Path) -> None:
    bad = _write(tmp_path, "broken.json", '{"Statement": [')
    notpolicy = _write(tmp_path, "list.json", [1, 2])
    good = _write(tmp_path, "deploy.json", ESCALATES)
    binary = tmp_path / "policy.bin.json"
    binary.write_bytes(b'{"Version": "\xff\xfe"}')
    r = CliRunner().invoke(cli, ["iam", "analyze", bad, notpolicy, str(binary), good])
    assert r.exit_code == 2
    assert "policy.bin.json: not UTF-8 text (byte 13)" in r.output
    assert "broken.json: malformed JSON at line 1" in r.output
    assert "list.json" in r.output and "JSON object" in r.output
    assert "PassRoleToLambda" in r.output  # the good file was still analyzed


def test_validation_issues_are_printed(tmp_path: Path) -> None:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}
    r = CliRunner().invoke(cli, ["iam", "analyze", "--fail-on", "low", _write(tmp_path, "typo.json", doc)])
    assert r.exit_code == 1 and "'s3:GetObjekt' matches no s3 action" in r.output


def test_explain_prints_the_deciding_statement(tmp_path: Path) -> None:
    path = _write(tmp_path, "scoped.json", SCOPED)
    r = CliRunner().invoke(cli, ["iam", "explain", path, "-a", "s3:GetObject", "-r", "arn:aws:s3:::reports/q3.csv"])
    assert r.exit_code == 0 and r.output.startswith("Allow") and "Statement[0] (Read)" in r.output
    r = CliRunner().invoke(cli, ["iam", "explain", path, "-a", "s3:GetObject", "-r", "arn:aws:s3:::reports/secret/k"])
    assert r.exit_code == 1 and r.output.startswith("ExplicitDeny") and "(NoSecrets)" in r.output
    r = CliRunner().invoke(cli, ["iam", "explain", path, "-a", "s3:PutObject", "-r", "arn:aws:s3:::reports/k"])
    assert r.exit_code == 1 and r.output.startswith("ImplicitDeny")


def test_explain_with_context_boundary_and_scp(tmp_path: Path) -> None:
    admin = _write(tmp_path, "admin.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    scp = _write(tmp_path, "scp.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "EuOnly", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}]})
    boundary = _write(tmp_path, "boundary.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]})
    base = ["iam", "explain", admin, "-a", "ec2:RunInstances", "--scp", scp, "--boundary", boundary]
    r = CliRunner().invoke(cli, [*base, "-c", "aws:RequestedRegion=us-east-1"])
    assert r.exit_code == 1 and "(EuOnly)" in r.output
    r = CliRunner().invoke(cli, [*base, "-c", "aws:RequestedRegion=eu-west-1"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["iam", "explain", admin, "-a", "s3:GetObject", "--boundary", boundary])
    assert r.exit_code == 1 and "permissions boundary" in r.output


def test_analyze_explain_and_the_scan_rule_agree(tmp_path: Path) -> None:
    """One engine: a grant the condition can never reach is absent from analyze, denied by explain and passed by the
    scan rule; a grant it can reach is named by all three, with the statement and the condition that decided."""
    from wasec.model.finding import Status
    from wasec.scanning import ScanOptions, scan

    lake = {"Version": "2012-10-17", "Statement": [{"Sid": "Lake", "Effect": "Allow", "Action": "glue:*",
            "Resource": "*", "Condition": {"StringEquals": {"glue:LakeFormationPermissions": "Enabled"}}}]}
    passed = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
         "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
        {"Sid": "Fn", "Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]}
    for name, doc, escalates in (("lake", lake, False), ("passed", passed, True)):
        path = _write(tmp_path, f"{name}.json", doc)
        r = CliRunner().invoke(cli, ["iam", "analyze", path])
        assert ("privilege-escalation" in r.output) is escalates, r.output
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(
            'resource "aws_iam_policy" "p" {\n  name   = "p"\n  policy = <<EOT\n' + json.dumps(doc) + '\nEOT\n}\n')
        found = [f for f in scan(ScanOptions(paths=[str(tmp_path / name)], rules=["iam-policy-privilege-escalation"],
                                             secrets=False)).findings]
        assert [f.status for f in found] == [Status.FAIL if escalates else Status.PASS]
        if escalates:
            assert "when StringEquals iam:PassedToService = lambda.amazonaws.com" in r.output
            assert "when StringEquals iam:PassedToService = lambda.amazonaws.com" in found[0].message
    r = CliRunner().invoke(cli, ["iam", "explain", str(tmp_path / "lake.json"), "-a", "glue:UpdateDevEndpoint",
                                 "-r", "*"])
    assert r.exit_code == 1 and r.output.startswith("ImplicitDeny"), r.output


def test_validate_names_access_analyzers_checks_and_exits_by_type(tmp_path: Path) -> None:
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:us-east-1::reports"}]}
    path = _write(tmp_path, "p.json", doc)
    r = CliRunner().invoke(cli, ["iam", "validate", path, "-f", "json"])
    assert r.exit_code == 1, r.output
    found = {(f["type"], f["check"]) for f in json.loads(r.output)[0]["findings"]}
    assert {("error", "arn-region-not-allowed"), ("security", "pass-role-with-star-in-resource")} <= found
    clean = _write(tmp_path, "clean.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]})
    assert CliRunner().invoke(cli, ["iam", "validate", clean]).exit_code == 0
    # a security warning fails only when asked
    r = CliRunner().invoke(cli, ["iam", "validate", _write(tmp_path, "pass.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]})])
    assert r.exit_code == 0 and "SECURITY" in r.output
    r = CliRunner().invoke(cli, ["iam", "validate", str(tmp_path / "pass.json"), "--fail-on", "security"])
    assert r.exit_code == 1
