"""IAM policy documents parsed into one normal form, with the problems found on the way.

Every legal form is accepted: a single statement or a list; strings or lists of strings;
``Principal: "*"``; Action/NotAction, Resource/NotResource, Principal/NotPrincipal; condition
operators with ``IfExists`` and ``ForAnyValue:``/``ForAllValues:``. What is malformed becomes an
:class:`Issue` (with the statement's path) rather than an exception, except a document that is not
a policy at all, which raises :class:`PolicyError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from wasec.model.values import Unknown

EFFECTS = {"allow": "Allow", "deny": "Deny"}
STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal",
                  "Condition"}
VERSIONS = {"2012-10-17", "2008-10-17"}

# Base operators (lower case) and the kind of value each compares.
OPERATORS = {
    "stringequals": "string", "stringnotequals": "string", "stringequalsignorecase": "string",
    "stringnotequalsignorecase": "string", "stringlike": "string", "stringnotlike": "string",
    "numericequals": "numeric", "numericnotequals": "numeric", "numericlessthan": "numeric",
    "numericlessthanequals": "numeric", "numericgreaterthan": "numeric", "numericgreaterthanequals": "numeric",
    "dateequals": "date", "datenotequals": "date", "datelessthan": "date", "datelessthanequals": "date",
    "dategreaterthan": "date", "dategreaterthanequals": "date",
    "bool": "bool", "binaryequals": "binary", "ipaddress": "ip", "notipaddress": "ip",
    "arnequals": "arn", "arnlike": "arn", "arnnotequals": "arn", "arnnotlike": "arn", "null": "null",
}
NEGATED = {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "numericnotequals", "datenotequals",
           "notipaddress", "arnnotequals", "arnnotlike"}


class PolicyError(ValueError):
    """The input is not a policy document (malformed JSON, not an object, no statements)."""


@dataclass(frozen=True)
class Issue:
    severity: str  # error | security | warning | suggestion (Access Analyzer's finding types), or unknown (code)
    code: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class Condition:
    operator: str  # as written
    base: str  # lower-case base operator ("stringlike")
    qualifier: str  # "" | "foranyvalue" | "forallvalues"
    if_exists: bool
    key: str  # as written
    values: tuple[str, ...]

    @property
    def negated(self) -> bool:
        return self.base in NEGATED

    @property
    def lkey(self) -> str:
        return self.key.lower()


@dataclass(frozen=True)
class Statement:
    index: int
    path: str
    sid: str
    effect: str  # Allow | Deny
    actions: tuple[str, ...] | None  # None when the statement uses NotAction
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: dict[str, tuple[str, ...]] | None  # {"AWS": (...), "Service": (...)}; "*" is {"*": ("*",)}
    not_principals: dict[str, tuple[str, ...]] | None
    conditions: tuple[Condition, ...] = ()

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def label(self) -> str:
        return f"{self.path} ({self.sid})" if self.sid else self.path


@dataclass
class Policy:
    statements: list[Statement]
    version: str | None = None
    name: str = ""
    issues: list[Issue] = field(default_factory=list)

    @property
    def has_principals(self) -> bool:
        return any(s.principals is not None or s.not_principals is not None for s in self.statements)


def _strings(v: Any, path: str, issues: list[Issue], what: str) -> tuple[str, ...]:
    vals = v if isinstance(v, list) else [v]
    out = []
    for x in vals:
        if isinstance(x, bool):
            out.append("true" if x else "false")
        elif isinstance(x, (str, int, float)):
            out.append(str(x))
        elif isinstance(x, Unknown):  # code not yet deployed: no check can judge this element
            issues.append(Issue("unknown", "unknown-value", path, f"{what} is not known before deploy: {x.reason}"))
        else:
            issues.append(Issue("error", "bad-value", path, f"{what} must be a string or a list of strings, not {type(x).__name__}"))
    if isinstance(v, list) and not v:
        issues.append(Issue("warning", "empty-list", path, f"{what} is an empty list: it matches nothing"))
    return tuple(out)


def _principals(v: Any, path: str, issues: list[Issue]) -> dict[str, tuple[str, ...]]:
    if isinstance(v, str):
        if v.strip() == "*":
            return {"*": ("*",)}
        issues.append(Issue("error", "bad-principal", path, f"a principal string must be \"*\", not {v!r}"))
        return {"AWS": (v,)}
    if not isinstance(v, dict):
        issues.append(Issue("error", "bad-principal", path, "Principal must be \"*\" or an object such as {\"AWS\": ...}"))
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for kind, vals in v.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            issues.append(Issue("error", "bad-principal", f"{path}.{kind}", f"unknown principal type {kind!r}"))
        out[str(kind)] = _strings(vals, f"{path}.{kind}", issues, "a principal")
    return out


def _conditions(v: Any, path: str, issues: list[Issue]) -> tuple[Condition, ...]:
    if not isinstance(v, dict):
        issues.append(Issue("error", "bad-condition", path, "Condition must be an object of operator: {key: values}"))
        return ()
    out = []
    for op, block in v.items():
        op_s = str(op)
        qualifier, _, base = op_s.rpartition(":")
        q = qualifier.lower()
        b = base.lower()
        if_exists = b.endswith("ifexists")
        if if_exists:
            b = b[: -len("ifexists")]
        p = f"{path}.{op_s}"
        if b == "null" and if_exists:
            issues.append(Issue("error", "null-with-if-exists", p, "Null cannot take IfExists"))
            continue
        if b not in OPERATORS or q not in ("", "foranyvalue", "forallvalues"):
            issues.append(Issue("error", "bad-operator", p, f"{op_s!r} is not a valid condition operator"))
            continue
        if not isinstance(block, dict):
            issues.append(Issue("error", "bad-condition", p, "an operator takes an object of {key: values}"))
            continue
        for key, vals in block.items():
            values = _strings(vals, f"{p}.{key}", issues, "a condition value")
            if q and b == "null":
                issues.append(Issue("warning", "set-null", f"{p}.{key}", "a set qualifier on Null has no effect"))
            if q == "forallvalues" and b in NEGATED:
                issues.append(Issue("warning", "forallvalues-negated", f"{p}.{key}",
                                    "ForAllValues with a negated operator also matches a request without the key"))
            out.append(Condition(op_s, b, q, if_exists, str(key), values))
    return tuple(out)


def parse(doc: Any, name: str = "") -> Policy:
    """Parse a policy document (a JSON string or the decoded object)."""
    if isinstance(doc, (bytes, str)):
        text = doc.decode("utf-8", "replace") if isinstance(doc, bytes) else doc
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise PolicyError(f"{name or 'policy'}: malformed JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None
    if not isinstance(doc, dict):
        raise PolicyError(f"{name or 'policy'}: a policy document is a JSON object, not {type(doc).__name__}")
    if "Statement" not in doc:
        raise PolicyError(f"{name or 'policy'}: the document has no Statement")
    issues: list[Issue] = []
    version = doc.get("Version")
    if version is None:
        issues.append(Issue("warning", "no-version", "Version",
                            "no Version: policy variables such as ${aws:username} are not substituted (use 2012-10-17)"))
    elif version not in VERSIONS:
        issues.append(Issue("error", "bad-version", "Version", f"Version {version!r} is not 2012-10-17 or 2008-10-17"))
    elif version == "2008-10-17":
        issues.append(Issue("warning", "old-version", "Version", "Version 2008-10-17 does not substitute policy variables"))
    for key in doc:
        if key not in ("Version", "Statement", "Id"):
            issues.append(Issue("error", "bad-key", str(key), f"unknown top-level element {key!r}"))
    raw = doc["Statement"]
    listed = isinstance(raw, list)
    items = raw if listed else [raw]
    statements = []
    for i, s in enumerate(items):
        path = f"Statement[{i}]" if listed else "Statement"
        if not isinstance(s, dict):
            issues.append(Issue("error", "bad-statement", path, "a statement must be an object"))
            continue
        st = _statement(i, path, s, issues)
        if st is not None:
            statements.append(st)
    sids = [s.sid for s in statements if s.sid]
    for sid in {x for x in sids if sids.count(x) > 1}:
        issues.append(Issue("error", "duplicate-sid", "Statement", f"Sid {sid!r} is used more than once"))
    return Policy(statements, version if isinstance(version, str) else None, name, issues)


def _statement(i: int, path: str, s: dict[str, Any], issues: list[Issue]) -> Statement | None:
    for key in s:
        if key not in STATEMENT_KEYS:
            issues.append(Issue("error", "bad-key", f"{path}.{key}", f"unknown statement element {key!r}"))
    effect = EFFECTS.get(str(s.get("Effect", "")).lower())
    if effect is None:
        issues.append(Issue("error", "bad-effect", f"{path}.Effect",
                            f"Effect must be Allow or Deny, not {s.get('Effect')!r}; the statement is ignored"))
        return None
    if str(s["Effect"]) != effect:
        issues.append(Issue("warning", "effect-case", f"{path}.Effect", f"Effect is case-sensitive: write {effect}"))
    pairs = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))
    for a, b in pairs:
        if a in s and b in s:
            issues.append(Issue("error", "both-elements", path, f"a statement cannot have both {a} and {b}"))
    if "Action" not in s and "NotAction" not in s:
        issues.append(Issue("error", "no-action", path, "the statement has neither Action nor NotAction; it is ignored"))
        return None

    def opt(key: str) -> tuple[str, ...] | None:
        return _strings(s[key], f"{path}.{key}", issues, key) if key in s else None

    principals = _principals(s["Principal"], f"{path}.Principal", issues) if "Principal" in s else None
    not_principals = _principals(s["NotPrincipal"], f"{path}.NotPrincipal", issues) if "NotPrincipal" in s else None
    conditions = _conditions(s["Condition"], f"{path}.Condition", issues) if "Condition" in s else ()
    sid = s.get("Sid", "")
    return Statement(i, path, str(sid) if sid is not None else "", effect, opt("Action"), opt("NotAction"),
                     opt("Resource"), opt("NotResource"), principals, not_principals, conditions)
