"""The rule registry's mappings, Terraform plan JSON, the bundled examples, and the library API."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import scan_paths
from wasec.model.values import Unknown
from wasec.rules.catalog import best_practices, cis_controls, fsbp_controls
from wasec.rules.registry import AREAS, REGISTRY, Rule, load_builtin
from wasec.sources import collect

REPO = Path(__file__).resolve().parents[1]


def test_every_mapping_exists_in_the_catalog() -> None:
    registry = load_builtin()
    bps, cis, fsbp = best_practices(), cis_controls(), fsbp_controls()
    bad = []
    for r in registry:
        bad += [f"{r.id}: WA {x}" for x in r.wa if x not in bps]
        bad += [f"{r.id}: CIS {x}" for x in r.cis if x not in cis]
        bad += [f"{r.id}: FSBP {x}" for x in r.fsbp if x not in fsbp]
        if not r.wa:
            bad.append(f"{r.id}: no Well-Architected mapping")
        if not (r.why and r.fix and ((r.fix_terraform and r.fix_cloudformation) or r.fix_example)):
            bad.append(f"{r.id}: missing why, fix or remediation snippets")
    assert not bad, "\n".join(bad)


def test_rule_pack_spans_the_pillar() -> None:
    registry = load_builtin()
    assert len(registry) >= 60
    areas = Counter(r.area for r in registry)
    assert all(areas[a] > 0 for a in ("identity", "detection", "infrastructure", "data", "incident"))
    questions = {best_practices()[bp]["question"] for r in registry for bp in r.wa}
    assert {"SEC02", "SEC03", "SEC04", "SEC05", "SEC06", "SEC08", "SEC09", "SEC10"} <= questions


def test_registry_refuses_duplicates_and_unknown_areas() -> None:
    rule = next(iter(load_builtin()))
    with pytest.raises(ValueError, match="defined twice"):
        REGISTRY.add(rule)
    with pytest.raises(ValueError, match="unknown area"):
        REGISTRY.add(Rule(id="x-new", title="t", severity=rule.severity, types=(), check=rule.check, area="nope",
                          category="hygiene"))
    assert set(AREAS) >= {r.area for r in REGISTRY}


def test_plan_json_is_read_exactly() -> None:
    c = collect([str(REPO / "tests/data/plans")])
    res = {r.id: r for r in c.inventory}
    assert not c.problems
    bucket = res["aws_s3_bucket.logs"]
    assert bucket.origin.source == "terraform-plan"
    assert bucket.tags == {"DataClassification": "confidential"}
    assert bucket.properties["VersioningConfiguration"]["Status"] == "Suspended"  # merged by bucket name
    key = bucket.properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    assert isinstance(key, Unknown) and key.refs == ("aws_kms_key.data",)  # known after apply, reference kept
    assert "module.queue.aws_sqs_queue.this" in res
    assert res["aws_security_group.admin"].properties["SecurityGroupIngress"][0]["CidrIp"] == "0.0.0.0/0"
    # attributes the provider computes (not configured) take their defaults instead of being unknown
    assert not isinstance(bucket.properties.get("LoggingConfiguration"), Unknown)


def test_plan_findings_agree_with_the_rules() -> None:
    result = scan_paths(REPO / "tests/data/plans", root=REPO)
    got = {(f.rule_id, f.resource_id): f.status.value for f in result.findings}
    assert got[("sg-admin-ports-open", "aws_security_group.admin")] == "FAIL"
    assert got[("s3-bucket-sse-kms", "aws_s3_bucket.logs")] == "PASS"
    assert got[("kms-key-rotation", "aws_kms_key.data")] == "FAIL"
    assert got[("sqs-queue-encrypted", "module.queue.aws_sqs_queue.this")] == "FAIL"
    (f,) = [f for f in result.findings if f.rule_id == "sg-admin-ports-open"]
    assert f.file == "tests/data/plans/plan.json" and f.line and f.line > 1


def test_bundled_examples_show_a_realistic_mix(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    result = scan_paths(tmp_path / "examples", root=tmp_path)
    assert not result.errors
    failing = {(f.rule_id, f.resource_id) for f in result.findings if f.counts}
    for expected in [("rds-not-public", "aws_db_instance.ledger"), ("sg-admin-ports-open", "aws_security_group.bastion"),
                     ("iam-admin-policy-attached", "aws_iam_role.deployer"), ("sns-topic-policy-public", "AlertsTopic"),
                     ("lambda-environment-secrets", "OrdersFunction"), ("sg-admin-ports-open", "AppSecurityGroup")]:
        assert expected in failing, expected
    passing = {(f.rule_id, f.resource_id) for f in result.findings if f.status.value == "PASS"}
    for expected in [("s3-bucket-sse-kms", "module.ledger_bucket.aws_s3_bucket.this"), ("vpc-flow-logs", "Vpc"),
                     ("cloudtrail-multi-region", "aws_cloudtrail.org"), ("ec2-imdsv2-required", "aws_launch_template.app")]:
        assert expected in passing, expected
    suppressed = [f for f in result.findings if f.suppressed is not None]
    assert [(f.rule_id, f.suppressed.kind) for f in suppressed] == [("s3-bucket-acl-public", "exception")]
    expired = [f for f in result.findings if f.rule_id == "sg-database-ports-open" and f.notes]
    assert expired and "expired" in expired[0].notes[0]
    top = {f.resource_id for f in result.findings if f.risk == 25}
    assert {"aws_db_instance.ledger", "AlertsTopic"} <= top  # critical exposure (and restricted data)
    marketing = [f for f in result.findings if f.resource_id == "aws_s3_bucket.marketing" and f.rule_id == "s3-block-public-acls"]
    assert marketing[0].impact <= 2  # classified public: low impact


def test_library_api() -> None:
    import wasec

    result = wasec.scan(wasec.ScanOptions(paths=[str(REPO / "examples/cloudformation")], root=str(REPO)))
    assert result.failing() and all(f.file and f.file.startswith("examples/") for f in result.failing())


def test_rules_reference_is_up_to_date() -> None:
    from wasec.rules.docs import rules_markdown

    doc = (REPO / "docs" / "rules.md").read_text()
    assert doc == rules_markdown(), "docs/rules.md is stale: run python tools/gen_rules_doc.py"
    for r in load_builtin():
        assert f"### {r.id}\n" in doc and r.help_uri.endswith(f"docs/rules.md#{r.id}")
