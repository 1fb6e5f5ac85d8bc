"""Managed threat detection turned fully on (SEC04, SEC06-BP01, SEC07-BP03): every GuardDuty protection
plan, Amazon Inspector scanning, Amazon Macie."""

from __future__ import annotations

from typing import Any

from wasec.model.values import Unknown
from wasec.rules.pack._common import is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, Unsure, View

DETECT = ("SEC04-BP01", "SEC04-BP02")
DETECTOR = "AWS::GuardDuty::Detector"
# legacy data sources that became features: (feature, path under DataSources)
_LEGACY = {"S3_DATA_EVENTS": "S3Logs.Enable", "EKS_AUDIT_LOGS": "Kubernetes.AuditLogs.Enable",
           "EBS_MALWARE_PROTECTION": "MalwareProtection.ScanEc2InstanceWithFindings.EbsVolumes"}


def _status(r: View, feature: str, agent: str | None) -> tuple[Any, str]:
    """(ENABLED / DISABLED, where it is said) for a detector's feature and its agent management; (None, "Features")
    when it is not declared."""
    features = r.get("Features")
    for i, f in enumerate(features if isinstance(features, list) else []):
        if isinstance(f, dict) and f.get("Name") == feature:
            status = str(f.get("Status", "")).upper()
            if agent is None or status != "ENABLED":
                return status, f"Features.{i}"
            extra = [a for a in f.get("AdditionalConfiguration") or () if isinstance(a, dict) and a.get("Name") == agent]
            return (str(extra[0].get("Status", "")).upper() if extra else "DISABLED"), f"Features.{i}"
    if feature in _LEGACY and r.present("DataSources"):
        path = f"DataSources.{_LEGACY[feature]}"
        v = r.get(path)
        if v is not None:
            return ("ENABLED" if is_true(v) else "DISABLED"), path
    return None, "Features"


def _feature(id: str, fsbp: str, what: str, feature: str, severity: str, why: str, agent: str | None = None,
             also: tuple[str, ...] = ()) -> None:
    """A GuardDuty protection plan; ``also``: features that provide it too (EKS Runtime Monitoring is part of
    Runtime Monitoring with the EKS add-on managed)."""
    tf_name = feature if agent is None else f"{feature}\n  additional_configuration {{\n    name   = \"{agent}\"\n    status = \"ENABLED\"\n  }}"

    @rule(id, title=f"GuardDuty {what} is enabled", severity=severity, types=[DETECTOR], area="detection",
          category="logging", wa=DETECT, fsbp=(fsbp,), why=why,
          fix=f"Enable {what} on the detector in every region (organisation-wide with auto-enable).",
          tf=f'resource "aws_guardduty_detector_feature" "f" {{\n  detector_id = aws_guardduty_detector.main.id\n'
             f'  name        = "{tf_name}"\n  status      = "ENABLED"\n}}',
          cfn=f"Features:\n  - Name: {feature}\n    Status: ENABLED" + (
              f"\n    AdditionalConfiguration:\n      - Name: {agent}\n        Status: ENABLED" if agent else ""))
    def check(r: View) -> Any:
        if not is_true(r.get("Enable", True)):
            return Skip("the detector is off (guardduty-detector-enabled)")
        found = [_status(r, feature, agent), *(_status(r, f, agent) for f in also)]
        if any(status == "ENABLED" for status, _ in found):
            return None
        said = [(status, path) for status, path in found if status is not None]
        if not said:
            return Unsure(f"{feature} is not declared: the account's GuardDuty defaults (or the organisation's "
                          "auto-enable) decide; declare it", "Features")
        return Fail(said[0][1], f"{what} is off", feature)


_feature("guardduty-eks-audit-logs", "GuardDuty.5", "EKS Audit Log Monitoring", "EKS_AUDIT_LOGS", "high",
         "Kubernetes audit logs show who did what in the cluster: a privileged pod, an anonymous request, a secret read.")
_feature("guardduty-lambda-protection", "GuardDuty.6", "Lambda Protection", "LAMBDA_NETWORK_LOGS", "high",
         "Lambda network activity is where a compromised function calls its command-and-control or mines coins.")
_feature("guardduty-eks-runtime-monitoring", "GuardDuty.7", "EKS Runtime Monitoring", "EKS_RUNTIME_MONITORING",
         "medium", "Runtime events inside EKS nodes and pods show what an attacker runs after getting in.",
         agent="EKS_ADDON_MANAGEMENT", also=("RUNTIME_MONITORING",))
