"""Who a resource policy (or role trust policy) lets in: anyone, other accounts, services without a source.

"Public" follows S3 Block Public Access: an Allow is public unless its principals are fixed values
(no wildcard) or a condition pins the caller to fixed values of the keys that identify it —
``aws:PrincipalOrgID``, ``aws:PrincipalAccount``, ``aws:SourceVpce``/``aws:SourceVpc``,
``aws:SourceAccount``/``aws:SourceArn``/``aws:SourceOwner``, ``aws:SourceIp`` narrower than /8,
``aws:userid`` and the like; ``sts:ExternalId`` only next to named accounts. ``IfExists`` conditions do not pin (a
caller that omits the key passes), nor do wildcard values.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from wasec.iam.evaluate import account_of
from wasec.iam.policy import Condition, Policy, Statement

# condition key → what it pins the caller to
PINNING_KEYS = {
    "aws:principalorgid": "organization", "aws:principalorgpaths": "organization", "aws:sourceorgid": "organization",
    "aws:sourceorgpaths": "organization", "aws:resourceorgid": "organization",
    "aws:principalaccount": "account", "aws:sourceaccount": "account", "aws:sourceowner": "account",
    "kms:calleraccount": "account", "s3:dataaccesspointaccount": "account",
    "aws:principalarn": "principal", "aws:userid": "principal", "aws:username": "principal",
    "aws:sourcearn": "source", "s3:dataaccesspointarn": "source", "lambda:eventsourcetoken": "source",
    "aws:sourcevpce": "network", "aws:sourcevpc": "network", "aws:sourceip": "network",
    "sts:externalid": "external-id", "kms:viaservice": "service", "aws:principalservicename": "service",
    "aws:calledvia": "service", "aws:calledviafirst": "service", "aws:calledvialast": "service",
}
_ACCOUNT_KEYS = {"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "kms:calleraccount"}
# OIDC providers whose tokens anyone can obtain: trust needs a condition on the subject / audience
OPEN_IDPS = {
    "token.actions.githubusercontent.com": ("token.actions.githubusercontent.com:sub",),
    "cognito-identity.amazonaws.com": ("cognito-identity.amazonaws.com:aud",),
    "app.terraform.io": ("app.terraform.io:sub",),
    "gitlab.com": ("gitlab.com:sub",),
    "accounts.google.com": ("accounts.google.com:sub", "accounts.google.com:aud", "accounts.google.com:oaud"),
}

# identity providers whose tokens anyone can get for some subject of theirs (every service account of a cluster,
# every project of a CI service): the trust must name the subject
_SUBJECT_IDPS = ("oidc.eks.", "oidc.circleci.com/org/", "api.bitbucket.org/2.0/workspaces/", "token.actions.githubusercontent.com/")


def open_idp_claims(provider: str) -> tuple[str, ...] | None:
    """The token claims one of which a role trusting ``provider`` must pin, or None for a provider of one's own."""
    known = OPEN_IDPS.get(provider)
    if known is not None:
        return known
    if provider.startswith(_SUBJECT_IDPS):
        return (f"{provider.lower()}:sub",)
    return None


@dataclass
class Exposure:
    kind: str  # public | cross-account | service-unrestricted | open-federation
    statement: Statement
    principal: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.statement.label}: {self.detail}"


def _fixed(v: str) -> bool:
    return "*" not in v and "?" not in v


def _narrow_ip(v: str) -> bool:
    try:
        net = ipaddress.ip_network(v, strict=False)
    except ValueError:
        return False
    return net.prefixlen >= (8 if net.version == 4 else 32)


def pins(c: Condition) -> str | None:
    """What a condition pins the caller to, or None when it lets anyone through."""
    kind = PINNING_KEYS.get(c.lkey)
    if kind is None or c.if_exists or c.negated or c.qualifier == "forallvalues" or c.base == "null":
        return None
    if not c.values or not all(_fixed(v) or (c.base.startswith(("stringlike", "arnlike")) and _fixed_prefix(v, c.lkey))
                               for v in c.values):
        return None
    if c.lkey == "aws:sourceip" and not all(_narrow_ip(v) for v in c.values):
        return None
    return kind


