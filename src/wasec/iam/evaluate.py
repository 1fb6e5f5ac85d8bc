"""Allow or deny for one request, with AWS's policy evaluation logic, and the statements that decided it.

Order (as AWS documents it): an explicit Deny in any policy wins; SCPs, the permission boundary and
session policies must each allow; then an Allow from an identity policy or from the resource policy
grants, except that across accounts both the identity and the resource policy must allow.
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wasec.iam.catalog import glob_regex
from wasec.iam.policy import Condition, Policy, Statement

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "Allow", "ExplicitDeny", "ImplicitDeny"


_PRINCIPAL_TYPE = re.compile(r"^arn:[^:]*:(?:iam|sts)::\d{12}:(root|user/|role/|assumed-role/|federated-user/)")
_PRINCIPAL_TYPES = {"root": "Account", "user/": "User", "role/": "AssumedRole", "assumed-role/": "AssumedRole",
                    "federated-user/": "FederatedUser"}


@dataclass
class Request:
    action: str
    resource: str = "*"
    principal: str = ""  # the caller's ARN (arn:aws:iam::111122223333:role/x); "" when not known
    context: dict[str, list[str]] = field(default_factory=dict)  # condition keys (any case) → values

    def __post_init__(self) -> None:
        self.context = {k.lower(): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in self.context.items()}
        if self.principal:
            self.context.setdefault("aws:principalarn", [self.principal])
            acct = account_of(self.principal)
            if acct:
                self.context.setdefault("aws:principalaccount", [acct])
            if ":user/" in self.principal:
                self.context.setdefault("aws:username", [self.principal.rsplit("/", 1)[1]])
            kind = _PRINCIPAL_TYPE.search(self.principal)
            if kind:  # what AWS puts in aws:PrincipalType for this kind of caller
                self.context.setdefault("aws:principaltype", [_PRINCIPAL_TYPES[kind.group(1)]])


@dataclass(frozen=True)
class Match:
    policy: str
    statement: Statement
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.policy} {self.statement.label}: {self.statement.effect}"


@dataclass
class Decision:
    effect: str  # Allow | ExplicitDeny | ImplicitDeny
    reason: str
    by: list[Match] = field(default_factory=list)  # the statements that decided
    notes: list[str] = field(default_factory=list)  # what was assumed (missing context keys…)

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOW


_ACCOUNT = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:(\d{12}):")


def account_of(arn: str) -> str:
    if re.fullmatch(r"\d{12}", arn):
        return arn
    m = _ACCOUNT.match(arn)
    return m.group(1) if m else ""


def glob_match(pattern: str, value: str, case: bool = False) -> bool:
    return glob_regex(pattern, case).fullmatch(value) is not None


_VAR = re.compile(r"\$\{([^}]*)\}")
_LITERAL = {"*": "\x00", "?": "\x01", "$": "$"}  # ${*} ${?} ${$}: the character itself, not a wildcard


def substitute(text: str, context: dict[str, list[str]]) -> str | None:
    """Replace policy variables (``${aws:username}``); None when one is not in the context and has no default."""
    if "${" not in text:
        return text
    missing = False

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        body = m.group(1)
        if body in _LITERAL:
            return _LITERAL[body]
        key, _, default = body.partition(",")
        vals = context.get(key.strip().lower())
        if vals:
            return vals[0]
        d = re.match(r"\s*'(.*)'\s*$", default)
        if d:
            return d.group(1)
        missing = True
        return ""

    out = _VAR.sub(one, text)
    return None if missing else out


def _literal_glob(pattern: str, value: str, case: bool) -> bool:
    """A glob where ``${*}``/``${?}`` (substituted as \\x00/\\x01) are literal characters."""
    if "\x00" not in pattern and "\x01" not in pattern:
        return glob_match(pattern, value, case)
    rx = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".").replace("\x00", r"\*").replace("\x01", r"\?")
    return re.fullmatch(rx, value, 0 if case else re.I) is not None


def action_matches(stmt: Statement, action: str) -> bool:
    if stmt.actions is not None:
        return any(glob_match(p, action) for p in stmt.actions)
    return not any(glob_match(p, action) for p in stmt.not_actions or ())


def resource_matches(stmt: Statement, resource: str, context: dict[str, list[str]], variables: bool) -> bool:
    def hit(patterns: tuple[str, ...]) -> bool:
        for p in patterns:
            q = substitute(p, context) if variables else p
            if q is not None and _literal_glob(q, resource, case=True):
                return True
        return False

    if stmt.resources is not None:
        return hit(stmt.resources)
    if stmt.not_resources is not None:
        return not hit(stmt.not_resources)
    return True  # resource policies may omit Resource: the resource itself


def _principal_hits(principals: dict[str, tuple[str, ...]], caller: str) -> bool:
    for kind, values in principals.items():
        for v in values:
            if v == "*" and kind in ("*", "AWS"):
                return True
            if not caller:
                continue
            if kind == "AWS":
                if v == caller or (re.fullmatch(r"\d{12}", v) and account_of(caller) == v):
                    return True
                if v.endswith(":root") and account_of(v) == account_of(caller):
                    return True
                if ":assumed-role/" in caller and ":role/" in v:
                    # a role session is named by its role
                    role = caller.split(":assumed-role/", 1)[1].split("/", 1)[0]
                    if v.rsplit("/", 1)[-1] == role and account_of(v) == account_of(caller):
                        return True
            elif kind in ("Service", "Federated", "CanonicalUser") and v == caller:
                return True
    return False


def principal_matches(stmt: Statement, caller: str) -> bool:
    if stmt.principals is not None:
        return _principal_hits(stmt.principals, caller)
    if stmt.not_principals is not None:
        return not _principal_hits(stmt.not_principals, caller)
    return True  # identity policies name no principal


# -- conditions ---------------------------------------------------------------------------------------
def _num(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


def _date(v: str) -> datetime | None:
    try:
        if re.fullmatch(r"\d+(\.\d+)?", v):
            return datetime.fromtimestamp(float(v), tz=UTC)
        d = datetime.fromisoformat(v.replace("Z", "+00:00"))
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    except ValueError:
        return None


_ORDER = {"equals": operator.eq, "lessthan": operator.lt, "lessthanequals": operator.le, "greaterthan": operator.gt,
          "greaterthanequals": operator.ge}


def _compare(base: str, have: str, want: str) -> bool:
    """One context value against one policy value, for a positive (not negated) base operator."""
    if base in ("stringequals", "stringnotequals"):
        return have == want
    if base in ("stringequalsignorecase", "stringnotequalsignorecase"):
        return have.lower() == want.lower()
    if base in ("stringlike", "stringnotlike"):
        return _literal_glob(want, have, case=True)
    if base.startswith(("numeric", "date")):
        kind = "numeric" if base.startswith("numeric") else "date"
        read: Any = _num if kind == "numeric" else _date
        a, b = read(have), read(want)
        if a is None or b is None:
            return False
        return _ORDER[base[len(kind):].replace("not", "")](a, b)
    if base == "bool":
        return have.lower() == want.lower()
    if base == "binaryequals":
        return have == want
    if base in ("ipaddress", "notipaddress"):
        try:
            return ipaddress.ip_address(have) in ipaddress.ip_network(want, strict=False)
        except ValueError:
            return False
    if base in ("arnequals", "arnnotequals", "arnlike", "arnnotlike"):
        return _arn_match(want, have)
    return False


def _arn_match(pattern: str, arn: str) -> bool:
    p, a = pattern.split(":", 5), arn.split(":", 5)
    if len(p) != 6 or len(a) != 6:
        return _literal_glob(pattern, arn, case=True)
    return all(_literal_glob(x, y, case=True) for x, y in zip(p, a, strict=True))


def condition_holds(c: Condition, context: dict[str, list[str]], variables: bool = True) -> tuple[bool, str]:
    """Whether one condition (operator, key, values) holds; the note says what a missing key meant."""
    have = context.get(c.lkey)
    wants = [w2 for w in c.values if (w2 := (substitute(w, context) if variables else w)) is not None]
    if c.base == "null":
        absent = not have
        return any(w.lower() == ("true" if absent else "false") for w in wants), ""
    if not have:
        if c.qualifier == "forallvalues":
            return True, f"{c.key} is not in the request: ForAllValues holds for an empty set"
        if c.if_exists:
            return True, f"{c.key} is not in the request: {c.operator} holds"
        if c.negated and not c.qualifier:
            return True, f"{c.key} is not in the request: the negated operator {c.operator} holds"
        return False, f"{c.key} is not in the request: {c.operator} does not hold"
    if c.negated:
        def one(h: str) -> bool:
            return not any(_compare(c.base, h, w) for w in wants)
    else:
        def one(h: str) -> bool:
            return any(_compare(c.base, h, w) for w in wants)
    if c.qualifier == "forallvalues":
        return all(one(h) for h in have), ""
    if c.qualifier == "foranyvalue":
        return any(one(h) for h in have), ""
    # a single-valued key: AWS compares the value (for a multi-valued key without qualifier, any value)
    return (all(one(h) for h in have) if c.negated else any(one(h) for h in have)), ""


def statement_applies(stmt: Statement, req: Request, resource_policy: bool = False,
                      variables: bool = True) -> tuple[bool, tuple[str, ...]]:
    if not action_matches(stmt, req.action):
        return False, ()
    if not resource_matches(stmt, req.resource, req.context, variables):
        return False, ()
    if resource_policy and not principal_matches(stmt, req.principal):
        return False, ()
    notes = []
    for c in stmt.conditions:
        ok, note = condition_holds(c, req.context, variables)
        if note:
            notes.append(note)
        if not ok:
            return False, tuple(notes)
    return True, tuple(notes)


def _matches(policies: Iterable[Policy], req: Request, resource_policy: bool, label: str,
             notes: list[str]) -> tuple[list[Match], list[Match]]:
    allows: list[Match] = []
    denies: list[Match] = []
    for i, p in enumerate(policies):
        name = p.name or f"{label}[{i}]"
        variables = p.version != "2008-10-17" and p.version is not None
        for s in p.statements:
            ok, n = statement_applies(s, req, resource_policy, variables)
            notes.extend(x for x in n if x not in notes)
            if ok:
                (allows if s.allows else denies).append(Match(name, s, n))
    return allows, denies


def evaluate(req: Request, identity: Iterable[Policy] = (), resource: Policy | None = None,
             scps: Iterable[Policy] = (), boundary: Policy | None = None,
             session: Iterable[Policy] = (), resource_account: str = "") -> Decision:
    """Decide one request. ``scps``: one policy per level of the organisation, each must allow."""
    notes: list[str] = []
    groups = {
        "identity": _matches(identity, req, False, "identity", notes),
        "resource": _matches([resource] if resource else [], req, True, "resource", notes),
        "boundary": _matches([boundary] if boundary else [], req, False, "boundary", notes),
        "session": _matches(session, req, False, "session", notes),
    }
    scp_list = list(scps)
    scp_results = [_matches([p], req, False, f"scp[{i}]", notes) for i, p in enumerate(scp_list)]
    denies = [m for g in groups.values() for m in g[1]] + [m for r in scp_results for m in r[1]]
    if denies:
        return Decision(EXPLICIT_DENY, "an explicit Deny applies", denies, notes)
    for i, (allow, _) in enumerate(scp_results):
        if not allow:
            return Decision(IMPLICIT_DENY, f"no Allow in service control policy {scp_list[i].name or i}", [], notes)
    id_allow, res_allow = groups["identity"][0], groups["resource"][0]
    principal_named = [m for m in res_allow if m.statement.principals and any(
        req.principal and req.principal in vals for vals in m.statement.principals.values())]
    caller_acct = account_of(req.principal) if req.principal else ""
    cross = bool(caller_acct and resource_account and caller_acct != resource_account)
    limits = []
    if boundary is not None and not groups["boundary"][0]:
        limits.append("the permissions boundary does not allow it")
    session_list = list(session)
    if session_list and not groups["session"][0]:
        limits.append("the session policy does not allow it")
    if cross:
        if not res_allow:
            return Decision(IMPLICIT_DENY, "cross-account: the resource policy does not allow the caller", [], notes)
        if not id_allow or limits:
            return Decision(IMPLICIT_DENY, "cross-account: " + ("; ".join(limits) or "no identity policy allows it"),
                            [], notes)
        return Decision(ALLOW, "cross-account: allowed by both the identity and the resource policy",
                        id_allow + res_allow, notes)
    if principal_named:
        # a resource policy naming the user or session itself is not limited by a boundary's implicit deny
        return Decision(ALLOW, "allowed by the resource policy, which names the caller", principal_named, notes)
    if res_allow and not limits:
        return Decision(ALLOW, "allowed by the resource policy", res_allow, notes)
    if id_allow and not limits:
        return Decision(ALLOW, "allowed by an identity policy", id_allow, notes)
    if limits and (id_allow or res_allow):
        return Decision(IMPLICIT_DENY, "; ".join(limits), [], notes)
    return Decision(IMPLICIT_DENY, "no statement allows it (implicit deny)", [], notes)
