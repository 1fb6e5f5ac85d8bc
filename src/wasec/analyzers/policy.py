"""Reading IAM policy documents: statements, principals, conditions, wildcards.

Every legal form is accepted (a single statement or a list, strings or lists of strings, the
``Principal: "*"`` shorthand). Parts of a document that are not known statically stay
:class:`~wasec.model.values.Unknown`; callers decide what an unknown part means for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from wasec.analyzers.network import is_anywhere
from wasec.model.values import Unknown

# Condition keys that narrow who can use a grant (S3 Block Public Access treats these as restricting).
RESTRICTING_KEYS = {
    "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
    "aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce",
    "aws:sourceip", "aws:userid", "aws:username", "aws:sourceorgid", "aws:sourceorgpaths",
    "aws:resourceorgid", "sts:externalid", "kms:calleraccount", "kms:viaservice", "lambda:eventsourcetoken",
    "aws:calledvia", "s3:dataaccesspointaccount", "s3:dataaccesspointarn", "aws:principalservicename",
}


def as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, list):
        return v
    return [v]


@dataclass(frozen=True)
class Statement:
    index: int
    data: dict[str, Any]

    @property
    def effect(self) -> Any:
        e = self.data.get("Effect")
        return e if isinstance(e, Unknown) else str(e or "")

    @property
    def allows(self) -> bool:
        e = self.effect
        if isinstance(e, Unknown):
            raise_unknown(e, "Effect")
        return str(e).lower() == "allow"

    def field(self, name: str) -> list[Any]:
        return as_list(self.data.get(name))

    @property
    def actions(self) -> list[Any]:
        return self.field("Action")

    @property
    def not_actions(self) -> list[Any]:
        return self.field("NotAction")

    @property
    def resources(self) -> list[Any]:
        return self.field("Resource")

    @property
    def conditions(self) -> dict[str, Any]:
        c = self.data.get("Condition")
        return c if isinstance(c, dict) else {}

    def condition_keys(self) -> set[str]:
        keys: set[str] = set()
        for op, block in self.conditions.items():
            if isinstance(block, dict):
                keys.update(str(k).lower() for k in block)
            else:
                keys.add(str(op).lower())
        return keys


def raise_unknown(u: Unknown, what: str) -> None:
    from wasec.model.values import UnknownValue

    raise UnknownValue(f"policy {what} is unknown: {u.reason}")


def _document(doc: Any) -> tuple[dict[str, Any], list[Any]] | None:
    """The decoded document and its raw statement list; None when it is not a policy (raises when unknown)."""
    if isinstance(doc, Unknown):
        raise_unknown(doc, "document")
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            return None
    if not isinstance(doc, dict):
        return None
    st = doc.get("Statement")
    if isinstance(st, Unknown):
        raise_unknown(st, "statement")
    return doc, as_list(st)


def statements(doc: Any) -> list[Statement]:
    """The statements of a policy document (raises UnknownValue if the document is unknown)."""
    found = _document(doc)
    return [] if found is None else [Statement(i, s) for i, s in enumerate(found[1]) if isinstance(s, dict)]


def is_full_wildcard(v: Any) -> bool:
    return isinstance(v, str) and v.strip() in ("*", "*:*")


def service_wildcard(action: Any) -> str | None:
    """The service when ``action`` grants all of it (``s3:*``), else None."""
    if isinstance(action, str) and action.endswith(":*") and action.count(":") == 1 and "*" not in action[:-2]:
        return action[:-2].lower()
    return None


def principal_values(stmt: Statement, key: str = "Principal") -> list[tuple[str, Any]]:
    """(type, value) pairs of a statement's principals; ``("*", "*")`` for everyone."""
    p = stmt.data.get(key)
    if p is None:
        return []
    if isinstance(p, Unknown):
        return [("?", p)]
    if isinstance(p, str):
        return [("*", p)] if p.strip() == "*" else [("AWS", p)]
    out: list[tuple[str, Any]] = []
    if isinstance(p, dict):
        for t, vals in p.items():
            for v in as_list(vals):
                out.append((str(t), v))
    return out