_feature("guardduty-malware-protection", "GuardDuty.8", "Malware Protection for EC2", "EBS_MALWARE_PROTECTION",
         "high", "Malware Protection scans an instance's volumes when GuardDuty sees it behave like a compromised one.")
_feature("guardduty-rds-protection", "GuardDuty.9", "RDS Protection", "RDS_LOGIN_EVENTS", "high",
         "RDS login activity reveals brute force and logins from unusual places against Aurora databases.")
_feature("guardduty-s3-protection", "GuardDuty.10", "S3 Protection", "S3_DATA_EVENTS", "high",
         "S3 data events are where exfiltration and destruction of stored data show up.")
_feature("guardduty-runtime-monitoring", "GuardDuty.11", "Runtime Monitoring", "RUNTIME_MONITORING", "high",
         "Runtime Monitoring sees process, file and network events on EC2, ECS and EKS workloads.")
_feature("guardduty-ecs-runtime-monitoring", "GuardDuty.12", "ECS Runtime Monitoring (Fargate agent)",
         "RUNTIME_MONITORING", "medium", "Without the Fargate agent, ECS tasks on Fargate are invisible to runtime "
         "threat detection.", agent="ECS_FARGATE_AGENT_MANAGEMENT")
_feature("guardduty-ec2-runtime-monitoring", "GuardDuty.13", "EC2 Runtime Monitoring (EC2 agent)",
         "RUNTIME_MONITORING", "medium", "Without the EC2 agent, instances are invisible to runtime threat detection.",
         agent="EC2_AGENT_MANAGEMENT")


# -- Amazon Inspector -------------------------------------------------------------------------------------
INSPECTOR = "Wasec::Inspector2::Enabler"


def _inspector(id: str, fsbp: str, what: str, kind: str, severity: str, why: str) -> None:
    @rule(id, title=f"Amazon Inspector {what} scanning is enabled", severity=severity, types=[INSPECTOR],
          area="infrastructure", category="hardening", wa=("SEC06-BP01", "SEC11-BP02"), fsbp=(fsbp,), why=why,
          fix=f"Enable Inspector {what} scanning in every region (organisation-wide with auto-enable).",
          tf='resource "aws_inspector2_enabler" "all" {\n  account_ids    = [data.aws_caller_identity.current.account_id]\n'
             '  resource_types = ["EC2", "ECR", "LAMBDA", "LAMBDA_CODE"]\n}',
          cfn="# Inspector is enabled with the inspector2 API (aws_inspector2_enabler in Terraform)")
    def check(r: View) -> Any:
        types = r.get("ResourceTypes") or []
        if isinstance(types, Unknown):
            r.get("ResourceTypes")
        if kind not in [str(t).upper() for t in (types if isinstance(types, list) else [types])]:
            return Fail("ResourceTypes", f"{what} scanning is not enabled", types)
        return None


_inspector("inspector-ec2-scanning", "Inspector.1", "EC2", "EC2", "high",
           "Inspector finds the known vulnerabilities in the software of every running instance, continuously.")
_inspector("inspector-ecr-scanning", "Inspector.2", "ECR", "ECR", "high",
           "Inspector scans every image pushed to ECR, and again when a new vulnerability is published.")
_inspector("inspector-lambda-code-scanning", "Inspector.3", "Lambda code", "LAMBDA_CODE", "medium",
           "Lambda code scanning finds injection flaws, leaked credentials and weak cryptography in function code.")
_inspector("inspector-lambda-scanning", "Inspector.4", "Lambda standard", "LAMBDA", "high",
           "Inspector finds known vulnerabilities in the packages every function deploys.")


@rule("macie-enabled", title="Amazon Macie is enabled", severity="medium", types=["AWS::Macie::Session"], area="data",
      category="logging", wa=("SEC07-BP03", "SEC07-BP01"), fsbp=("Macie.1",),
      why="Macie finds sensitive data (credentials, personal data, financial data) in S3 and watches buckets for "
          "public or shared access: classification that keeps itself up to date.",
      fix="Enable Macie (organisation-wide with a delegated administrator) and automated sensitive data discovery.",
      tf='resource "aws_macie2_account" "main" {\n  status = "ENABLED"\n}', cfn="Type: AWS::Macie::Session\nProperties:\n  Status: ENABLED")
def macie(r: View) -> Any:
    status = str(r.get("Status", "ENABLED")).upper()
    if status != "ENABLED":
        return Fail("Status", f"Macie is {status.lower()}", status)
    return None
