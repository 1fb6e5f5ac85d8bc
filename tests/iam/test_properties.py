"""Properties the analyzer must keep for every policy, not just the table's."""

from __future__ import annotations

import fnmatch
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from wasec.iam import Request, analyze, evaluate, parse
from wasec.iam.catalog import catalog

CAT = catalog()
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteBucket", "iam:PassRole", "iam:CreateAccessKey",
           "iam:AttachRolePolicy", "ec2:RunInstances", "lambda:CreateFunction", "sqs:SendMessage", "kms:Decrypt"]
PATTERNS = [*ACTIONS, "*", "s3:*", "s3:Get*", "iam:*Policy*", "s*:*", "iam:Create*", "ec2:Describe*"]
RESOURCES = ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k", "arn:aws:iam::111122223333:role/*",
             "arn:aws:sqs:us-east-1:111122223333:q"]
CONDITIONS = [None, {"Bool": {"aws:SecureTransport": "true"}}, {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
              {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}]


@st.composite
def statements(draw: Any, effect: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    key = draw(st.sampled_from(["Action", "Action", "NotAction"]))
    s[key] = draw(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3))
    rkey = draw(st.sampled_from(["Resource", "Resource", "NotResource"]))
    s[rkey] = draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2))
    cond = draw(st.sampled_from(CONDITIONS))
    if cond:
        s["Condition"] = cond
    return s


def _doc(stmts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": stmts}


requests = st.tuples(st.sampled_from(ACTIONS), st.sampled_from(RESOURCES[1:]),
                     st.sampled_from([{}, {"aws:SecureTransport": "true"}, {"aws:RequestedRegion": "eu-west-1"},
                                      {"aws:SourceIp": "10.1.1.1"}]))


@settings(max_examples=300, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=4), statements(effect="Deny"), requests)
def test_adding_a_deny_never_widens_access(stmts: list[dict[str, Any]], deny: dict[str, Any],
                                           req: tuple[str, str, dict[str, str]]) -> None:
    before = evaluate(Request(req[0], req[1], context=req[2]), identity=[parse(_doc(stmts))])
    after = evaluate(Request(req[0], req[1], context=req[2]), identity=[parse(_doc([*stmts, deny]))])
    assert not (after.allowed and not before.allowed)
    assert analyze(parse(_doc([*stmts, deny]))).grants.broad <= analyze(parse(_doc(stmts))).grants.broad


@settings(max_examples=300, deadline=None)
@given(st.lists(statements(effect="Allow"), min_size=1, max_size=3), statements(effect="Allow"), requests)
def test_adding_an_allow_never_narrows_access(stmts: list[dict[str, Any]], extra: dict[str, Any],
                                              req: tuple[str, str, dict[str, str]]) -> None:
    before = evaluate(Request(req[0], req[1], context=req[2]), identity=[parse(_doc(stmts))])
    after = evaluate(Request(req[0], req[1], context=req[2]), identity=[parse(_doc([*stmts, extra]))])
    assert after.allowed or not before.allowed


@st.composite
def action_patterns(draw: Any) -> str:
    """A real action name with some characters turned into * or ? (the forms people write)."""
    name = draw(st.sampled_from(CAT.actions)).name
    chars = list(name)
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(chars) - 1))
        if chars[i] != ":":
            chars[i] = draw(st.sampled_from(["*", "?"]))
    out = "".join(chars)
    return out.upper() if draw(st.booleans()) and draw(st.booleans()) else out


@settings(max_examples=400, deadline=None)
@given(action_patterns())
def test_expansion_equals_the_catalogs_matches(pattern: str) -> None:
    expected = {i for i, a in enumerate(CAT.actions) if fnmatch.fnmatchcase(a.name.lower(), pattern.lower())}
    assert set(CAT.expand(pattern)) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=3), requests)
def test_single_values_and_lists_mean_the_same(stmts: list[dict[str, Any]], req: tuple[str, str, dict[str, str]]) -> None:
    """``"Action": "x"`` and ``"Action": ["x"]``, one statement object and a list of one, decide alike."""
    flat = [{k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in s.items()} for s in stmts]
    r = Request(req[0], req[1], context=req[2])
    a = evaluate(r, identity=[parse(_doc(stmts))]).effect
    b = evaluate(r, identity=[parse(_doc(flat))]).effect
    assert a == b
    if len(stmts) == 1:
        assert evaluate(r, identity=[parse({"Version": "2012-10-17", "Statement": flat[0]})]).effect == a


GLOB = st.text(alphabet="ab*?", max_size=5)


@given(GLOB, GLOB)
@settings(max_examples=400, deadline=None)
def test_globs_intersect_iff_some_string_matches_both(a: str, b: str) -> None:
    from itertools import product

    from wasec.iam.catalog import globs_intersect

    # a shortest common string is never longer than both patterns together, and needs no letter beyond a, b, c
    n = len(a) + len(b)
    witness = any(fnmatch.fnmatchcase(w, a) and fnmatch.fnmatchcase(w, b)
                  for k in range(n + 1) for w in map("".join, product("abc", repeat=k)))
    assert globs_intersect(a, b) is witness
