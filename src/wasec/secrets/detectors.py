"""The secret formats wasec knows: one table, one entry per format.

A detector names the literal *anchors* one of which must be on a line (found with fast substring
search over the whole file, so a file without any anchor costs almost nothing), the pattern that
extracts the value from that line, and an optional check that confirms it (a checksum, a decodable
header, a private-key body) or refuses it (a placeholder, AWS's example key). The generic
"a secret assigned to a secret-looking name" detector lives in ``generic.py``.

To add a format: append a ``Detector`` here and a true and a false case to tests/secrets/cases.yaml.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from wasec.secrets.values import REFERENCE, placeholder


class Context(Protocol):
    """What a check may look at besides the match: the line and the lines after it."""

    line: str

    def following(self, n: int) -> list[str]: ...


# (confidence, why) when the match is a secret, or (confidence, why, the secret) when the match only
# announces it (a PEM header: the secret is the body that follows); None when it is not
Verdict = tuple[str, str] | tuple[str, str, str] | None
Check = Callable[[str, re.Match[str], Context], Verdict]


@dataclass(frozen=True)
class Detector:
    id: str  # the rule id is "secret-" + id
    title: str
    severity: str  # critical | high | medium | low
    anchors: tuple[str, ...]  # literals, one of which is on the line (found case-insensitively)
    pattern: re.Pattern[str]  # the "secret" group (or the whole match) is the value
    why: str  # what the value is and why it matters, in a few words
    check: Check | None = None

    @property
    def rule_id(self) -> str:
        return f"secret-{self.id}"


def value_of(m: re.Match[str]) -> str:
    return m.group("secret") if "secret" in m.re.groupindex and m.group("secret") else m.group(0)


# --- checks ---------------------------------------------------------------------------------------

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, d = divmod(n, 62)
        out = _B62[d] + out
    return out.rjust(width, "0")


def crc_token(value: str, m: re.Match[str], ctx: Context) -> Verdict:
    """GitHub-format tokens (also npm's) end in a base62 CRC32 of their random part: a typo or a made-up
    token fails it."""
    body = value.partition("_")[2]
    rand, crc = body[:-6], body[-6:]
    if _base62(binascii.crc32(rand.encode()), 6) != crc:
        return None
    return "high", "the token's CRC32 checksum is valid"


def not_placeholder(value: str, m: re.Match[str], ctx: Context) -> Verdict:
    return None if placeholder(value) else ("high", "")


def aws_key_id(value: str, m: re.Match[str], ctx: Context) -> Verdict:
    if placeholder(value[4:]) or "EXAMPLE" in value:
        return None
    if value.startswith("ASIA"):
        return "high", "temporary (STS) credentials: the secret and session token are usually next to it"
    return "high", ""


def aws_secret(value: str, m: re.Match[str], ctx: Context) -> Verdict:
    if placeholder(value) or "EXAMPLE" in value or not (any(c.isupper() for c in value) and any(c.islower() for c in value)):
        return None
    return "high", ""


def private_key(value: str, m: re.Match[str], ctx: Context) -> Verdict:
    """A key only if the block has a body: a few lines of base64 (or escaped ``\\n`` ones), not ``...``."""
    rest = ctx.line[m.end():]
    body = rest.replace("\\n", "\n").replace("\\r", "")
    if "-----END" not in body:
        for line in ctx.following(60):
            body += "\n" + line
            if "-----END" in line:
                break
    body = body.split("-----END", 1)[0]
    b64 = re.sub(r"[^A-Za-z0-9+/=]", "", re.sub(r"(?m)^\s*[\w-]+:.*$", "", body))  # headers (Proc-Type:) out
    if len(b64) < 64 or placeholder(b64[:64]) or len(set(b64)) < 20:
        return None
    if "ENCRYPTED" in value or "Proc-Type: 4,ENCRYPTED" in body:
        return "medium", "encrypted with a passphrase, which may be next to it", b64
    return "high", "", b64


def putty(value: str, m: re.Match[str], ctx: Context) -> Verdict:
    """A PuTTY key file only with its private lines (the header alone is in every PuTTY manual)."""
    after = ctx.following(40)
    if not any(line.startswith("Private-Lines:") for line in after):
        return None
    encrypted = any(line.startswith("Encryption:") and "none" not in line for line in after)
    return ("medium", "encrypted with a passphrase") if encrypted else ("high", "")


def jwt(value: str, m: re.Match[str], ctx: Context) -> Verdict:
    head, payload = value.split(".")[:2]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(header, dict) or "alg" not in header or not isinstance(claims, dict):
        return None
    if claims.get("name") == "John Doe" or claims.get("sub") == "1234567890":
        return None  # jwt.io's example
    what = ", ".join(f"{k}={claims[k]}" for k in ("iss", "scope", "role") if isinstance(claims.get(k), str))
    return "medium", f"signed with {header.get('alg')}" + (f" ({what})" if what else "")


def url_password(value: str, m: re.Match[str], ctx: Context) -> Verdict:
    from urllib.parse import unquote

    pw = unquote(value)
    if len(pw) < 4 or placeholder(pw) or REFERENCE.search(pw) or pw == m.group("user") or m.group("host") in PLACE_HOSTS:
        return None
    return "high", f"a {m.group('scheme')} URL"


PLACE_HOSTS = ("host", "hostname", "server", "your-host", "example.com", "HOST")


def slack(value: str, m: re.Match[str], ctx: Context) -> Verdict:
    return None if placeholder(value.split("-", 1)[1]) else ("high", "")


def azure_sas(value: str, m: re.Match[str], ctx: Context) -> Verdict:
    return ("high", "") if "sv=" in ctx.line and not placeholder(value) else None


def _d(id: str, title: str, severity: str, anchors: str, pattern: str, why: str,
       check: Check | None = not_placeholder) -> Detector:
    return Detector(id, title, severity, tuple(anchors.split("|")), re.compile(pattern), why, check)


DETECTORS: tuple[Detector, ...] = (
    _d("aws-access-key-id", "AWS access key id", "critical", "AKIA|ASIA|ABIA|ACCA",
       r"\b(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
       "an AWS access key id; with its secret it signs requests as its IAM user or role", aws_key_id),
    _d("aws-secret-access-key", "AWS secret access key", "critical",
       "secret",
       r"(?i)secret_?-?access_?-?key\w*[\"']?\s*(?:[:=]|=>)\s*[\"'`]?(?P<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
       "an AWS secret access key", aws_secret),
    _d("aws-session-token", "AWS session token", "high", "token",
       r"(?i)(?:session|security)_?token\w*[\"']?\s*(?:[:=]|=>)\s*[\"'`]?(?P<secret>[A-Za-z0-9/+=]{100,})",
       "temporary AWS credentials' session token"),
    _d("github-token", "GitHub token", "critical", "ghp_|gho_|ghu_|ghs_|ghr_",
       r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{36})\b", "a GitHub personal, OAuth, app or refresh token", crc_token),
    _d("github-fine-grained-token", "GitHub fine-grained token", "critical", "github_pat_",
       r"\b(?P<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b", "a GitHub fine-grained personal access token"),
    _d("gitlab-token", "GitLab token", "critical", "glpat-|glrt-|gldt-|glptt-|glcbt-|gloas-",
       r"\b(?P<secret>gl(?:pat|rt|dt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,})", "a GitLab access, runner or deploy token"),
    _d("slack-token", "Slack token", "high", "xox|xapp-",
       r"\b(?P<secret>xox[abposre]-\d+-[A-Za-z0-9-]{10,}|xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+)",
       "a Slack bot, user or app token", slack),
    _d("slack-webhook", "Slack incoming webhook", "medium", "hooks.slack.com/",
       r"(?P<secret>https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,})",
       "anyone with the URL can post to the channel"),
    _d("stripe-secret-key", "Stripe live secret key", "critical", "sk_live_|rk_live_|whsec_",
       r"\b(?P<secret>(?:sk|rk)_live_[A-Za-z0-9]{20,}|whsec_[A-Za-z0-9]{32,})",
       "a Stripe live-mode secret, restricted or webhook signing key"),
    _d("google-api-key", "Google API key", "high", "AIza", r"\b(?P<secret>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])",
       "a Google Cloud API key"),
    _d("google-oauth-client-secret", "Google OAuth client secret", "high", "GOCSPX-",
       r"\b(?P<secret>GOCSPX-[A-Za-z0-9_-]{28})", "a Google OAuth client secret"),
    _d("private-key", "Private key", "critical", "PRIVATE KEY",
       r"-----BEGIN (?P<secret>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----",
       "a private key (PEM, OpenSSH, PKCS#8 or PGP)", private_key),
    _d("putty-private-key", "PuTTY private key", "critical", "PuTTY-User-Key-File-",
       r"(?P<secret>PuTTY-User-Key-File-\d: [\w-]+)", "a PuTTY private key file", putty),
    _d("jwt", "JSON Web Token", "medium", "eyJ",
       r"\b(?P<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})", "a bearer token", jwt),
    _d("sendgrid-api-key", "SendGrid API key", "high", "SG.",
       r"\b(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])", "a SendGrid API key"),
    _d("twilio-api-key", "Twilio API key", "high", "twilio",
       r"\b(?P<secret>SK[0-9a-fA-F]{32})\b", "a Twilio API key sid (its secret is usually next to it)"),
    _d("mailgun-api-key", "Mailgun API key", "high", "key", r"\b(?P<secret>key-[0-9a-f]{32})\b", "a Mailgun API key"),
    _d("mailchimp-api-key", "Mailchimp API key", "high", "-us", r"\b(?P<secret>[0-9a-f]{32}-us\d{1,2})\b",
       "a Mailchimp API key"),
    _d("npm-token", "npm access token", "critical", "npm_", r"\b(?P<secret>npm_[A-Za-z0-9]{36})\b",
       "an npm access token: it can publish packages", crc_token),
    _d("pypi-token", "PyPI API token", "critical", "pypi-AgE", r"\b(?P<secret>pypi-AgE[A-Za-z0-9_-]{50,})",
       "a PyPI API token: it can publish packages"),
    _d("azure-storage-key", "Azure storage account key", "critical", "accountkey=|sharedaccesskey=",
       r"(?i)(?:AccountKey|SharedAccessKey)=(?P<secret>[A-Za-z0-9+/]{40,86}={0,2})",
       "an Azure storage or Service Bus shared key"),
    _d("azure-sas-token", "Azure shared access signature", "high", "sig=",
       r"[?&;]sig=(?P<secret>[A-Za-z0-9%+/=]{30,})", "a signed Azure URL", azure_sas),
    _d("azure-client-secret", "Azure AD client secret", "critical", "Q~",
       r"(?<![\w~.-])(?P<secret>[\w~.-]{3}\dQ~[\w~.-]{31,34})(?![\w~.-])", "an Entra ID (Azure AD) application secret"),
    _d("url-password", "Password in a URL", "high", "://",
       r"\b(?P<scheme>[a-z][a-z0-9+.-]{1,20})://(?P<user>[^\s:/@'\"<>]*):(?P<secret>[^\s@/'\"<>]+)@(?P<host>[^\s/'\"?#:<>]+)",
       "a database, broker or service URL with its password", url_password),
    _d("telegram-bot-token", "Telegram bot token", "high", ":AA", r"\b(?P<secret>\d{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])",
       "a Telegram bot token"),
    _d("discord-webhook", "Discord webhook", "medium", "discord",
       r"(?P<secret>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{60,})",
       "anyone with the URL can post to the channel"),
    _d("shopify-token", "Shopify token", "high", "shpat_|shpss_|shpca_|shppa_",
       r"\b(?P<secret>shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})\b", "a Shopify access token or shared secret"),
    _d("openai-api-key", "OpenAI API key", "high", "T3BlbkFJ",
       r"\b(?P<secret>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,})", "an OpenAI API key"),
    _d("anthropic-api-key", "Anthropic API key", "high", "sk-ant-",
       r"\b(?P<secret>sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,})", "an Anthropic API key"),
    _d("huggingface-token", "Hugging Face token", "high", "hf_", r"\b(?P<secret>hf_[A-Za-z]{34})\b",
       "a Hugging Face access token"),
    _d("digitalocean-token", "DigitalOcean token", "high", "dop_v1_|doo_v1_|dor_v1_",
       r"\b(?P<secret>do[opr]_v1_[a-f0-9]{64})\b", "a DigitalOcean token"),
    _d("hashicorp-token", "HashiCorp Vault or Terraform Cloud token", "critical", "hvs.|hvb.|.atlasv1.",
       r"\b(?P<secret>hv[sb]\.[A-Za-z0-9_-]{90,}|[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,})",
       "a Vault or Terraform Cloud token"),
    _d("databricks-token", "Databricks token", "high", "dapi", r"\b(?P<secret>dapi[a-f0-9]{32}(?:-\d)?)\b",
       "a Databricks personal access token"),
    _d("postman-api-key", "Postman API key", "high", "PMAK-", r"\b(?P<secret>PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b",
       "a Postman API key"),
    _d("docker-hub-token", "Docker Hub token", "high", "dckr_pat_", r"\b(?P<secret>dckr_pat_[A-Za-z0-9_-]{27})",
       "a Docker Hub personal access token"),
    _d("age-secret-key", "age secret key", "critical", "AGE-SECRET-KEY-1",
       r"(?P<secret>AGE-SECRET-KEY-1[0-9A-Z]{58})", "an age encryption secret key"),
    _d("square-token", "Square token", "high", "sq0atp-|sq0csp-", r"\b(?P<secret>sq0(?:atp|csp)-[A-Za-z0-9_-]{22,43})",
       "a Square access token or application secret"),
    _d("newrelic-key", "New Relic key", "high", "NRAK-|NRII-", r"\b(?P<secret>NR(?:AK|II)-[A-Za-z0-9]{27,32})\b",
       "a New Relic user or ingest key"),
    _d("grafana-token", "Grafana token", "high", "glsa_|glc_",
       r"\b(?P<secret>glsa_[A-Za-z0-9]{32}_[a-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})", "a Grafana service-account or Cloud token"),
    _d("atlassian-token", "Atlassian API token", "high", "ATATT3", r"\b(?P<secret>ATATT3[A-Za-z0-9_=-]{180,})",
       "an Atlassian API token"),
    _d("artifactory-token", "Artifactory API key", "high", "AKCp", r"\b(?P<secret>AKCp[A-Za-z0-9]{69})\b",
       "a JFrog Artifactory API key"),
    _d("sentry-token", "Sentry auth token", "high", "sntrys_|sntryu_",
       r"\b(?P<secret>sntrys_eyJ[A-Za-z0-9_=+/-]{60,}|sntryu_[a-f0-9]{64})", "a Sentry auth token"),
    _d("pulumi-token", "Pulumi access token", "high", "pul-", r"\b(?P<secret>pul-[a-f0-9]{40})\b", "a Pulumi access token"),
    _d("doppler-token", "Doppler token", "high", "dp.pt.|dp.st.|dp.sa.|dp.ct.",
       r"\b(?P<secret>dp\.(?:pt|st|sa|ct)\.[A-Za-z0-9]{40,44})\b", "a Doppler token"),
    _d("linear-api-key", "Linear API key", "high", "lin_api_", r"\b(?P<secret>lin_api_[A-Za-z0-9]{40})\b",
       "a Linear API key"),
)

BY_ID = {d.id: d for d in DETECTORS}
