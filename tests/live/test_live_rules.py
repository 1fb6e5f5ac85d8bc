"""Every rule that can see a live account fails on a bad resource and passes on a good one."""

from __future__ import annotations

from typing import Any

import pytest

from wasec.model.finding import Status
from wasec.rules.registry import load_builtin
from wasec.sources.aws.spec import load_collectors

# What the emulator cannot express, with the reason; each is a case the real API would give.
EMULATOR_GAPS: dict[tuple[str, str], str] = {
    ("root-access-keys", "bad"): "root access keys cannot be created through an API",
    ("root-hardware-mfa", "bad"): "root MFA devices cannot be registered through an API",
    ("root-not-used", "bad"): "nobody can sign in as the emulated root user",
    ("root-mfa", "good"): "root MFA devices cannot be registered through an API",
    ("root-hardware-mfa", "good"): "root MFA devices cannot be registered through an API",
    ("access-analyzer-enabled", "bad"): "the emulator has no IAM Access Analyzer",
    ("access-analyzer-enabled", "good"): "the emulator has no IAM Access Analyzer",
    ("rds-performance-insights-kms-cmk", "bad"): "the emulator ignores EnablePerformanceInsights",
    ("securityhub-default-standards", "good"): "the emulator does not answer GetEnabledStandards",
    ("securityhub-default-standards", "bad"): "the emulator does not answer GetEnabledStandards (and the main "
                                              "account keeps Security Hub off for securityhub-enabled)",
    ("s3-bucket-mfa-delete", "good"): "the emulator ignores MFADelete",
    ("iam-server-certificate-expired", "good"): "the emulator dates every server certificate in 2012",
    ("ec2-ssm-managed", "good"): "the emulator has no Systems Manager DescribeInstanceInformation",
    ("ec2-ssm-managed", "bad"): "the emulator has no Systems Manager DescribeInstanceInformation",
    ("elb-waf", "good"): "the emulator has no wafv2 ListResourcesForWebACL",
    ("elb-waf", "bad"): "the emulator has no wafv2 ListResourcesForWebACL",
    ("apigateway-waf", "good"): "the emulator has no wafv2 ListResourcesForWebACL",
    ("apigateway-waf", "bad"): "the emulator has no wafv2 ListResourcesForWebACL",
    ("neptune-iam-authentication", "good"): "the emulator refuses IAM authentication on Neptune clusters",
    ("redshift-automated-snapshots", "bad"): "the emulator keeps one day of snapshots when asked for none",
    ("elasticache-redis-auth", "good"): "the emulator lists no member clusters of a replication group (the engine "
                                        "version is theirs)",
    ("elasticache-redis-auth", "bad"): "the emulator lists no member clusters of a replication group (the engine "
                                       "version is theirs)",
    ("secretsmanager-secret-unused", "good"): "the emulator never records when a secret was last read",
    ("secretsmanager-secret-rotated", "bad"): "a secret cannot be made older than today in the emulator",
    ("apigateway-client-certificate", "good"): "the emulator has no API Gateway client certificates",
    ("firehose-encrypted", "good"): "the emulator drops a delivery stream's encryption settings",
    ("vpn-connection-logging", "good"): "the emulator drops a VPN connection's tunnel log options",
    ("spot-fleet-ebs-encrypted", "bad"): "the emulator drops a Spot Fleet's block device mappings",
    ("sagemaker-model-network-isolation", "good"): "the emulator drops EnableNetworkIsolation",
    ("sns-delivery-status-logging", "good"): "the emulator drops a topic's delivery status feedback roles",
    ("emr-primary-no-public-ip", "good"): "the emulator gives every primary node a public DNS name",
    ("appsync-waf", "good"): "the emulator has no wafv2 ListResourcesForWebACL",
    ("appsync-waf", "bad"): "the emulator has no wafv2 ListResourcesForWebACL",
    ("firehose-kms-cmk", "good"): "the emulator drops a delivery stream's encryption settings",
    ("sagemaker-notebook-imdsv2", "good"): "the emulator drops a notebook's InstanceMetadataServiceConfiguration",
}
# a region has one detector; the main account's is off, for guardduty-enabled and guardduty-detector-enabled
EMULATOR_GAPS.update({(r, "bad"): "a region has one GuardDuty detector, and the main account's is off: its plans are "
                                  "not judged (the good account's plans are, and code cases cover the rest)"
                      for r in ("guardduty-s3-protection", "guardduty-eks-audit-logs", "guardduty-malware-protection",
                                "guardduty-rds-protection", "guardduty-eks-runtime-monitoring", "guardduty-lambda-protection",
                                "guardduty-runtime-monitoring", "guardduty-ecs-runtime-monitoring",
                                "guardduty-ec2-runtime-monitoring")})
# resource types only code has (EC2-Classic groups, Terraform data sources, CloudFormation-only resources)
CODE_ONLY_TYPES = {"AWS::ElastiCache::SecurityGroup", "AWS::RDS::DBSecurityGroup", "AWS::Redshift::ClusterSecurityGroup",
                   "AWS::IAM::AccessKey", "AWS::IAM::Policy", "Wasec::Athena::Database", "Wasec::EC2::AmiLookup",
                   "Wasec::Terraform::HttpRequest", "AWS::SecretsManager::RotationSchedule", "AWS::S3::Object"}
