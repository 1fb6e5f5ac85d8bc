"""The hand-checked policy table (cases.yaml): every question of every case is one test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from wasec.iam import Request, analyze, evaluate, exposures, parse, report, validate
from wasec.iam.catalog import catalog

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())


def _questions() -> list[Any]:
    out = []
    for case in CASES:
        for key in ("admin", "admin_conditional", "escalation", "exposure", "issues", "issues_none", "grants",
                    "not_grants", "findings"):
            if key in case:
                out.append(pytest.param(case, key, None, id=f"{case['name']}: {key}"))
        for i, row in enumerate(case.get("decide", [])):
            out.append(pytest.param(case, "decide", row, id=f"{case['name']}: {row[0]} {row[1]} #{i}"))
    return out


QUESTIONS = _questions()


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 100 and len(QUESTIONS) >= 150


@pytest.mark.parametrize(("case", "key", "row"), QUESTIONS)
def test_case(case: dict[str, Any], key: str, row: list[Any] | None) -> None:
    kind = case.get("kind", "identity")
    policy = parse(case["policy"], case["name"])
    cat = catalog()
    if key == "decide":
        assert row is not None
        action, resource, expected = row[0], row[1], row[2]
        context = row[3] if len(row) > 3 else {}
        principal = row[4] if len(row) > 4 else ""
        identity = [policy] if kind == "identity" else ([parse(case["identity"])] if "identity" in case else [])
        d = evaluate(Request(action, resource, principal, context), identity=identity,
                     resource=policy if kind != "identity" else None,
                     scps=[parse(s) for s in case.get("scps", [])],
                     boundary=parse(case["boundary"]) if "boundary" in case else None,
                     resource_account=case.get("resource_account", ""))
        assert d.effect == expected, f"{d.effect}: {d.reason} {d.notes}"
    elif key in ("admin", "admin_conditional"):
        a = analyze(policy)
        assert getattr(a, key) is case[key]
    elif key == "escalation":
        escalations = analyze(policy).escalations
        assert sorted(e.method.id for e in escalations) == sorted(case["escalation"])
        if "conditional" in case:  # only under a condition, or unconditionally
            assert all(e.conditional is case["conditional"] for e in escalations)
    elif key == "exposure":
        got = [e.kind for e in exposures(policy, case.get("account", ""), frozenset(case.get("trusted", [])),
                                         trust_policy=kind == "trust")]
        assert got == case["exposure"]
    elif key in ("issues", "issues_none"):
        codes = {i.code for i in validate(policy, kind)}
        if key == "issues":
            assert set(case["issues"]) <= codes, codes
        else:
            assert not codes, codes
    elif key in ("grants", "not_grants"):
        broad = analyze(policy).grants.broad
        for a in case[key]:
            assert (cat.index[a.lower()] in broad) is (key == "grants"), a
    elif key == "findings":
        codes = {f.code.split(":")[0] for f in report(case["policy"], kind=kind).findings}
        assert codes == set(case["findings"])


def test_every_action_the_analyzer_names_is_in_the_catalog() -> None:
    from wasec.iam.analysis import CREDENTIAL_EXPOSURE, DATA_EXFILTRATION
    from wasec.iam.escalation import METHODS

    named = [*CREDENTIAL_EXPOSURE, *DATA_EXFILTRATION, *(a for m in METHODS for group in m.requires for a in group)]
    assert [a for a in named if catalog().get(a) is None] == []
