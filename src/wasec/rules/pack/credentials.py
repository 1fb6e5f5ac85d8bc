"""Credentials people and machines hold, and the certificates that prove who a service is (SEC02, SEC09-BP01)."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import is_true, timestamp, utcnow
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

CERTS = ("SEC09-BP01",)
USER = "AWS::IAM::User"


@rule("iam-user-access-keys", title="IAM users hold no long-lived access keys", severity="low", types=[USER],
      area="identity", category="access", wa=("SEC02-BP02",), needs=["AWS::IAM::AccessKey"],
      why="An access key works until someone deletes it, from anywhere, for whoever copied it. Roles (for workloads), "
          "IAM Identity Center (for people) and IAM Roles Anywhere (for machines outside AWS) hand out credentials "
          "that expire.",
      fix="Move the key's user to a role it assumes (or Identity Center), then deactivate and delete the key.",
      tf='# instead of aws_iam_access_key: a role the workload assumes\nresource "aws_iam_role" "app" {\n'
         '  assume_role_policy = data.aws_iam_policy_document.trust.json\n}',
      cfn="# instead of AWS::IAM::AccessKey: an AWS::IAM::Role the workload assumes")
def user_access_keys(r: View) -> Any:
    if r.source == "aws":
        keys = [k for k in r.get("Credentials.AccessKeys") or () if isinstance(k, dict) and k.get("Active")]
        if keys:
            return Fail("Credentials.AccessKeys", f"the user has {len(keys)} active access key(s)", len(keys))
        return None
    made = [k for k in r.related("AWS::IAM::AccessKey", "UserName")
            if str(k.properties.get("Status", "Active")) != "Inactive"]
    if made:
        return Fail("", f"an access key is created for the user ({made[0].id})", made[0].id)
    return None


@rule("iam-user-console-password", title="People sign in through an identity provider, not IAM user passwords",
      severity="low", types=[USER], area="identity", category="access", wa=("SEC02-BP04", "SEC02-BP01"),
      why="Each IAM user with a password is one more identity to secure, rotate and remove by hand; federation through "
          "IAM Identity Center or your identity provider keeps one place to grant, audit and revoke access.",
      fix="Give people access through IAM Identity Center (or SAML/OIDC federation) and remove IAM user passwords.",
      tf='# instead of aws_iam_user_login_profile: an Identity Center permission set\n'
         'resource "aws_ssoadmin_permission_set" "readonly" {\n  name         = "ReadOnly"\n  instance_arn = local.sso_instance\n}',
      cfn="# instead of LoginProfile on an AWS::IAM::User: an AWS::SSO::PermissionSet")
def console_password(r: View) -> Any:
    if r.source == "aws":
        if is_true(r.get("Credentials.PasswordEnabled", False)):
            return Fail("Credentials.PasswordEnabled", "the user signs in to the console with an IAM password")
        return None
    if r.raw("LoginProfile") is not None:  # {} (no settings) is a password too
        return Fail("LoginProfile", "the user is given an IAM console password")
    return None


@rule("iam-user-mfa", title="Every IAM user has MFA", severity="medium", types=[USER], area="identity",
      category="access", wa=("SEC02-BP01",), scope="live", fsbp=("IAM.19",),
      why="A user without MFA is one leaked password or key away from being someone else; MFA is also what a role "
          "trust or a policy condition (aws:MultiFactorAuthPresent) needs to require it.",
      fix="Register an MFA device for every IAM user (or replace the users with Identity Center).",
      tf="# MFA devices are registered by each user (aws_iam_virtual_mfa_device)", cfn="# AWS::IAM::VirtualMFADevice")
def user_mfa(r: View) -> Any:
    if not is_true(r.get("Credentials.MfaActive", False)):
        return Fail("Credentials.MfaActive", "the user has no MFA device")
    return None


@rule("iam-server-certificate-expired", title="Expired server certificates are removed from IAM", severity="medium",
      types=["AWS::IAM::ServerCertificate"], area="data", category="hygiene", wa=CERTS, scope="live", cis=("2.17",),
      fsbp=("IAM.26",),
      why="An expired certificate left in IAM can be deployed to a load balancer or CloudFront by mistake, breaking "
          "clients or training them to accept certificate errors.",
      fix="Delete expired server certificates (aws iam delete-server-certificate); prefer ACM, which renews itself.",
      tf="# ACM certificates renew themselves: aws_acm_certificate", cfn="# AWS::CertificateManager::Certificate")
def server_certificate(r: View) -> Any:
    expires = timestamp(r.get("Expiration"))
    if expires is None:
        return Skip("no expiration date was read")
    if expires < utcnow():
        return Fail("Expiration", f"the certificate expired on {expires.date().isoformat()}", expires.date().isoformat())
    return None


@rule("acm-rsa-key-length", title="ACM certificates use RSA keys of 2,048 bits or more", severity="high",
      types=["AWS::CertificateManager::Certificate"], area="data", category="encryption", wa=(*CERTS, "SEC09-BP02"),
      fsbp=("ACM.2",),
      why="RSA keys shorter than 2,048 bits can be factored with resources an attacker can rent; TLS behind them "
          "protects nothing.",
      fix="Request (or import) a certificate with RSA_2048 or stronger, or an EC key.", tf='key_algorithm = "RSA_2048"',
      cfn="KeyAlgorithm: RSA_2048")
def acm_key(r: View) -> Any:
    alg = str(r.get("KeyAlgorithm", "RSA_2048")).upper().replace("-", "_")
    if alg.startswith("RSA_"):
        try:
            bits = int(alg.split("_", 1)[1])
        except ValueError:
            return Skip(f"key algorithm {alg}")
        if bits < 2048:
            return Fail("KeyAlgorithm", f"the certificate's RSA key is {bits} bits", alg)
    return None


@rule("acm-certificate-renewal", title="Imported ACM certificates are renewed before they expire", severity="medium",
      types=["AWS::CertificateManager::Certificate"], area="data", category="hygiene", wa=CERTS, scope="live",
      fsbp=("ACM.1",), options={"days": 30},
      why="ACM renews the certificates it issues, not the ones you import: those expire unless someone replaces them, "
          "and an expired certificate takes the service down or teaches users to click through warnings.",
      fix="Re-import a renewed certificate before it expires, or move to an ACM-issued certificate.",
      tf="# an ACM-issued certificate renews itself:\nvalidation_method = \"DNS\"", cfn="ValidationMethod: DNS")
def acm_renewal(r: View) -> Any:
    if str(r.get("Type", "")).upper() != "IMPORTED":
        return Skip("ACM renews the certificates it issues")
    expires = timestamp(r.get("NotAfter"))
    if expires is None:
        return Skip("no expiry date was read")
    days = int(r.options.get("days", 30))
    left = (expires - utcnow()).days
    if left < days:
        return Fail("NotAfter", f"the imported certificate expires in {left} day(s)" if left >= 0 else
                    f"the imported certificate expired {-left} day(s) ago", expires.date().isoformat())
    return None


@rule("cloudfront-custom-certificate", title="CloudFront distributions serve a certificate of their own",
      severity="medium", types=["AWS::CloudFront::Distribution"], area="data", category="encryption", wa=CERTS,
      fsbp=("CloudFront.7",),
      why="With CloudFront's default certificate the site is only reachable as *.cloudfront.net, and its TLS settings "
          "(minimum protocol, ciphers) cannot be chosen.",
      fix="Serve the distribution under your domain with an ACM certificate (in us-east-1), SNI only, TLSv1.2_2021.",
      tf='viewer_certificate {\n  acm_certificate_arn      = aws_acm_certificate.site.arn\n  ssl_support_method       = "sni-only"\n'
         '  minimum_protocol_version = "TLSv1.2_2021"\n}',
      cfn="ViewerCertificate:\n  AcmCertificateArn: !Ref SiteCertificate\n  SslSupportMethod: sni-only\n"
          "  MinimumProtocolVersion: TLSv1.2_2021")
def cloudfront_certificate(r: View) -> Any:
    cert = r.get("DistributionConfig.ViewerCertificate")
    if not isinstance(cert, dict) or is_true(cert.get("CloudFrontDefaultCertificate", False)) or not (
            cert.get("AcmCertificateArn") or cert.get("IamCertificateId")):
        return Fail("DistributionConfig.ViewerCertificate" if cert is not None else "DistributionConfig",
                    "the distribution uses CloudFront's default certificate")
    return None


@rule("elb-classic-acm-certificate", title="Classic Load Balancers serve ACM certificates", severity="medium",
      types=["AWS::ElasticLoadBalancing::LoadBalancer"], area="data", category="encryption", wa=CERTS,
      fsbp=("ELB.2",),
      why="Certificates uploaded to IAM are renewed by hand; ACM renews the ones it issues and keeps the private key "
          "out of anyone's hands.",
      fix="Use an ACM certificate on HTTPS and SSL listeners.",
      tf='listener {\n  lb_port            = 443\n  lb_protocol        = "https"\n  instance_port      = 8080\n'
         '  instance_protocol  = "http"\n  ssl_certificate_id = aws_acm_certificate.site.arn\n}',
      cfn="Listeners:\n  - LoadBalancerPort: '443'\n    Protocol: HTTPS\n    InstancePort: '8080'\n"
          "    SSLCertificateId: !Ref SiteCertificate")
def clb_certificate(r: View) -> Any:
    fails = []
    for p, li in r.items("Listeners"):
        if not isinstance(li, dict) or str(li.get("Protocol", "")).upper() not in ("HTTPS", "SSL"):
            continue
        with r.part():
            if not _acm(r, f"{p}.SSLCertificateId"):
                cert = r.raw(f"{p}.SSLCertificateId")
                fails.append(Fail(f"{p}.SSLCertificateId", "the listener serves a certificate that is not ACM's",
                                  getattr(cert, "text", None) or cert))
    return fails


def _acm(r: View, path: str) -> bool:
    """Whether the certificate at ``path`` is ACM's: by its ARN, or by the resource it refers to."""
    v = r.raw(path)
    if v is None:
        return True  # nothing to judge: the listener is wrong in other ways
    target = r.resolve(v, "AWS::CertificateManager::Certificate", "AWS::IAM::ServerCertificate")
    if target is not None:
        return target.type == "AWS::CertificateManager::Certificate"
    for ref in getattr(v, "refs", ()) or ([v.ref] if hasattr(v, "ref") else []):
        if "aws_acm_certificate" in ref:
            return True
        if "aws_iam_server_certificate" in ref:
            return False
    return ":acm:" in str(r.get(path))


