"""Service control policies that keep an organization's accounts inside their guardrails.

Each guardrail is one SCP of Deny statements (attach it beside ``FullAWSAccess``), written from the
IAM documentation of the actions and condition keys it names, with one exemption: a break-glass role
(``arn:aws:iam::*:role/<name>``) that incident responders assume when a guardrail itself is in the way.
``protects`` lists the requests each guardrail must deny, so tests (and the organization check that
decides whether an account's SCPs really deny them) judge it with the IAM evaluator, not by its text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from wasec.iam.evaluate import Request

SCP_MAX_CHARS = 5120  # AWS Organizations' limit on a service control policy, whitespace included

# services whose control plane is global (or answers from us-east-1): a region guardrail must not block them
GLOBAL_ACTIONS = (
    "account:*", "aws-portal:*", "budgets:*", "ce:*", "cloudfront:*", "cur:*", "globalaccelerator:*", "health:*",
    "iam:*", "organizations:*", "pricing:*", "route53:*", "route53domains:*", "shield:*", "sts:*", "support:*",
    "trustedadvisor:*", "waf:*", "wafv2:*", "wellarchitected:*", "s3:GetAccountPublicAccessBlock",
    "s3:ListAllMyBuckets", "s3:PutAccountPublicAccessBlock", "ec2:DescribeRegions",
)


@dataclass(frozen=True)
class Guardrail:
    id: str
    title: str
    why: str
    wa: tuple[str, ...]
    statements: tuple[dict[str, Any], ...]
    protects: tuple[Request, ...]  # requests it must deny (principal left empty: any role)

    def policy(self) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": list(self.statements)}

    def text(self) -> str:
        """The policy as Organizations stores it, compact (it counts whitespace against the size limit)."""
        return json.dumps(self.policy(), separators=(",", ":"))


def _deny(sid: str, actions: list[str] | str, break_glass: str, resource: str | list[str] = "*",
          condition: dict[str, Any] | None = None, not_action: bool = False) -> dict[str, Any]:
    cond = {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::*:role/{break_glass}"}}
    for op, kv in (condition or {}).items():
        cond.setdefault(op, {}).update(kv)
    return {"Sid": sid, "Effect": "Deny", ("NotAction" if not_action else "Action"): actions, "Resource": resource,
            "Condition": cond}


PROTECTED_SERVICES = {
    "cloudtrail": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
                   "cloudtrail:PutEventSelectors", "cloudtrail:DeleteEventDataStore"],
    "guardduty": ["guardduty:DeleteDetector", "guardduty:UpdateDetector", "guardduty:DisassociateFromAdministratorAccount",
                  "guardduty:DisassociateFromMasterAccount", "guardduty:DeleteMembers", "guardduty:StopMonitoringMembers"],
    "config": ["config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel",
               "config:DeleteConfigurationAggregator"],
    "securityhub": ["securityhub:DisableSecurityHub", "securityhub:BatchDisableStandards",
                    "securityhub:DisassociateFromAdministratorAccount", "securityhub:DeleteMembers"],
    "access-analyzer": ["access-analyzer:DeleteAnalyzer"],
}


def guardrails(break_glass: str = "BreakGlass", regions: list[str] | None = None) -> list[Guardrail]:
    """The guardrail set, for a break-glass role name and the regions accounts may use."""
    regions = regions or ["us-east-1", "eu-west-1"]
    security = [a for actions in PROTECTED_SERVICES.values() for a in actions]
    outside = next(r for r in ("ap-southeast-2", "sa-east-1", "eu-north-1") if r not in regions)
    return [
        Guardrail("deny-leave-organization", "Accounts cannot leave the organization",
                  "An account outside the organization is outside its SCPs, its organization trail and its "
                  "delegated security services.", ("SEC01-BP01", "SEC03-BP05"),
                  (_deny("DenyLeaveOrganization", ["organizations:LeaveOrganization"], break_glass),),
                  (Request("organizations:LeaveOrganization"),)),
        Guardrail("protect-security-services", "CloudTrail, GuardDuty, Config, Security Hub and Access Analyzer "
                  "stay on", "Turning the detective services off is the first step of an intrusion that means to "
                  "last; only the security team's break-glass role may change them.",
                  ("SEC04-BP01", "SEC04-BP02", "SEC03-BP05"),
                  (_deny("DenyDisablingSecurityServices", security, break_glass),),
                  tuple(Request(a) for a in security)),
        Guardrail("deny-root-user", "The root user of member accounts takes no action",
                  "Root credentials bypass IAM: in a member account nothing needs them once the organization "
                  "manages its root access.", ("SEC02-BP01", "SEC03-BP05"),
                  (_deny("DenyRootUser", "*", break_glass,
                         condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}),),
                  (Request("ec2:RunInstances", principal="arn:aws:iam::111122223333:root"),
                   Request("iam:CreateAccessKey", principal="arn:aws:iam::111122223333:root"))),
        Guardrail("allowed-regions", f"Only {', '.join(regions)} are used",
                  "Resources in regions nobody watches escape the organization's monitoring and its data residency "
                  "promises; global services stay usable.", ("SEC01-BP06", "SEC03-BP05"),
                  (_deny("DenyOutsideAllowedRegions", list(GLOBAL_ACTIONS), break_glass, not_action=True,
                         condition={"StringNotEquals": {"aws:RequestedRegion": regions}}),),
                  (Request("ec2:RunInstances", context={"aws:RequestedRegion": [outside]}),
                   Request("s3:CreateBucket", context={"aws:RequestedRegion": [outside]}))),
        Guardrail("protect-s3-block-public-access", "S3 Block Public Access stays on for the account",
                  "The account-level switch keeps every bucket private whatever its policy or ACL says.",
                  ("SEC08-BP04", "SEC03-BP05"),
                  (_deny("DenyChangingAccountBlockPublicAccess", ["s3:PutAccountPublicAccessBlock"], break_glass),),
                  (Request("s3:PutAccountPublicAccessBlock"),)),
        Guardrail("require-imdsv2", "Instances launch with IMDSv2 only",
                  "IMDSv1 answers any request the instance relays, so one server-side request forgery gives away "
                  "its role's credentials.", ("SEC06-BP02", "SEC03-BP05"),
                  (_deny("DenyLaunchWithoutImdsv2", ["ec2:RunInstances"], break_glass, "arn:aws:ec2:*:*:instance/*",
                         {"StringNotEquals": {"ec2:MetadataHttpTokens": "required"}}),
                   _deny("DenyImdsv1Credentials", "*", break_glass,
                         condition={"NumericLessThan": {"ec2:RoleDelivery": "2.0"}})),
                  (Request("ec2:RunInstances", "arn:aws:ec2:us-east-1:111122223333:instance/*",
                           context={"ec2:MetadataHttpTokens": ["optional"]}),
                   Request("s3:GetObject", context={"ec2:RoleDelivery": ["1.0"]}))),
        Guardrail("require-encrypted-volumes", "EBS volumes are created encrypted",
                  "An unencrypted volume or its snapshots can be copied and read outside the key's control.",
                  ("SEC08-BP02", "SEC03-BP05"),
                  (_deny("DenyUnencryptedVolumes", ["ec2:CreateVolume"], break_glass,
                         condition={"Bool": {"ec2:Encrypted": "false"}}),
                   _deny("DenyLaunchWithUnencryptedVolumes", ["ec2:RunInstances"], break_glass,
                         "arn:aws:ec2:*:*:volume/*", {"Bool": {"ec2:Encrypted": "false"}})),
                  (Request("ec2:CreateVolume", context={"ec2:Encrypted": ["false"]}),
                   Request("ec2:RunInstances", "arn:aws:ec2:us-east-1:111122223333:volume/*",
                           context={"ec2:Encrypted": ["false"]}))),
    ]


# -- writing them as code a team owns ------------------------------------------------------------------

def _tf_name(gid: str) -> str:
    return gid.replace("-", "_")


def terraform(rails: list[Guardrail]) -> str:
    """One ``aws_organizations_policy`` per guardrail (attach each with ``aws_organizations_policy_attachment``)."""
    out = ["# Service control policies written by `wasec init guardrails`: attach them at the root or to OUs.\n"]
    for g in rails:
        body = json.dumps(g.policy(), indent=2).replace("\n", "\n  ")
        out.append(f'resource "aws_organizations_policy" "{_tf_name(g.id)}" {{\n'
                   f'  name        = "{g.id}"\n  description = {json.dumps(g.title)}\n  type        = "SERVICE_CONTROL_POLICY"\n'
                   f"  content     = jsonencode({body})\n}}\n")
    return "\n".join(out)


def cloudformation(rails: list[Guardrail]) -> dict[str, Any]:
    """A template of ``AWS::Organizations::Policy`` resources, with the root or OU ids as a parameter."""
    resources = {}
    for g in rails:
        logical = "".join(part.title() for part in g.id.split("-"))
        resources[logical] = {"Type": "AWS::Organizations::Policy", "Properties": {
            "Name": g.id, "Description": g.title, "Type": "SERVICE_CONTROL_POLICY", "Content": g.policy(),
            "TargetIds": {"Ref": "TargetIds"}}}
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Description": "Service control policies written by `wasec init guardrails`",
            "Parameters": {"TargetIds": {"Type": "CommaDelimitedList",
                                         "Description": "The organization root or OU ids to attach the guardrails to"}},
            "Resources": resources}
