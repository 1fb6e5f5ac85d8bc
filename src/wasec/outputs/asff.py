"""AWS Security Finding Format: ``{"Findings": [...]}`` ready for Security Hub ``BatchImportFindings``.

Failing findings (suppressed ones carry ``Workflow.Status: SUPPRESSED``); one ASFF finding each,
with wasec's rule as the generator, the Well-Architected, CIS and FSBP mappings as related
requirements, risk and confidence as product fields. The account and region come from the finding
(live scans) or from ``WASEC_AWS_ACCOUNT_ID``/``AWS_REGION`` (code scans); the product ARN is Security
Hub's default for custom integrations in that account and region.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import orjson

from wasec import __version__
from wasec.model.finding import Finding, Severity, Status

LABEL = {Severity.CRITICAL: "CRITICAL", Severity.HIGH: "HIGH", Severity.MEDIUM: "MEDIUM", Severity.LOW: "LOW",
         Severity.INFO: "INFORMATIONAL"}
TYPES = "Software and Configuration Checks/Industry and Regulatory Standards/AWS Well-Architected Security Pillar"
SECRET_TYPES = "Sensitive Data Identifications/Security/Credentials"
RESOURCE_TYPES = {"AWS::S3::Bucket": "AwsS3Bucket", "AWS::IAM::Role": "AwsIamRole", "AWS::IAM::User": "AwsIamUser",
                  "AWS::IAM::Policy": "AwsIamPolicy", "AWS::IAM::ManagedPolicy": "AwsIamPolicy",
                  "AWS::EC2::SecurityGroup": "AwsEc2SecurityGroup", "AWS::EC2::Instance": "AwsEc2Instance",
                  "AWS::EC2::Volume": "AwsEc2Volume", "AWS::EC2::VPC": "AwsEc2Vpc", "AWS::RDS::DBInstance": "AwsRdsDbInstance",
                  "AWS::KMS::Key": "AwsKmsKey", "AWS::Lambda::Function": "AwsLambdaFunction", "AWS::SQS::Queue": "AwsSqsQueue",
                  "AWS::SNS::Topic": "AwsSnsTopic", "AWS::DynamoDB::Table": "AwsDynamoDbTable",
                  "AWS::CloudTrail::Trail": "AwsCloudTrailTrail", "AWS::SecretsManager::Secret": "AwsSecretsManagerSecret"}


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def finding(f: Finding, rule: Any, when: str, account: str, region: str) -> dict[str, Any]:
    account = f.account or account
    region = f.region or region
    rid = f.arn or (f"{f.file}:{f.line}" if f.file and f.resource_type == "file" else f.resource_id)
    requirements = [f"AWS Well-Architected {b}" for b in getattr(rule, "wa", ())]
    requirements += [f"CIS AWS Foundations {c}" for c in getattr(rule, "cis", ())]
    requirements += [f"AWS FSBP {c}" for c in getattr(rule, "fsbp", ())]
    fields = {"wasec/version": __version__, "wasec/risk": str(f.risk), "wasec/impact": str(f.impact), "wasec/likelihood": str(f.likelihood),
              "wasec/source": f.source, "wasec/fingerprint": f.fingerprint}
    if f.file:
        fields["wasec/location"] = f"{f.file}:{f.line}" if f.line else f.file
    if f.confidence:
        fields["wasec/confidence"] = f.confidence
    if f.commit:
        fields["wasec/commit"] = f.commit
    out: dict[str, Any] = {
        "SchemaVersion": "2018-10-08",
        "Id": f"wasec/{f.fingerprint}",
        "ProductArn": f"arn:aws:securityhub:{region}:{account}:product/{account}/default",
        "ProductName": "wasec",
        "CompanyName": "wasec",
        "GeneratorId": f"wasec/{f.rule_id}",
        "AwsAccountId": account,
        "Types": [SECRET_TYPES if f.rule_id.startswith("secret-") else TYPES],
        "CreatedAt": when,
        "UpdatedAt": when,
        "Severity": {"Label": LABEL[f.severity], "Original": f.severity.value},
        "Title": f.title[:256],
        "Description": f.message[:1024] or f.title,
        "Remediation": {"Recommendation": {"Text": (getattr(rule, "fix", "") or f.title)[:512],
                                           **({"Url": rule.help_uri} if getattr(rule, "help_uri", None) else {})}},
        "ProductFields": fields,
        "Resources": [{"Type": RESOURCE_TYPES.get(f.resource_type, "Other"), "Id": rid[:512], "Partition": "aws",
                       "Region": region}],
        "Compliance": {"Status": "FAILED", **({"RelatedRequirements": requirements[:32]} if requirements else {})},
        "Workflow": {"Status": "SUPPRESSED" if f.suppressed else "NEW"},
        "RecordState": "ACTIVE",
    }
    if f.risk:
        out["Criticality"] = round(f.risk * 4)  # 1-25 → 4-100
    if f.confidence:
        out["Confidence"] = {"high": 90, "medium": 60, "low": 30}.get(f.confidence, 50)
    return out


def document(scan: Any) -> dict[str, Any]:
    when = _iso(scan.started)
    account = os.environ.get("WASEC_AWS_ACCOUNT_ID", "000000000000")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    rules = {r.id: r for r in scan.rules}
    return {"Findings": [finding(f, rules.get(f.rule_id), when, account, region)
                         for f in scan.findings if f.status is Status.FAIL]}


def render(scan: Any, **_: Any) -> str:
    return orjson.dumps(document(scan), option=orjson.OPT_INDENT_2).decode() + "\n"