def is_everyone(t: str, v: Any) -> bool:
    return isinstance(v, str) and v.strip() == "*" and t in ("*", "AWS", "CanonicalUser")


def has_restricting_condition(stmt: Statement) -> bool:
    """A condition that narrows a public grant to known principals or networks."""
    for op, block in stmt.conditions.items():
        if not isinstance(block, dict):
            continue
        op_l = str(op).lower()
        for key, values in block.items():
            k = str(key).lower()
            if k not in RESTRICTING_KEYS:
                continue
            vals = as_list(values)
            if "ifexists" in op_l and k != "aws:sourceip":
                continue  # an IfExists condition does not bind callers that omit the key
            if k == "aws:sourceip" and any(is_anywhere(x) for x in vals):
                continue
            if any(isinstance(x, str) and x.strip() == "*" for x in vals) and "like" in op_l:
                continue
            if op_l.startswith("null") or (op_l.startswith("forallvalues") and not vals):
                continue
            return True
    return False


COMPUTED_ARN = "arn:wasec:computed:::value"  # a resource or principal known only at apply time: a named one


def _plain_values(v: Any, what: str, unknown_ok: bool) -> Any:
    if isinstance(v, Unknown):
        if not unknown_ok:
            raise_unknown(v, what)
        return COMPUTED_ARN
    if isinstance(v, list):
        return [_plain_values(x, what, unknown_ok) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain_values(x, what, unknown_ok) for k, x in v.items()}
    return v


def _plain_document(doc: Any) -> dict[str, Any]:
    """The document with apply-time values resolved as :func:`to_policy` describes (plain JSON data)."""
    found = _document(doc)
    if found is None:
        return {"Statement": []}
    doc, raw = found
    plain = []
    for s in raw:
        if not isinstance(s, dict):
            continue
        out: dict[str, Any] = {}
        for k, v in s.items():
            if k in ("Resource", "NotResource"):
                out[k] = _plain_values(v, k, True)
            elif k in ("Principal", "NotPrincipal", "Condition"):
                if isinstance(v, Unknown):
                    raise_unknown(v, k.lower())
                out[k] = _plain_values(v, k, True)  # a computed value is a fixed one
            else:
                out[k] = _plain_values(v, k, k == "Sid")  # a statement's name decides nothing
        plain.append(out)
    return {k: v for k, v in doc.items() if k != "Statement"} | {"Statement": plain}


# stands for a statement that cannot be read: a Deny of nothing, so every other statement keeps its index
INERT_STATEMENT = {"Effect": "Deny", "Action": "wasec:unknownstatement", "Resource": "arn:wasec:none"}


def known_part(doc: Any) -> tuple[Any, list[tuple[int, str]]]:
    """The document with every Allow statement that holds an unknown action, principal or condition made inert,
    and (index, why) for each.

    Such a statement can only grant more, so whatever the rest grants is granted: a rule that fails on
    the rest fails. An unknown Deny, or an unknown Effect, could take a grant away: that raises
    UnknownValue, as an unknown document or statement list does.
    """
    from wasec.model.values import UnknownValue

    found = _document(doc)
    if found is None:
        return doc, []
    whole, raw = found
    out: list[Any] = []
    why: list[tuple[int, str]] = []
    for i, st in enumerate(raw):
        if isinstance(st, dict):
            try:
                _plain_document({"Statement": [st]})
            except UnknownValue as u:
                effect = st.get("Effect")
                if not (isinstance(effect, str) and effect.strip().lower() == "allow"):
                    raise
                out.append(dict(INERT_STATEMENT))
                why.append((i, u.reason))
                continue
        out.append(st)
    if not why:
        return doc, []
    return {k: v for k, v in whole.items() if k != "Statement"} | {"Statement": out}, why


def _key(doc: Any) -> bytes:
    """One canonical form per distinct document, so equal documents share their parse and analysis."""
    return orjson.dumps(_plain_document(doc), option=orjson.OPT_SORT_KEYS, default=str)