# no example at all: the emulator rejects the docdb engine and has no EMR security configurations
# and its inspector2 BatchGetAccountStatus fails on every call
NO_EXAMPLE_TYPES = {"AWS::DocDB::DBCluster", "AWS::EMR::SecurityConfiguration", "Wasec::Inspector2::Enabler",
                    "Wasec::SSM::ManagedInstance", "AWS::WAFv2::WebACLAssociation",
                    # and nothing describes these: Network Firewall policies and rule groups, Systems Manager service
                    # settings, VPC block public access, Client VPN, Redshift Serverless, MSK Connect, CodeBuild report
                    # groups, Elastic Beanstalk configuration settings
                    "AWS::NetworkFirewall::FirewallPolicy", "AWS::NetworkFirewall::RuleGroup", "Wasec::SSM::ServiceSetting",
                    "AWS::EC2::VPCBlockPublicAccessOptions", "AWS::EC2::ClientVpnEndpoint",
                    "AWS::RedshiftServerless::Workgroup", "AWS::RedshiftServerless::Namespace",
                    "AWS::KafkaConnect::Connector", "AWS::CodeBuild::ReportGroup", "AWS::ElasticBeanstalk::Environment"}


def _live_rules() -> list[Any]:
    collected = {t for c in load_collectors().values() for t in c.types}
    return [r for r in load_builtin() if r.scope != "code" and any(t in collected for t in r.types)]


def _outcome(scans: Any, worlds: Any, rule: Any, kind: str) -> tuple[str | None, list[tuple[str, str]]]:
    """(fragment, [(status, message)]) for the rule on the good or bad example of its types."""
    main, good_world = worlds
    findings = [f for f in scans.main.findings + scans.good.findings if f.rule_id == rule.id]
    names = {r.id: r.names for r in (*scans.main.inventory, *scans.good.inventory)}
    seen: list[tuple[str, str]] = []
    frag = None
    for t in rule.types:
        g, b = main.expected(rule.id, t)
        g = g or good_world.good.get(t)
        frag = g if kind == "good" else b
        if frag is None:
            continue
        hits = [f for f in findings if f.resource_type == t
                and (frag in f.resource_id or any(frag in n for n in names.get(f.resource_id, ())))]
        seen += [(f.status.value, f.message) for f in hits]
        want = Status.PASS if kind == "good" else Status.FAIL
        if any(f.status is want for f in hits):
            return frag, [(want.value, "")]
    return frag, seen


@pytest.mark.parametrize("rule", _live_rules(), ids=lambda r: r.id)
@pytest.mark.parametrize("kind", ["bad", "good"])
def test_rule_on_live_example(scans: Any, worlds: Any, rule: Any, kind: str) -> None:
    if (rule.id, kind) in EMULATOR_GAPS:
        pytest.skip(EMULATOR_GAPS[(rule.id, kind)])
    if set(rule.types) <= NO_EXAMPLE_TYPES | CODE_ONLY_TYPES:
        pytest.skip("no live example for these types in the emulator")
    frag, seen = _outcome(scans, worlds, rule, kind)
    assert frag is not None, f"no {kind} example for {rule.types}"
    want = "FAIL" if kind == "bad" else "PASS"
    assert seen and seen[0][0] == want, f"{rule.id} on the {kind} example ({frag}): {seen or 'no finding'}"


def test_world_was_built(worlds: Any) -> None:
    main, good = worlds
    assert not main.broken and not good.broken, (main.broken, good.broken)


def test_every_collected_type_has_examples(worlds: Any) -> None:
    """A collector whose type has no good and bad example would be tested by nothing."""
    main, good = worlds
    rule_types = {t for r in _live_rules() for t in r.types}
    missing = []
    for t in sorted({t for c in load_collectors().values() for t in c.types} & rule_types - NO_EXAMPLE_TYPES):
        if t not in main.good and t not in good.good and not any(g for g, _ in main.cases.values()):
            missing.append(f"{t}: no good example")
        if t not in main.bad and t != "AWS::SecurityHub::Hub":  # see securityhub-default-standards
            missing.append(f"{t}: no bad example")
    assert not missing, missing


def test_gaps_are_still_gaps(scans: Any, worlds: Any) -> None:
    """An emulator gap that starts working is a case to promote, not to keep skipping."""
    by_id = {r.id: r for r in load_builtin()}
    promoted = []
    for (rule_id, kind), _why in EMULATOR_GAPS.items():
        rule = by_id[rule_id]
        frag, seen = _outcome(scans, worlds, rule, kind)
        if frag is not None and seen and seen[0][0] == ("FAIL" if kind == "bad" else "PASS"):
            promoted.append((rule_id, kind))
    assert not promoted, f"these now work in the emulator; remove them from EMULATOR_GAPS: {promoted}"
