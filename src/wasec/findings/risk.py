"""Risk = impact × likelihood, each 1–5 (the common 5×5 matrix; 15 and above is high by default).

Impact starts from the rule's severity and moves with the resource's data classification (a
``DataClassification``-style tag, or a mapping in ``.wasec/config.yml`` by resource name, type or
tag): confidential data adds 1, restricted 2, public caps it at 2. Likelihood starts from what kind
of weakness the rule finds (public exposure and leaked secrets are found and used; a missing log is
not) and, for weaknesses an attacker reaches, rises when the resource itself is exposed: publicly
accessible, internet-facing, reachable from 0.0.0.0/0, assumable from other accounts or by anyone.

::

    risk:
      high: 15          # risk at or above: high (default 15)
      medium: 8         # at or above: medium (default 8)
      classification:   # first match wins; levels: public internal confidential restricted (or 1-5)
        - {name: "*payments*", level: restricted}
        - {type: "AWS::RDS::*", level: confidential}
        - {tag: "team=ledger", level: restricted}
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wasec.analyzers.network import is_anywhere
from wasec.errors import ConfigError
from wasec.model.finding import Status
from wasec.model.values import UnknownValue

if TYPE_CHECKING:
    from wasec.model.resource import Resource
    from wasec.rules.registry import Rule

CLASSIFICATION_TAGS = ("DataClassification", "data-classification", "data_classification", "Classification")
CLASSIFICATION_IMPACT = {"public": 1, "internal": 3, "confidential": 4, "restricted": 5, "secret": 5, "pii": 5,
                         "sensitive": 4, "critical": 5}
_ACCOUNT = re.compile(r"^(?:arn:aws[\w-]*:iam::)?(\d{12})(?::|$)")
# weaknesses that are easier to use when the resource can be reached (a missing log or backup is not)
REACHABLE = frozenset(("exposure", "access", "network", "encryption", "secret", "hardening"))
INTERNET_FACING_TYPES = ("AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer")


@dataclass(frozen=True)
class Match:
    level: str
    name: str | None = None
    type: str | None = None
    tag: tuple[str, str] | None = None

    def applies(self, r: Resource) -> bool:
        if self.type and not fnmatch.fnmatchcase(r.type, self.type):
            return False
        if self.name and not any(fnmatch.fnmatch(n, self.name) for n in (r.id, *r.names)):
            return False
        if self.tag:
            k, v = self.tag
            if not (k in r.tags and (v == "*" or fnmatch.fnmatch(str(r.tags[k]), v))):
                return False
        return True


@dataclass(frozen=True)
class RiskModel:
    high: int = 15
    medium: int = 8
    classification: tuple[Match, ...] = field(default=())

    def band(self, risk: int) -> str:
        return "high" if risk >= self.high else "medium" if risk >= self.medium else "low"

    @classmethod
    def from_config(cls, raw: Any, where: str = ".wasec/config.yml") -> RiskModel:
        if not raw:
            return cls()
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: risk must be a mapping")
        high, medium = raw.get("high", 15), raw.get("medium", 8)
        if not (isinstance(high, int) and isinstance(medium, int) and 1 <= medium <= high <= 25):
            raise ConfigError(f"{where}: risk thresholds must be whole numbers with 1 <= medium <= high <= 25")
        matches = []
        for i, m in enumerate(raw.get("classification") or []):
            level = str((m or {}).get("level", "")).lower() if isinstance(m, dict) else ""
            if level not in CLASSIFICATION_IMPACT and level not in ("1", "2", "3", "4", "5"):
                raise ConfigError(f"{where}: risk.classification #{i + 1}: level must be one of "
                                  f"{', '.join(CLASSIFICATION_IMPACT)} or 1-5")
            tag = None
            if m.get("tag"):
                k, _, v = str(m["tag"]).partition("=")
                tag = (k, v or "*")
            if not (m.get("name") or m.get("type") or tag):
                raise ConfigError(f"{where}: risk.classification #{i + 1}: give a name, type or tag to match")
            matches.append(Match(level, m.get("name"), m.get("type"), tag))
        return cls(high, medium, tuple(matches))


DEFAULT = RiskModel()


def classification(r: Resource, model: RiskModel = DEFAULT) -> tuple[str, str] | None:
    """(level, where it came from) of a resource's data."""
    for k in CLASSIFICATION_TAGS:
        v = r.tags.get(k)
        if isinstance(v, str) and v:
            return v.strip().lower(), f"tag {k}"
    for m in model.classification:
        if m.applies(r):
            return m.level, "configuration"
    return None


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def exposure(r: Resource) -> tuple[int, str] | None:
    """How reachable the resource itself is: (likelihood floor, why), from its own properties."""
    p = r.properties
    if p.get("PubliclyAccessible") is True:
        return 5, "publicly accessible"
    if r.type in INTERNET_FACING_TYPES and p.get("Scheme") == "internet-facing":
        return 5, "internet-facing"
    if r.type == "AWS::Lambda::Url" and p.get("AuthType") == "NONE":
        return 5, "a function URL without authentication"
    rules = p.get("SecurityGroupIngress")
    if isinstance(rules, list):
        for rule in rules:
            if isinstance(rule, dict) and (is_anywhere(rule.get("CidrIp")) or is_anywhere(rule.get("CidrIpv6"))):
                return 5, "reachable from 0.0.0.0/0"
    if r.type == "AWS::IAM::Role":
        statements = _get(p.get("AssumeRolePolicyDocument"), "Statement")
        for s in statements if isinstance(statements, list) else [statements]:
            principal = s.get("Principal") if isinstance(s, dict) else None
            aws = principal.get("AWS") if isinstance(principal, dict) else principal
            values = [v for v in (aws if isinstance(aws, list) else [aws]) if isinstance(v, str)]
            if "*" in values and not s.get("Condition"):
                return 5, "assumable by anyone"
            accounts = {m.group(1) for v in values if (m := _ACCOUNT.search(v))}
            if r.account and accounts - {r.account}:
                return 4, "assumable from another account"
    if p.get("AssociatePublicIpAddress") is True or p.get("MapPublicIpOnLaunch") is True:
        return 4, "has a public IP address"
    if any(_get(ni, "AssociatePublicIpAddress") is True for ni in p.get("NetworkInterfaces") or [] if isinstance(ni, dict)):
        return 4, "has a public IP address"
    return None


def score(rule: Rule, r: Resource, status: Status, model: RiskModel = DEFAULT) -> tuple[int, int, tuple[str, ...]]:
    """(impact, likelihood, why) of a finding; a PASS carries no risk."""
    if status is Status.PASS:
        return 0, 0, ()
    why = [f"{rule.severity.value} severity"]
    impact = rule.severity.rank
    cls = classification(r, model)
    if cls is not None:
        level, source = cls
        value = int(level) if level.isdigit() else CLASSIFICATION_IMPACT.get(level)
        if value is not None:
            # the data raises (or lowers) what a weakness costs, from where the rule's severity puts it
            impact = min(impact, 2) if level == "public" else impact + max(0, min(2, value - 3))
            why.append(f"data classified {level} ({source})")
    likelihood = rule.likelihood
    why.append(f"{rule.category} weakness")
    exp = None
    if rule.category in REACHABLE:
        try:
            exp = exposure(r)
        except UnknownValue:
            exp = None  # a value only known at apply time: no exposure claimed either way
    if exp is not None and exp[0] > likelihood:
        likelihood = exp[0]
        why.append(exp[1])
    return max(1, min(5, impact)), max(1, min(5, likelihood)), tuple(why)