def to_policy(doc: Any) -> Any:
    """The analyzer's :class:`wasec.iam.Policy` for a document that may hold values only known at apply time.

    Unknown effects, actions, conditions or principals make the answer unknown (UnknownValue); an
    unknown resource or principal *value* is a computed ARN, which names one resource (never ``*``).
    """
    return _parsed(_key(doc))


# The engine runs every rule on one resource before the next, so a short memory is enough for the
# rules of a resource to share one parse and one analysis (and equal documents nearby to share theirs).
@lru_cache(maxsize=256)
def _parsed(key: bytes) -> Any:
    from wasec.iam import PolicyError, parse

    try:
        return parse(orjson.loads(key))
    except PolicyError:
        return parse({"Statement": []})


def analysis(doc: Any) -> Any:
    """``wasec.iam.analyze`` of a document, once per distinct document however many rules and resources ask.

    The result is shared: callers read it, never change it.
    """
    return _analyzed(_key(doc))


@lru_cache(maxsize=256)
def _analyzed(key: bytes) -> Any:
    from wasec.iam import analyze

    return analyze(_parsed(key))


def public_statements(doc: Any) -> list[Statement]:
    """Allow statements open to everyone, as S3 Block Public Access judges it (see wasec.iam.exposure)."""
    from wasec.iam.exposure import exposures

    public = {e.statement.index for e in exposures(to_policy(doc)) if e.kind == "public"}
    return [s for s in statements(doc) if s.index in public]


def denies_insecure_transport(doc: Any) -> bool:
    """A Deny for requests made without TLS (``aws:SecureTransport`` false)."""
    for s in statements(doc):
        if isinstance(s.effect, Unknown) or s.effect.lower() != "deny":
            continue
        for op, block in s.conditions.items():
            if not isinstance(block, dict) or not str(op).lower().startswith("bool"):
                continue
            for k, v in block.items():
                if str(k).lower() == "aws:securetransport" and any(str(x).lower() == "false" for x in as_list(v)):
                    return True
        for op, block in s.conditions.items():
            if (isinstance(block, dict) and str(op).lower().startswith("numericlessthan")
                    and any(str(k).lower() == "s3:tlsversion" for k in block)):
                return True
    return False


def allows_everything(s: Statement) -> bool:
    """Allow of every action on every resource (``*`` or NotAction with almost nothing excluded)."""
    if not s.allows or s.conditions:
        return False
    res = s.resources
    if not any(is_full_wildcard(r) for r in res):
        return False
    if any(is_full_wildcard(a) for a in s.actions):
        return True
    na = s.not_actions
    # NotAction + Allow on * grants everything except a few actions: admin-equivalent
    return bool(na) and not s.actions and all(isinstance(a, str) for a in na) and len(na) <= 3


def _covers(pattern: Any, value: Any) -> bool:
    """Whether every string ``value`` can match is also matched by ``pattern`` (conservative)."""
    if not isinstance(pattern, str) or not isinstance(value, str):
        return False
    p, v = pattern.strip().lower(), value.strip().lower()
    if p in ("*", "*:*") or p == v:
        return True
    return p.endswith("*") and "*" not in p[:-1] and "?" not in p and v.startswith(p[:-1])


def denied_by(allow: Statement, statements_: list[Statement]) -> bool:
    """An Allow every action and resource of which an unconditional Deny in the same policy removes.

    Explicit deny wins in IAM's evaluation; such an Allow grants nothing.
    """
    if allow.not_actions or allow.data.get("NotResource") is not None:
        return False
    actions, resources = allow.actions, allow.resources or ["*"]
    for d in statements_:
        e = d.effect
        if isinstance(e, Unknown) or e.lower() != "deny" or d.conditions or d.not_actions:
            continue
        if d.data.get("NotResource") is not None or d.data.get("NotPrincipal") is not None:
            continue
        if all(any(_covers(p, a) for p in d.actions) for a in actions) and \
                all(any(_covers(p, r) for p in (d.resources or ["*"])) for r in resources):
            return True
    return False
