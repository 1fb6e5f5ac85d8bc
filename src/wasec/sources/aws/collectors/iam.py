"""IAM: every user, group, role and customer managed policy from one paginated batch call, plus the
credential report (root and users' MFA, passwords, access keys) and the account password policy."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.parse
from typing import Any

from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources.aws.api import CallError
from wasec.sources.aws.spec import Ctx, collector, known, tag_list

REPORT_CALLS = ("GenerateCredentialReport", "GetCredentialReport")
ROOT_TYPE = "Wasec::IAM::RootAccount"
PASSWORD_POLICY = "Wasec::IAM::AccountPasswordPolicy"


def _doc(value: Any) -> Any:
    """Policy documents arrive decoded, or URL-encoded JSON from older endpoints."""
    if isinstance(value, str):
        try:
            return json.loads(urllib.parse.unquote(value))
        except ValueError:
            return value
    return value


def _inline(policies: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{"PolicyName": p.get("PolicyName"), "PolicyDocument": _doc(p.get("PolicyDocument"))} for p in policies or ()]


def _attached(policies: list[dict[str, Any]] | None) -> list[str]:
    return [str(p["PolicyArn"]) for p in policies or () if p.get("PolicyArn")]


def _boundary(item: dict[str, Any]) -> dict[str, Any]:
    b = item.get("PermissionsBoundary") or {}
    return {"PermissionsBoundary": b["PermissionsBoundaryArn"]} if b.get("PermissionsBoundaryArn") else {}


def credential_report(ctx: Ctx) -> dict[str, dict[str, str]]:
    """The credential report by user name (``<root_account>`` for root), generated if needed (once per account)."""

    def build() -> dict[str, dict[str, str]]:
        deadline = time.monotonic() + 120
        ctx.call("GenerateCredentialReport", service="iam", cached=False)
        while True:
            try:
                answer = ctx.call("GetCredentialReport", service="iam", cached=False)
                break
            except CallError as e:
                if e.code not in ("ReportInProgress", "ReportNotPresent") or time.monotonic() > deadline:
                    raise
                time.sleep(1)
        content = (answer or {}).get("Content", b"")
        text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
        return {row["user"]: row for row in csv.DictReader(io.StringIO(text))}

    report: dict[str, dict[str, str]] = ctx.api.memo(("iam", "credential-report"), build)
    return report


def _when(v: str | None) -> str | None:
    return v if v and v not in ("N/A", "not_supported", "no_information") else None


def _credentials(row: dict[str, str] | None) -> dict[str, Any]:
    """A user's credential facts, in the credential report's terms."""
    if row is None:
        return {"PasswordEnabled": False, "MfaActive": False, "AccessKeys": []}
    keys = []
    for n in (1, 2):
        if row.get(f"access_key_{n}_active") == "true":
            keys.append({"Active": True, "LastRotated": _when(row.get(f"access_key_{n}_last_rotated")),
                         "LastUsed": _when(row.get(f"access_key_{n}_last_used_date"))})
    return {
        "Created": _when(row.get("user_creation_time")),
        "PasswordEnabled": row.get("password_enabled") == "true",
        "PasswordLastUsed": _when(row.get("password_last_used")),
        "PasswordLastChanged": _when(row.get("password_last_changed")),
        "MfaActive": row.get("mfa_active") == "true",
        "AccessKeys": keys,
    }


@collector("iam", scope="global",
           types=["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::ManagedPolicy"],
           calls=["GetAccountAuthorizationDetails", *REPORT_CALLS])
def principals(ctx: Ctx) -> list[Resource]:
    details: dict[str, list[Any]] = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
    for page in ctx.pages("GetAccountAuthorizationDetails", "", Filter=["User", "Role", "Group", "LocalManagedPolicy"]):
        for key, items in details.items():
            items.extend(page.get(key) or ())
    try:
        report: dict[str, dict[str, str]] | Unknown = credential_report(ctx)
    except CallError as e:
        ctx.errors.append(e)
        report = Unknown(e.reason)
    out: list[Resource] = []
    for u in details["UserDetailList"]:
        name = u["UserName"]
        creds = report if isinstance(report, Unknown) else _credentials(report.get(name))
        out.append(ctx.resource("AWS::IAM::User", name, {
            "UserName": name, "Path": u.get("Path"), "Groups": list(u.get("GroupList") or []),
            "ManagedPolicyArns": _attached(u.get("AttachedManagedPolicies")),
            "Policies": _inline(u.get("UserPolicyList")), **_boundary(u), "Tags": tag_list(u.get("Tags")),
            "Credentials": creds,
        }, arn=u.get("Arn"), names=[u.get("UserId")], tags=u.get("Tags"), region=None))
    for g in details["GroupDetailList"]:
        name = g["GroupName"]
        out.append(ctx.resource("AWS::IAM::Group", name, {
            "GroupName": name, "Path": g.get("Path"), "ManagedPolicyArns": _attached(g.get("AttachedManagedPolicies")),
            "Policies": _inline(g.get("GroupPolicyList")),
        }, arn=g.get("Arn"), names=[g.get("GroupId")], region=None))
    for r in details["RoleDetailList"]:
        name = r["RoleName"]
        out.append(ctx.resource("AWS::IAM::Role", name, {
            "RoleName": name, "Path": r.get("Path"), "AssumeRolePolicyDocument": _doc(r.get("AssumeRolePolicyDocument")),
            "ManagedPolicyArns": _attached(r.get("AttachedManagedPolicies")),
            "Policies": _inline(r.get("RolePolicyList")), **_boundary(r), "Tags": tag_list(r.get("Tags")),
            "RoleLastUsed": (r.get("RoleLastUsed") or {}).get("LastUsedDate"),
        }, arn=r.get("Arn"), names=[r.get("RoleId")], tags=r.get("Tags"), region=None))
    for p in details["Policies"]:
        default: dict[str, Any] = next((v for v in p.get("PolicyVersionList") or () if v.get("IsDefaultVersion")), {})
        name = p.get("PolicyName") or str(p.get("Arn", "")).rsplit("/", 1)[-1]
        out.append(ctx.resource("AWS::IAM::ManagedPolicy", name, {
            "ManagedPolicyName": name, "Path": p.get("Path"), "Description": p.get("Description"),
            "PolicyDocument": _doc(default.get("Document")), "AttachmentCount": p.get("AttachmentCount"),
        }, arn=p.get("Arn"), names=[p.get("PolicyId")], region=None))
    return out


@collector("iam", scope="global", types=[ROOT_TYPE],
           calls=["GetAccountSummary", "ListVirtualMFADevices", *REPORT_CALLS])
def root_account(ctx: Ctx) -> list[Resource]:
    summary = (ctx.call("GetAccountSummary") or {}).get("SummaryMap", {})
    report = credential_report(ctx)
    row = report.get("<root_account>") or {}
    virtual = ctx.pages("ListVirtualMFADevices", "VirtualMFADevices", AssignmentStatus="Assigned")
    root_virtual = any(str(d.get("SerialNumber", "")).endswith(":mfa/root-account-mfa-device")
                       or str((d.get("User") or {}).get("Arn", "")).endswith(":root") for d in virtual)
    mfa = bool(summary.get("AccountMFAEnabled")) or row.get("mfa_active") == "true"
    last_used = [t for t in (_when(row.get("password_last_used")), _when(row.get("access_key_1_last_used_date")),
                             _when(row.get("access_key_2_last_used_date"))) if t]
    return [ctx.resource(ROOT_TYPE, f"arn:{ctx.partition}:iam::{ctx.account}:root", {
        "MfaActive": mfa,
        "HardwareMfa": mfa and not root_virtual,
        "AccessKeysPresent": bool(summary.get("AccountAccessKeysPresent"))
        or row.get("access_key_1_active") == "true" or row.get("access_key_2_active") == "true",
        "LastUsed": max(last_used) if last_used else None,
    }, region=None)]


@collector("iam", scope="global", types=[PASSWORD_POLICY], calls=["GetAccountPasswordPolicy"])
def password_policy(ctx: Ctx) -> list[Resource]:
    # no policy at all is an answer too: every requirement is then missing
    policy = (ctx.call("GetAccountPasswordPolicy", absent=("NoSuchEntity",)) or {}).get("PasswordPolicy", {})
    keep = ("MinimumPasswordLength", "RequireSymbols", "RequireNumbers", "RequireUppercaseCharacters",
            "RequireLowercaseCharacters", "AllowUsersToChangePassword", "MaxPasswordAge", "PasswordReusePrevention",
            "HardExpiry")
    return [ctx.resource(PASSWORD_POLICY, f"{ctx.account}/password-policy", {k: policy[k] for k in keep if k in policy},
                         region=None)]


@collector("iam", scope="global", types=["AWS::IAM::ServerCertificate"], calls=["ListServerCertificates"])
def server_certificates(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::IAM::ServerCertificate", c["ServerCertificateName"], {
        "ServerCertificateName": c["ServerCertificateName"], "Path": c.get("Path"),
        "Expiration": c["Expiration"].isoformat() if hasattr(c.get("Expiration"), "isoformat") else c.get("Expiration"),
    }, arn=c.get("Arn"), region=None) for c in ctx.pages("ListServerCertificates", "ServerCertificateMetadataList")]


@collector("cognito-idp", types=["AWS::Cognito::UserPool"], calls=["ListUserPools", "DescribeUserPool"])
def user_pools(ctx: Ctx) -> list[Resource]:
    def one(p: dict[str, Any]) -> Resource:
        d = known(ctx.item("DescribeUserPool", UserPoolId=p["Id"]), "UserPool")
        policy = known(d, "Policies", "PasswordPolicy")
        return ctx.resource("AWS::Cognito::UserPool", p["Id"], {
            "UserPoolName": p.get("Name"), "MfaConfiguration": known(d, "MfaConfiguration"),
            "Policies": {"PasswordPolicy": policy if isinstance(policy, Unknown) else policy or {}},
        }, arn=ctx.arn("cognito-idp", f"userpool/{p['Id']}"), names=[p.get("Name")])

    return ctx.map(one, ctx.pages("ListUserPools", "UserPools", MaxResults=60))


@collector("acm-pca", types=["AWS::ACMPCA::CertificateAuthority"], calls=["ListCertificateAuthorities"])
def private_cas(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::ACMPCA::CertificateAuthority", ca["Arn"], {
        "Type": ca.get("Type"), "Status": ca.get("Status"),
        "Subject": (ca.get("CertificateAuthorityConfiguration") or {}).get("Subject"),
    }, arn=ca["Arn"]) for ca in ctx.pages("ListCertificateAuthorities", "CertificateAuthorities")]


@collector("sso-admin", types=["AWS::SSO::PermissionSet"],
           calls=["ListInstances", "ListPermissionSets", "DescribePermissionSet", "GetInlinePolicyForPermissionSet",
                  "ListManagedPoliciesInPermissionSet", "ListCustomerManagedPolicyReferencesInPermissionSet"])
def permission_sets(ctx: Ctx) -> list[Resource]:
    """IAM Identity Center permission sets, in the organization's management (or delegated admin) account and
    its home region: each becomes a role in every account it is assigned to, so the IAM rules read its policies."""
    def one(instance: str, arn: str) -> Resource:
        described = known(ctx.item("DescribePermissionSet", InstanceArn=instance, PermissionSetArn=arn), "PermissionSet")
        inline = known(ctx.item("GetInlinePolicyForPermissionSet", InstanceArn=instance, PermissionSetArn=arn),
                       "InlinePolicy")
        managed = ctx.item("ListManagedPoliciesInPermissionSet", InstanceArn=instance, PermissionSetArn=arn)
        customer = ctx.item("ListCustomerManagedPolicyReferencesInPermissionSet", InstanceArn=instance,
                            PermissionSetArn=arn)
        name = known(described, "Name")
        return ctx.resource("AWS::SSO::PermissionSet", arn, {
            "Name": name, "InstanceArn": instance, "SessionDuration": known(described, "SessionDuration"),
            "InlinePolicy": inline if isinstance(inline, Unknown) else _doc(inline) or None,
            "ManagedPolicies": managed if isinstance(managed, Unknown) else
            [m["Arn"] for m in (managed or {}).get("AttachedManagedPolicies", ()) if m.get("Arn")],
            "CustomerManagedPolicyReferences": customer if isinstance(customer, Unknown) else
            [{"Name": c.get("Name"), "Path": c.get("Path")}
             for c in (customer or {}).get("CustomerManagedPolicyReferences", ())],
        }, arn=arn, names=[name] if isinstance(name, str) else [])

    pairs = [(i["InstanceArn"], arn) for i in ctx.pages("ListInstances", "Instances")
             for arn in ctx.pages("ListPermissionSets", "PermissionSets", InstanceArn=i["InstanceArn"])]
    return ctx.map(lambda pair: one(*pair), pairs)