# Cognito user pool password requirements: the API's defaults when no policy is given, and the minimum asked for
_COGNITO_REQUIRE = ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")


def _number(v: Any, default: int) -> int:
    try:
        return int(str(v).strip())
    except ValueError:
        return default


@rule("cognito-user-pool-password-policy", title="Cognito user pools require strong passwords", severity="medium",
      types=["AWS::Cognito::UserPool"], area="identity", category="access", wa=("SEC02-BP01",), fsbp=("Cognito.3",),
      options={"min_length": 8, "temporary_days": 7},
      why="A user pool's passwords guard the application's users; short or single-class passwords fall to spraying "
          "and stuffing, and temporary passwords valid for weeks wait in inboxes.",
      fix="Require at least 8 characters with lower and upper case letters, numbers and symbols, and temporary "
          "passwords valid for 7 days at most.",
      tf="password_policy {\n  minimum_length                   = 12\n  require_lowercase                = true\n"
         "  require_uppercase                = true\n  require_numbers                  = true\n"
         "  require_symbols                  = true\n  temporary_password_validity_days = 7\n}",
      cfn="Policies:\n  PasswordPolicy:\n    MinimumLength: 12\n    RequireLowercase: true\n    RequireUppercase: true\n"
          "    RequireNumbers: true\n    RequireSymbols: true\n    TemporaryPasswordValidityDays: 7")