def _fixed_prefix(v: str, key: str) -> bool:
    """ARN patterns such as arn:aws:sns:us-east-1:111122223333:* still pin the account."""
    if key in ("aws:sourcearn", "aws:principalarn"):
        return bool(account_of(v.replace("*", "x"))) and _fixed(v.split(":", 5)[4] if v.count(":") >= 5 else "*")
    if key in ("aws:principalorgpaths", "aws:sourceorgpaths"):
        return v.startswith("o-") and v.count("/") >= 1
    return False


def _pins_subject(v: str) -> bool:
    """A token subject/audience value that names someone (``repo:org/*`` does; ``repo:*`` and ``*`` do not)."""
    if _fixed(v):
        return True
    before = re.split(r"[*?]", v, maxsplit=1)[0]
    return ":" in before and bool(before.split(":", 1)[1].strip(":/"))


def _pinned_accounts(s: Statement) -> set[str]:
    out: set[str] = set()
    for c in s.conditions:
        kind = pins(c)
        if kind == "account" and c.lkey in _ACCOUNT_KEYS:
            out.update(c.values)
        elif kind in ("principal", "source"):
            out.update(a for v in c.values if (a := account_of(v)))
    return out


def exposures(policy: Policy, own_account: str = "", trusted: set[str] | frozenset[str] = frozenset(),
              trust_policy: bool = False) -> list[Exposure]:
    """Allow statements of a resource or trust policy that reach outside the owner and trusted accounts."""
    allowed = {a for a in trusted if a} | ({own_account} if own_account else set())
    out: list[Exposure] = []
    for s in policy.statements:
        if not s.allows:
            continue
        kinds = {k for c in s.conditions if (k := pins(c))}
        if s.not_principals is not None:
            if not kinds:
                out.append(Exposure("public", s, "NotPrincipal", "allows everyone except the listed principals"))
            continue
        for ptype, values in (s.principals or {}).items():
            for v in values:
                e = _one(s, ptype, v, kinds, allowed, trust_policy)
                if e is not None:
                    out.append(e)
    return out


def _one(s: Statement, ptype: str, v: str, kinds: set[str], allowed: set[str], trust: bool) -> Exposure | None:
    if ptype in ("*", "AWS", "CanonicalUser") and not _fixed(v):
        # an external id is no secret (AWS says so): it tells a named third party's requests apart, but with a
        # wildcard principal anyone who learns it is in
        if not kinds - {"external-id"}:
            return Exposure("public", s, v, "anyone (any AWS account, or no account at all) is allowed")
        accounts = _pinned_accounts(s)
        outside = sorted(a for a in accounts if allowed and a not in allowed)
        if outside:
            return Exposure("cross-account", s, v, f"Principal {v!r} narrowed to account(s) {', '.join(outside)}, "
                                                   "which are not trusted")
        return None
    if ptype == "AWS":
        acct = account_of(v) or (v if re.fullmatch(r"\d{12}", v) else "")
        if not acct or not allowed or acct in allowed:
            return None
        if kinds & {"organization", "external-id"}:
            return None
        return Exposure("cross-account", s, v, f"account {acct} is not the owner or a trusted account")
    if ptype == "Service":
        if trust or kinds & {"account", "source", "organization"}:
            return None
        return Exposure("service-unrestricted", s, v,
                        f"{v} may act for any account: add aws:SourceAccount or aws:SourceArn (confused deputy)")
    if ptype == "Federated":
        provider = v.split(":oidc-provider/", 1)[-1]
        required = open_idp_claims(provider)
        if required and not any(c.lkey in required and not c.if_exists and not c.negated and c.base != "null"
                                and c.values and all(_pins_subject(x) for x in c.values) for c in s.conditions):
            return Exposure("open-federation", s, v,
                            f"any identity of {provider} may assume the role: condition on {required[0]}")
    return None
