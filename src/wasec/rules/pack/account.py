"""Account-wide facts only a live account shows: the root user, people's credentials, and the
detective services that must be on in every region (SEC01-BP02, SEC02, SEC04, SEC10).

In infrastructure code these rules are UNKNOWN ("only a live account shows this"), never PASS.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from wasec.rules.pack._common import is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Pass, Skip, View

ACCOUNT = "Wasec::AWS::Account"
REGION = "Wasec::AWS::Region"
ROOT = "Wasec::IAM::RootAccount"
USER = "AWS::IAM::User"


def age_days(when: Any, now: datetime | None = None) -> float | None:
    """Days since an ISO-8601 timestamp (as the credential report writes them)."""
    if not isinstance(when, str) or not when:
        return None
    try:
        t = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return ((now or datetime.now(UTC)) - t).total_seconds() / 86400


# -- the root user -------------------------------------------------------------------------------------
@rule("root-access-keys", title="The root user has no access keys", severity="critical", types=[ROOT], area="identity",
      category="secret", scope="live", wa=("SEC01-BP02", "SEC02-BP02"), cis=("2.4",), fsbp=("IAM.4",),
      why="A root access key is a long-lived credential no policy can restrict: whoever holds it owns the account.",
      fix="Delete the root user's access keys; use roles with temporary credentials for automation.",
      tf="# root access keys cannot be managed in Terraform: delete them in the console (Security credentials)",
      cfn="# root access keys cannot be managed in CloudFormation: delete them in the console")
def root_keys(r: View) -> Any:
    if is_true(r.get("AccessKeysPresent", False)):
        return Fail("AccessKeysPresent", "the root user has an active access key", True)
    return None


@rule("root-mfa", title="The root user signs in with MFA", severity="critical", types=[ROOT], area="identity",
      category="access", scope="live", wa=("SEC01-BP02", "SEC02-BP01"), cis=("2.5",), fsbp=("IAM.9",),
      why="Without MFA the root password alone opens the account, with no way to restrict what it can do.",
      fix="Enable MFA on the root user (a hardware key or passkey).",
      tf="# enable root MFA in the console (Security credentials)", cfn="# enable root MFA in the console")
def root_mfa(r: View) -> Any:
    if not is_true(r.get("MfaActive", False)):
        return Fail("MfaActive", "the root user has no MFA device", False)
    return None


@rule("root-hardware-mfa", title="The root user's MFA is a hardware device", severity="high", types=[ROOT],
      area="identity", category="access", scope="live", wa=("SEC01-BP02", "SEC02-BP01"), cis=("2.6",), fsbp=("IAM.6",),
      why="A virtual MFA lives on a phone that can be lost, cloned or phished; a hardware key is bound to one device.",
      fix="Replace the root user's virtual MFA with a hardware key (FIDO2 security key or hardware TOTP token).",
      tf="# register a hardware MFA device for the root user in the console",
      cfn="# register a hardware MFA device for the root user in the console")
def root_hardware_mfa(r: View) -> Any:
    if not is_true(r.get("MfaActive", False)):
        return Skip("no MFA at all: root-mfa reports it")
    if not is_true(r.get("HardwareMfa", False)):
        return Fail("HardwareMfa", "the root user's MFA is a virtual device", False)
    return None


@rule("root-not-used", title="The root user is not used for daily work", severity="high", types=[ROOT], area="identity",
      category="access", scope="live", wa=("SEC01-BP02", "SEC03-BP03"), cis=("2.7",), options={"days": 30},
      why="Every root sign-in is a use of the one identity no policy can restrict; routine use means routine exposure.",
      fix="Use IAM Identity Center or roles for administration; keep root for the few tasks only it can do.",
      tf="# stop using the root user: administer through roles", cfn="# stop using the root user: administer through roles")
def root_used(r: View) -> Any:
    days = float(r.options.get("days", 30))
    age = age_days(r.get("LastUsed"))
    if age is not None and age < days:
        return Fail("LastUsed", f"the root user was used {age:.0f} day(s) ago", r.get("LastUsed"))
    return None


# -- people's credentials ---------------------------------------------------------------------------------
@rule("iam-user-console-mfa", title="IAM users with a console password use MFA", severity="high", types=[USER],
      area="identity", category="access", scope="live", wa=("SEC02-BP01",), cis=("2.10",), fsbp=("IAM.5",),
      why="A console password without MFA falls to one phished or reused password.",
      fix="Require MFA for every console user (or move people to IAM Identity Center).",
      tf="# enforce MFA with a policy that denies everything without aws:MultiFactorAuthPresent",
      cfn="# enforce MFA with a policy that denies everything without aws:MultiFactorAuthPresent")
def console_mfa(r: View) -> Any:
    if not is_true(r.get("Credentials.PasswordEnabled", False)):
        return Skip("no console password")
    if not is_true(r.get("Credentials.MfaActive", False)):
        return Fail("Credentials.MfaActive", "the user signs in to the console without MFA", False)
    return None


@rule("iam-credentials-unused", title="Unused IAM credentials are disabled", severity="medium", types=[USER],
      area="identity", category="access", scope="live", wa=("SEC02-BP05", "SEC03-BP06"), cis=("2.11",),
      fsbp=("IAM.8", "IAM.22"), options={"days": 45},
      why="A password or key nobody uses still works for whoever finds it, and nobody will notice it being used.",
      fix="Disable passwords and deactivate access keys unused for 45 days; remove users who left.",
      tf="# remove the aws_iam_user_login_profile / aws_iam_access_key of users who no longer sign in",
      cfn="# remove the LoginProfile / AWS::IAM::AccessKey of users who no longer sign in")
def unused_credentials(r: View) -> Any:
    days = float(r.options.get("days", 45))
    fails = []
    if is_true(r.get("Credentials.PasswordEnabled", False)):
        used = r.get("Credentials.PasswordLastUsed")
        age = age_days(used) if used else age_days(r.get("Credentials.PasswordLastChanged") or r.get("Credentials.Created"))
        if age is not None and age > days:
            fails.append(Fail("Credentials.PasswordLastUsed", f"the console password has not been used for {age:.0f} days",
                              used or "never"))
    for p, key in r.items("Credentials.AccessKeys"):
        if not isinstance(key, dict):
            continue
        used = key.get("LastUsed")
        age = age_days(used) if used else age_days(key.get("LastRotated"))
        if age is not None and age > days:
            fails.append(Fail(f"{p}.LastUsed", f"an active access key has not been used for {age:.0f} days", used or "never"))
    return fails


@rule("iam-access-key-rotation", title="Active access keys are rotated within 90 days", severity="medium", types=[USER],
      area="identity", category="secret", scope="live", wa=("SEC02-BP05",), cis=("2.12",), fsbp=("IAM.3",),
      options={"days": 90},
      why="The longer a key lives, the more places it has been copied to; rotation bounds the damage of a leak.",
      fix="Create a new key, move callers to it, deactivate and delete the old one (better: use roles).",
      tf="# rotate keys outside Terraform state: keys in state are secrets in state",
      cfn="# rotate AWS::IAM::AccessKey with its Serial property")
def key_rotation(r: View) -> Any:
    days = float(r.options.get("days", 90))
    fails = []
    for p, key in r.items("Credentials.AccessKeys"):
        age = age_days(key.get("LastRotated")) if isinstance(key, dict) else None
        if age is not None and age > days:
            fails.append(Fail(f"{p}.LastRotated", f"an active access key is {age:.0f} days old", key.get("LastRotated")))
    return fails


@rule("iam-support-role", title="A role can manage incidents with AWS Support", severity="low", types=[ACCOUNT],
      area="incident", category="hygiene", scope="live", wa=("SEC10-BP05",), cis=("2.15",),
      needs=["AWS::IAM::Role"],
      why="During an incident, opening and following AWS Support cases must not wait for someone to grant access.",
      fix="Create a role with the AWSSupportAccess managed policy for your incident responders.",
      tf='resource "aws_iam_role_policy_attachment" "support" {\n  role       = aws_iam_role.incident.name\n  policy_arn = "arn:aws:iam::aws:policy/AWSSupportAccess"\n}',
      cfn="ManagedPolicyArns:\n  - arn:aws:iam::aws:policy/AWSSupportAccess")
def support_role(r: View) -> Any:
    for role in r.peers("AWS::IAM::Role"):
        arns = role.properties.get("ManagedPolicyArns") or []
        if any(isinstance(a, str) and a.endswith(":policy/AWSSupportAccess") for a in arns):
            return Pass(f"{role.id} has AWSSupportAccess")
    return Fail("", "no role has the AWSSupportAccess policy")


@rule("security-contact", title="The account has a security contact", severity="medium", types=[ACCOUNT],
      area="incident", category="hygiene", scope="live", wa=("SEC10-BP01",), cis=("2.3",), fsbp=("Account.1",),
      needs=["Wasec::Account::SecurityContact"],
      why="AWS sends abuse and compromise notices to the security contact; without one they reach whoever owns the "
          "root mailbox, if anyone.",
      fix="Set the account's security alternate contact to a monitored team address.",
      tf='resource "aws_account_alternate_contact" "security" {\n  alternate_contact_type = "SECURITY"\n  name                   = "Security team"\n  title                  = "Security"\n  email_address          = "security@example.com"\n  phone_number           = "+1-555-0100"\n}',
      cfn="# set with aws account put-alternate-contact --alternate-contact-type SECURITY")
def security_contact(r: View) -> Any:
    if not r.peers("Wasec::Account::SecurityContact"):
        return Fail("", "no security contact is registered")
    return None


# -- detective services in every region -----------------------------------------------------------------
@rule("cloudtrail-enabled-all-regions", title="A multi-region CloudTrail trail is logging", severity="high", types=[ACCOUNT],
      area="detection", category="logging", scope="live", wa=("SEC04-BP01", "SEC04-BP02"), cis=("4.1",),
      fsbp=("CloudTrail.1", "CloudTrail.3"), needs=["AWS::CloudTrail::Trail"],
      why="Without a logging trail that covers every region, API activity in an unused region (a favourite place to "
          "mine or hide) leaves no record.",
      fix="Create a multi-region trail that logs management events (read and write) and keep it logging.",
      tf='resource "aws_cloudtrail" "all" {\n  name                  = "all-regions"\n  s3_bucket_name        = aws_s3_bucket.trail.id\n  is_multi_region_trail = true\n  enable_logging        = true\n}',
      cfn="Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    IsMultiRegionTrail: true\n    IsLogging: true\n    S3BucketName: !Ref TrailBucket")
def multi_region_trail(r: View) -> Any:
    for t in r.peers("AWS::CloudTrail::Trail"):
        p = t.properties
        if is_true(p.get("IsMultiRegionTrail", False)) and p.get("IsLogging") is True:
            return Pass(f"{t.id} logs every region")
    return Fail("", "no multi-region trail is logging")


def _region_service(id: str, title: str, type_: str, active: Any, missing: str, **meta: Any) -> None:
    @rule(id, title=title, types=[REGION], area="detection", category="logging", scope="live", needs=[type_], **meta)
    def check(r: View) -> Any:
        found = r.in_region(type_)
        if any(active(x.properties) for x in found):
            return None
        return Fail("", missing if not found else f"{missing} (present but not active)")


_region_service(
    "guardduty-enabled", "GuardDuty is enabled in every region", "AWS::GuardDuty::Detector",
    lambda p: p.get("Enable") is True, "GuardDuty is not enabled in this region", severity="high",
    wa=("SEC04-BP01", "SEC04-BP03"), fsbp=("GuardDuty.1",),
    why="GuardDuty watches CloudTrail, VPC flow and DNS logs for known attack behaviour; a region without it is where "
        "an intruder goes unseen.",
    fix="Enable GuardDuty in every enabled region (with a delegated administrator for the organisation).",
    tf='resource "aws_guardduty_detector" "this" {\n  enable = true\n}', cfn="Detector:\n  Type: AWS::GuardDuty::Detector\n  Properties:\n    Enable: true")
_region_service(
    "securityhub-enabled", "Security Hub is enabled in every region", "AWS::SecurityHub::Hub",
    lambda p: True, "Security Hub is not enabled in this region", severity="medium",
    wa=("SEC04-BP02", "SEC04-BP03"), cis=("5.16",),
    why="Security Hub gathers findings from every detective service and runs the FSBP and CIS controls continuously.",
    fix="Enable Security Hub in every enabled region (central configuration for the organisation).",
    tf='resource "aws_securityhub_account" "this" {}', cfn="Hub:\n  Type: AWS::SecurityHub::Hub")
_region_service(
    "config-enabled", "AWS Config is recording in every region", "AWS::Config::ConfigurationRecorder",
    lambda p: p.get("IsRecording") is True, "AWS Config is not recording in this region", severity="medium",
    wa=("SEC04-BP02",), cis=("4.3",), fsbp=("Config.1",),
    why="Config's resource history is how you learn what changed before an incident, and the basis of drift checks.",
    fix="Create a configuration recorder (all supported resources) with a delivery channel, and start it.",
    tf='resource "aws_config_configuration_recorder_status" "this" {\n  name       = aws_config_configuration_recorder.this.name\n  is_enabled = true\n}',
    cfn="Recorder:\n  Type: AWS::Config::ConfigurationRecorder\n  Properties:\n    RecordingGroup:\n      AllSupported: true")
_region_service(
    "access-analyzer-enabled", "IAM Access Analyzer is enabled in every region", "AWS::AccessAnalyzer::Analyzer",
    lambda p: str(p.get("Status", "ACTIVE")).upper() == "ACTIVE", "no active IAM Access Analyzer in this region",
    severity="medium", wa=("SEC03-BP07", "SEC03-BP04"), cis=("2.18",),
    why="Access Analyzer finds resources shared outside the account or organisation, region by region.",
    fix="Create an account (or organisation) analyzer in every enabled region.",
    tf='resource "aws_accessanalyzer_analyzer" "this" {\n  analyzer_name = "account"\n}',
    cfn="Analyzer:\n  Type: AWS::AccessAnalyzer::Analyzer\n  Properties:\n    Type: ACCOUNT")
