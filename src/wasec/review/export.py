"""The review in the AWS Well-Architected Tool's terms: a custom lens (JSON) and the answers to it.

Import the lens (``aws wellarchitected import-lens --json-string file://wasec-lens.json``), publish a
version, add it to the workload, then apply ``wasec-answers.json``: one ``update-answer`` call per
question, with the best practices met as the selected choices and the notes (evidence, owners).
The lens' risk rules reproduce the Tool's own: every high- and medium-risk best practice selected,
no risk; every high-risk one, medium risk; otherwise high risk.
"""

from __future__ import annotations

from typing import Any

from wasec.review.model import Review

LENS_NAME = "wasec Security Pillar review"


def _qid(q: str) -> str:
    return q.lower()


def _cid(bp: str) -> str:
    return bp.lower().replace("-", "_")


def lens(review: Review) -> dict[str, Any]:
    questions = []
    for q in review.questions:
        choices = [{
            "id": _cid(p.id),
            "title": f"{p.id} {p.title}"[:128],
            "helpfulResource": {"displayText": f"Risk if not established: {p.risk}. "
                                              + ("Evidenced by wasec rules: " + ", ".join(p.rules[:8]) if p.rules
                                                 else "Answered by the team in .wasec/review.yml."),
                                **({"url": p.url} if p.url else {})},
            "improvementPlan": {"displayText": f"Establish {p.id}: {p.title}.", **({"url": p.url} if p.url else {})},
        } for p in q.practices]
        high = [_cid(p.id) for p in q.practices if p.risk == "High"]
        medium = [_cid(p.id) for p in q.practices if p.risk == "Medium"]
        rules = []
        if high + medium:
            rules.append({"condition": " && ".join(high + medium), "risk": "NO_RISK"})
        if high and medium:
            rules.append({"condition": " && ".join(high), "risk": "MEDIUM_RISK"})
        rules.append({"condition": "default", "risk": "HIGH_RISK" if high else "MEDIUM_RISK" if medium else "NO_RISK"})
        questions.append({"id": _qid(q.id), "title": f"{q.id} {q.title}"[:128],
                          "description": f"Security Pillar question {q.id} ({q.area}).", "choices": choices,
                          "riskRules": rules})
    return {"schemaVersion": "2021-11-01", "name": LENS_NAME,
            "description": "The AWS Well-Architected Security Pillar (SEC01-SEC11) as reviewed by wasec: best practices "
                           "evidenced by scans of code and accounts, and the team's answers for the others.",
            "pillars": [{"id": "security", "name": "Security", "questions": questions}]}


def answers(review: Review) -> list[dict[str, Any]]:
    out = []
    for q in review.questions:
        selected = [_cid(p.id) for p in q.practices if p.status == "met"]
        notes = []
        for p in q.practices:
            if p.source == "evidence":
                notes.append(f"{p.id} {p.status}: {p.passing} passing, {p.failing} failing checks"
                             + (f" (e.g. {p.examples[0]})" if p.examples else ""))
            elif p.answer is not None:
                notes.append(f"{p.id} {p.status} (answered by {p.answer.owner or 'the team'}"
                             f"{', ' + p.answer.date if p.answer.date else ''})" + (f": {p.answer.note}" if p.answer.note else ""))
        na = [_cid(p.id) for p in q.practices if p.status == "not applicable"]
        entry: dict[str, Any] = {"QuestionId": _qid(q.id), "SelectedChoices": selected, "Notes": "\n".join(notes)[:2084],
                                 "IsApplicable": q.risk != "NOT_APPLICABLE"}
        if na:
            entry["ChoiceUpdates"] = {c: {"Status": "NOT_APPLICABLE", "Reason": "NOT_APPLICABLE"} for c in na}
        out.append(entry)
    return out
