"""Risk scoring against hand-computed cases, the configuration, the matrix and the --fail-on-risk gate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wasec.errors import ConfigError
from wasec.findings.risk import RiskModel, score
from wasec.model.finding import Severity, Status
from wasec.model.resource import Origin, Resource
from wasec.model.values import Unknown
from wasec.rules.registry import Rule


def rule(severity: str, category: str) -> Rule:
    return Rule("r", "t", Severity.parse(severity), ("T",), lambda r: None, "data", category)


def res(type_: str = "AWS::RDS::DBInstance", props: dict[str, Any] | None = None, tags: dict[str, str] | None = None,
        rid: str = "aws_db_instance.orders", account: str | None = None) -> Resource:
    return Resource(type_, rid, props or {}, Origin("terraform", "m"), account=account, tags=tags or {})


CASES = [
    # (severity, category, resource, expected impact, expected likelihood)  — likelihood by category: see LIKELIHOOD
    ("high", "network", res(), 4, 4),
    ("low", "encryption", res(tags={"DataClassification": "restricted"}), 4, 2),  # 2 + 2
    ("medium", "encryption", res(tags={"DataClassification": "confidential"}), 4, 2),  # 3 + 1
    ("critical", "exposure", res(tags={"DataClassification": "restricted"}), 5, 5),  # capped at 5
    ("high", "encryption", res(tags={"DataClassification": "public"}), 2, 2),  # public data: at most 2
    ("high", "encryption", res(tags={"DataClassification": "internal"}), 4, 2),  # internal: no change
    ("high", "encryption", res(props={"PubliclyAccessible": True}), 4, 5),  # reachable: likely
    ("medium", "logging", res(props={"PubliclyAccessible": True}), 3, 2),  # a missing log is not easier to use
    ("high", "network", res("AWS::EC2::SecurityGroup", {"SecurityGroupIngress": [{"CidrIp": "0.0.0.0/0"}]}), 4, 5),
    ("high", "network", res("AWS::EC2::SecurityGroup", {"SecurityGroupIngress": [{"CidrIp": "10.0.0.0/8"}]}), 4, 4),
    ("high", "network", res("AWS::EC2::SecurityGroup", {"SecurityGroupIngress": [{"CidrIp": Unknown("var.cidr")}]}), 4, 4),
    ("medium", "hardening", res("AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internet-facing"}), 3, 5),
    ("medium", "access", res("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}}]}}, account="111122223333"), 3, 4),
    ("medium", "access", res("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}}]}}), 3, 5),
    ("medium", "access", res("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}]}}, account="111122223333"), 3, 4),
    ("low", "hygiene", res(), 2, 1),
]


@pytest.mark.parametrize(("sev", "cat", "r", "impact", "likelihood"), CASES)
def test_hand_computed(sev: str, cat: str, r: Resource, impact: int, likelihood: int) -> None:
    i, li, why = score(rule(sev, cat), r, Status.FAIL)
    assert (i, li) == (impact, likelihood), why
    assert why[0] == f"{sev} severity"


def test_a_pass_has_no_risk() -> None:
    assert score(rule("critical", "exposure"), res(), Status.PASS) == (0, 0, ())


def test_configured_classification_by_name_type_and_tag() -> None:
    model = RiskModel.from_config({"classification": [
        {"name": "*payments*", "level": "restricted"},
        {"type": "AWS::S3::*", "level": "confidential"},
        {"tag": "team=ledger", "level": 5},
    ]})
    low = rule("low", "encryption")
    assert score(low, res(rid="aws_db_instance.payments_db"), Status.FAIL, model)[0] == 4
    assert score(low, res("AWS::S3::Bucket", rid="aws_s3_bucket.logs"), Status.FAIL, model)[0] == 3
    assert score(low, res(tags={"team": "ledger"}), Status.FAIL, model)[0] == 4
    assert score(low, res(), Status.FAIL, model)[0] == 2
    # the resource's own tag wins over the configuration
    tagged = res(rid="aws_db_instance.payments", tags={"DataClassification": "public"})
    i, _, why = score(rule("high", "encryption"), tagged, Status.FAIL, model)
    assert i == 2 and "data classified public (tag DataClassification)" in why


@pytest.mark.parametrize("raw", [{"high": 10, "medium": 12}, {"high": 30}, "yes", {"classification": [{"level": "ultra", "name": "x"}]},
                                 {"classification": [{"level": "public"}]}])
def test_bad_configuration_is_refused(raw: Any) -> None:
    with pytest.raises(ConfigError):
        RiskModel.from_config(raw)


def test_thresholds_move_the_bands() -> None:
    assert RiskModel().band(15) == "high" and RiskModel().band(14) == "medium" and RiskModel().band(7) == "low"
    m = RiskModel.from_config({"high": 20, "medium": 10})
    assert (m.band(16), m.band(20), m.band(9)) == ("medium", "high", "low")


SG = 'resource "aws_security_group" "s" {\n  ingress {\n    from_port = 22\n    to_port = 22\n    protocol = "tcp"\n' \
     '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'


def wasec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_risk_command_and_fail_on_risk(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(SG)
    doc = json.loads(wasec("risk", ".", "-f", "json", cwd=tmp_path).stdout)
    scan = json.loads(wasec("scan", ".", "-f", "json", cwd=tmp_path).stdout)
    failing = [f for f in scan["findings"] if f["status"] == "FAIL" and f["suppressed"] is None]
    assert sum(map(sum, doc["matrix"])) == len(failing) == sum(doc["bands"].values())
    for f in failing:
        assert doc["matrix"][f["likelihood"] - 1][f["impact"] - 1] >= 1
    top = doc["top"][0]
    assert top["risk"] == max(f["risk"] for f in failing) and "reachable from 0.0.0.0/0" in top["why"]
    worst = top["risk"]
    assert wasec("scan", ".", "-q", "--fail-on-risk", str(worst), cwd=tmp_path).returncode == 1
    assert wasec("scan", ".", "-q", "--fail-on-risk", str(worst + 1), cwd=tmp_path).returncode == 0
    assert wasec("risk", ".", "--fail-on-risk", str(worst + 1), cwd=tmp_path).returncode == 0
    text = wasec("risk", ".", cwd=tmp_path).stdout
    assert "Risk matrix" in text and "Top" in text
    (tmp_path / ".wasec").mkdir()
    (tmp_path / ".wasec" / "config.yml").write_text("risk: {high: 26}\n")
    r = wasec("risk", ".", cwd=tmp_path)
    assert r.returncode == 2 and "risk thresholds" in r.stderr