def cognito_passwords(r: View) -> Any:
    base = "Policies.PasswordPolicy"
    if r.raw(base) is None:
        return None  # the service default: 8 characters, every class required, temporary passwords for 7 days
    fails = []
    min_length = int(r.options.get("min_length", 8))
    length = r.get(f"{base}.MinimumLength", 8)
    if _number(length, 8) < min_length:
        fails.append(Fail(f"{base}.MinimumLength", f"passwords may be {length} characters long", length))
    weak = [k for k in _COGNITO_REQUIRE if not is_true(r.get(f"{base}.{k}", False))]
    if weak:
        fails.append(Fail(f"{base}.{weak[0]}", "passwords need not contain "
                          + ", ".join(k.removeprefix("Require").lower() for k in weak)))
    days = r.get(f"{base}.TemporaryPasswordValidityDays", 7)
    if _number(days, 7) > int(r.options.get("temporary_days", 7)):
        fails.append(Fail(f"{base}.TemporaryPasswordValidityDays", f"temporary passwords stay valid {days} days", days))
    return fails


@rule("pca-root-ca-disabled", title="Private CA root certificate authorities are disabled when not in use",
      severity="low", types=["AWS::ACMPCA::CertificateAuthority"], area="data", category="hygiene", wa=CERTS,
      fsbp=("PCA.1",),
      why="A root CA should sign subordinate CAs and then rest: while enabled, anyone who may call IssueCertificate on "
          "it can mint certificates every system under the hierarchy trusts.",
      fix="Issue certificates from a subordinate CA and disable the root CA (enable it only to sign or renew "
          "subordinates).",
      tf='type    = "SUBORDINATE"  # and for the root CA: enabled = false',
      cfn="Type: SUBORDINATE")
def pca_root(r: View) -> Any:
    if str(r.get("Type") or "").upper() != "ROOT":
        return Skip("a subordinate CA")
    status = r.get("Status", "ACTIVE")
    if str(status).upper() in ("DISABLED", "DELETED", "EXPIRED", "FAILED"):
        return None
    return Fail("Type", "the root CA is enabled", status)
