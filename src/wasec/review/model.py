"""The Well-Architected security review: SEC01–SEC11, each best practice met, not met, not applicable or unknown.

Evidence comes first: a best practice that rules map to is *not met* when one of those rules has a
failing finding that counts, *met* when they were evaluated and none fails, *unknown* when nothing
was evaluated. Best practices no rule can evidence (a threat model kept current, incident
runbooks, game days…) take the team's answer from ``.wasec/review.yml``::

    answers:
      SEC01-BP07:                # the best practice id
        answer: yes              # yes (met) | no (not met) | na (not applicable)
        note: threat model reviewed at each quarterly planning
        owner: security@example.com
        date: 2026-10-01

An answer for a best practice that evidence decides is kept as a note; evidence wins.

A question's risk follows the Well-Architected Tool: HIGH when a not-met best practice carries high
risk, else MEDIUM when one carries medium risk, else UNANSWERED when something is still unknown,
else NONE. A question whose every best practice is not applicable is NOT_APPLICABLE.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

import yaml

from wasec.errors import ConfigError
from wasec.model.finding import Finding, Status

ANSWERS = {"yes": "met", "no": "not met", "na": "not applicable", "true": "met", "false": "not met"}


@dataclass
class Answer:
    status: str  # met | not met | not applicable
    note: str = ""
    owner: str = ""
    date: str = ""


@dataclass
class Practice:
    id: str
    title: str
    risk: str  # High | Medium | Low (if not established)
    url: str
    status: str = "unknown"  # met | not met | not applicable | unknown
    source: str = ""  # evidence | answer | ""
    rules: list[str] = field(default_factory=list)
    failing: int = 0
    passing: int = 0
    examples: list[str] = field(default_factory=list)  # a few failing findings
    answer: Answer | None = None

    @property
    def asked(self) -> bool:
        """No rule evidences it: the team answers it."""
        return not self.rules


@dataclass
class Question:
    id: str
    title: str
    area: str
    practices: list[Practice]

    @property
    def risk(self) -> str:
        live = [p for p in self.practices if p.status != "not applicable"]
        if not live:
            return "NOT_APPLICABLE"
        unmet = [p for p in live if p.status == "not met"]
        if any(p.risk == "High" for p in unmet):
            return "HIGH"
        if any(p.risk == "Medium" for p in unmet):
            return "MEDIUM"
        if any(p.status == "unknown" for p in live):
            return "UNANSWERED"
        return "NONE"


@dataclass
class Review:
    questions: list[Question]

    def counts(self) -> dict[str, int]:
        out = {"HIGH": 0, "MEDIUM": 0, "NONE": 0, "UNANSWERED": 0, "NOT_APPLICABLE": 0}
        for q in self.questions:
            out[q.risk] += 1
        return out

    def practices(self) -> list[Practice]:
        return [p for q in self.questions for p in q.practices]

    def state(self) -> dict[str, Any]:
        """What a milestone records: each question's risk and each best practice's status."""
        return {"questions": {q.id: q.risk for q in self.questions},
                "practices": {p.id: p.status for p in self.practices()}}


def load_answers(path: str | None) -> dict[str, Answer]:
    if not path or not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: invalid YAML: {e}") from None
    answers = doc.get("answers") if isinstance(doc, dict) else None
    if not isinstance(answers, dict):
        raise ConfigError(f"{path}: expected a mapping under 'answers' (best practice id → answer)")
    out = {}
    for bp, a in answers.items():
        a = a if isinstance(a, dict) else {"answer": a}
        raw = str(a.get("answer", "")).strip().lower()
        if raw not in ANSWERS:
            raise ConfigError(f"{path}: {bp}: answer must be yes, no or na (got {a.get('answer')!r})")
        when = a.get("date", "")
        out[str(bp).upper()] = Answer(ANSWERS[raw], str(a.get("note") or ""), str(a.get("owner") or ""),
                                      when.isoformat() if isinstance(when, dt.date) else str(when or ""))
    return out


def save_answers(path: str, answers: dict[str, Answer]) -> None:
    back = {"met": "yes", "not met": "no", "not applicable": "na"}
    doc = {"answers": {bp: {k: v for k, v in (("answer", back[a.status]), ("note", a.note), ("owner", a.owner),
                                               ("date", a.date)) if v} for bp, a in sorted(answers.items())}}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("# The Well-Architected security review's answers (wasec review). Keep in git; review like code.\n")
        yaml.safe_dump(doc, fh, sort_keys=False, allow_unicode=True)
    os.replace(tmp, path)


def build(findings: list[Finding], rules: list[Any], answers: dict[str, Answer], catalog: list[dict[str, Any]]) -> Review:
    """The review from a scan's findings, the rules that ran (and those that could have), and the answers."""
    by_bp: dict[str, list[str]] = {}
    for r in rules:
        for bp in r.wa:
            by_bp.setdefault(bp, []).append(r.id)
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    questions = []
    for q in catalog:
        practices = []
        for bp in q["best_practices"]:
            p = Practice(bp["id"], bp["title"], bp["risk"], bp.get("url", ""), rules=sorted(by_bp.get(bp["id"], [])))
            for rid in p.rules:
                for f in by_rule.get(rid, ()):
                    if f.counts:
                        p.failing += 1
                        if len(p.examples) < 3:
                            p.examples.append(f"{f.rule_id}: {f.resource_id}" + (f" ({f.file}:{f.line})" if f.file else ""))
                    elif f.status is Status.PASS or (f.status is Status.FAIL and f.suppressed is not None):
                        p.passing += 1
            p.answer = answers.get(p.id)
            if p.failing:
                p.status, p.source = "not met", "evidence"
            elif p.passing:
                p.status, p.source = "met", "evidence"
            elif p.answer is not None:
                p.status, p.source = p.answer.status, "answer"
            practices.append(p)
        questions.append(Question(q["id"], q["question"], q.get("area", ""), practices))
    return Review(questions)


@dataclass
class Progress:
    milestone: str
    hri_then: list[str]
    hri_now: list[str]
    mri_then: list[str]
    mri_now: list[str]

    @property
    def remediated(self) -> list[str]:
        return [q for q in self.hri_then if q not in self.hri_now]

    @property
    def percent(self) -> float:
        return 100.0 * len(self.remediated) / len(self.hri_then) if self.hri_then else 100.0


def review_of(findings: list[Finding], answers: dict[str, Answer], custom: list[Any] | None = None) -> Review:
    """The review from wasec's own evidence: its rules (code and cloud), the team's rule packs (``custom``),
    secret detectors, and the pillar's questions."""
    from wasec.rules.catalog import questions
    from wasec.rules.registry import load_builtin
    from wasec.secrets.report import rules as secret_rules

    return build(findings, [*load_builtin(), *(custom or []), *secret_rules().values()], answers, questions())


def progress(review: Review, milestone_name: str, state: dict[str, Any]) -> Progress:
    then = state.get("questions", {})
    now = {q.id: q.risk for q in review.questions}
    return Progress(milestone_name, sorted(q for q, r in then.items() if r == "HIGH"),
                    sorted(q for q, r in now.items() if r == "HIGH"),
                    sorted(q for q, r in then.items() if r == "MEDIUM"),
                    sorted(q for q, r in now.items() if r == "MEDIUM"))
