"""``data "aws_iam_policy_document"`` rendered to the IAM JSON policy it produces."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from wasec.model.values import Unknown
from wasec.sources.terraform.body import Body, HclBody
from wasec.sources.terraform.functions import EncodedJson

if TYPE_CHECKING:
    from wasec.sources.terraform.config import Decl, Scope


def _v(b: Body, name: str) -> Any:
    a = b.attr(name)
    return None if a is None else a.value


def _one_or_list(v: Any) -> Any:
    if isinstance(v, list) and len(v) == 1:
        return v[0]
    return v


def _principals(blocks: list[Body]) -> Any:
    out: dict[str, Any] = {}
    for p in blocks:
        t, ids = _v(p, "type"), _v(p, "identifiers")
        if t == "*":
            return "*"
        if isinstance(t, Unknown) or isinstance(ids, Unknown):
            return Unknown("policy principal is unknown")
        if not isinstance(t, str):
            continue
        ids = ids if isinstance(ids, list) else [ids]
        out.setdefault(t, []).extend(ids)
    return {k: _one_or_list(v) for k, v in out.items()}


def _statement(s: Body) -> dict[str, Any]:
    st: dict[str, Any] = {}
    sid = _v(s, "sid")
    if isinstance(sid, Unknown) or sid:  # an unknown Sid changes nothing a rule reads
        st["Sid"] = sid
    effect = _v(s, "effect")
    st["Effect"] = effect if isinstance(effect, Unknown) or effect else "Allow"
    for tf, key in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"), ("not_resources", "NotResource")):
        v = _v(s, tf)
        if v is not None:
            st[key] = _one_or_list(v)
    for tf, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        blocks = s.blocks(tf)
        if blocks:
            st[key] = _principals(blocks)
    conds = s.blocks("condition")
    if conds:
        c: dict[str, Any] = {}
        for cb in conds:
            test, var, values = _v(cb, "test"), _v(cb, "variable"), _v(cb, "values")
            if isinstance(test, str) and isinstance(var, str):
                c.setdefault(test, {})[var] = _one_or_list(values) if isinstance(values, list) else values
            else:
                c["$unknown"] = Unknown("condition is unknown")
        st["Condition"] = c
    return st


def _parse_doc(v: Any) -> dict[str, Any] | None:
    if isinstance(v, EncodedJson):
        return v.data if isinstance(v.data, dict) else None
    if isinstance(v, str):
        try:
            d = json.loads(v)
        except ValueError:
            return None
        return d if isinstance(d, dict) else None
    return None


def _merge_by_sid(base: list[dict[str, Any]], over: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = list(base)
    for st in over:
        sid = st.get("Sid")
        idx = next((i for i, b in enumerate(out) if sid and b.get("Sid") == sid), None)
        if idx is None:
            out.append(st)
        else:
            out[idx] = st
    return out


def _stmts(doc: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not doc:
        return []
    s = doc.get("Statement")
    return [x for x in (s if isinstance(s, list) else [s]) if isinstance(x, dict)]


def policy_document(decl: Decl, scope: Scope) -> dict[str, Any]:
    body = HclBody(decl.body, scope.root_ctx, decl.file, decl.block.line)
    doc: dict[str, Any] = {"Version": _v(body, "version") or "2012-10-17"}
    pid = _v(body, "policy_id")
    if pid:
        doc["Id"] = pid
    base: list[dict[str, Any]] = []
    for name in ("source_json",):
        base = _merge_by_sid(base, _stmts(_parse_doc(_v(body, name))))
    sources = _v(body, "source_policy_documents")
    for src in sources if isinstance(sources, list) else []:
        base = _merge_by_sid(base, _stmts(_parse_doc(src)))
    own = [_statement(s) for s in body.blocks("statement")]
    statements = _merge_by_sid(base, own)
    more = _v(body, "override_policy_documents")
    overrides = [_v(body, "override_json"), *(more if isinstance(more, list) else [])]
    for o in overrides:
        statements = _merge_by_sid(statements, _stmts(_parse_doc(o)))
    doc["Statement"] = statements
    return doc
