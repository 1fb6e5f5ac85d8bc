"""The Well-Architected review: hand-computed question risks, answers, milestones, the Tool export and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wasec.errors import ConfigError
from wasec.model.finding import Finding, Severity, Status, Suppression
from wasec.review import export
from wasec.review.model import Answer, build, load_answers, progress, save_answers
from wasec.rules.registry import Rule

CATALOG = [
    {"id": "SEC98", "question": "Q one", "area": "A", "best_practices": [
        {"id": "SEC98-BP01", "title": "high one", "risk": "High"},
        {"id": "SEC98-BP02", "title": "medium one", "risk": "Medium"},
        {"id": "SEC98-BP03", "title": "low, asked", "risk": "Low"}]},
    {"id": "SEC99", "question": "Q two", "area": "A", "best_practices": [
        {"id": "SEC99-BP01", "title": "asked high", "risk": "High"}]},
]
RULES = [Rule("r1", "t", Severity.HIGH, ("T",), lambda r: None, "data", "access", ("SEC98-BP01",)),
         Rule("r2", "t", Severity.MEDIUM, ("T",), lambda r: None, "data", "access", ("SEC98-BP02",))]


def f(rule: str, status: Status, suppressed: bool = False) -> Finding:
    return Finding(rule, status, Severity.HIGH, "t", "T", "res", "m", "terraform", file="a.tf", line=1,
                   suppressed=Suppression("inline", "ok") if suppressed else None)


def risks(findings: list[Finding], answers: dict[str, Answer] | None = None) -> dict[str, str]:
    return {q.id: q.risk for q in build(findings, RULES, answers or {}, CATALOG).questions}


YES, NO, NA = Answer("met"), Answer("not met"), Answer("not applicable")


@pytest.mark.parametrize(("findings", "answers", "expected"), [
    ([f("r1", Status.FAIL), f("r2", Status.PASS)], {}, {"SEC98": "HIGH", "SEC99": "UNANSWERED"}),
    ([f("r1", Status.PASS), f("r2", Status.FAIL)], {}, {"SEC98": "MEDIUM", "SEC99": "UNANSWERED"}),
    ([f("r1", Status.PASS), f("r2", Status.PASS)], {}, {"SEC98": "UNANSWERED", "SEC99": "UNANSWERED"}),
    ([f("r1", Status.PASS), f("r2", Status.PASS)], {"SEC98-BP03": YES, "SEC99-BP01": YES}, {"SEC98": "NONE", "SEC99": "NONE"}),
    # an unmet low-risk best practice is no risk issue; an unmet high one is
    ([f("r1", Status.PASS), f("r2", Status.PASS)], {"SEC98-BP03": NO, "SEC99-BP01": NO}, {"SEC98": "NONE", "SEC99": "HIGH"}),
    ([], {"SEC99-BP01": NA}, {"SEC98": "UNANSWERED", "SEC99": "NOT_APPLICABLE"}),
    # a suppressed failure is an accepted risk: it does not make the practice unmet
    ([f("r1", Status.FAIL, suppressed=True), f("r2", Status.PASS)], {"SEC98-BP03": YES}, {"SEC98": "NONE", "SEC99": "UNANSWERED"}),
    # evidence wins over an answer; an answer fills in where there is no evidence
    ([f("r1", Status.FAIL)], {"SEC98-BP01": YES, "SEC98-BP02": YES, "SEC98-BP03": YES}, {"SEC98": "HIGH", "SEC99": "UNANSWERED"}),
    ([], {"SEC98-BP01": YES, "SEC98-BP02": NO, "SEC98-BP03": YES}, {"SEC98": "MEDIUM", "SEC99": "UNANSWERED"}),
    # unknown plus a known high-risk gap: the gap decides
    ([f("r1", Status.FAIL)], {}, {"SEC98": "HIGH", "SEC99": "UNANSWERED"}),
])
def test_question_risk(findings: list[Finding], answers: dict[str, Answer], expected: dict[str, str]) -> None:
    assert risks(findings, answers) == expected


def test_practice_evidence_and_sources() -> None:
    r = build([f("r1", Status.FAIL), f("r1", Status.PASS)], RULES, {"SEC98-BP01": YES}, CATALOG)
    p = r.questions[0].practices[0]
    assert (p.status, p.source, p.failing, p.passing, p.rules) == ("not met", "evidence", 1, 1, ["r1"])
    assert p.examples == ["r1: res (a.tf:1)"] and p.answer is YES
    assert r.questions[0].practices[2].asked and not r.questions[0].practices[0].asked


def test_progress_since_a_milestone() -> None:
    now = build([f("r1", Status.PASS), f("r2", Status.FAIL)], RULES, {"SEC99-BP01": NO}, CATALOG)
    p = progress(now, "q3", {"questions": {"SEC98": "HIGH", "SEC99": "HIGH"}})
    assert (p.hri_then, p.hri_now, p.remediated, p.percent) == (["SEC98", "SEC99"], ["SEC99"], ["SEC98"], 50.0)
    assert p.mri_now == ["SEC98"]


def test_answers_file_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / ".wasec" / "review.yml"
    save_answers(str(path), {"SEC01-BP07": Answer("met", "quarterly", "sec@example.test", "2026-10-01"),
                             "SEC10-BP07": Answer("not applicable")})
    back = load_answers(str(path))
    assert back["SEC01-BP07"] == Answer("met", "quarterly", "sec@example.test", "2026-10-01")
    assert back["SEC10-BP07"].status == "not applicable"
    path.write_text("answers:\n  SEC01-BP07: maybe\n")
    with pytest.raises(ConfigError, match="yes, no or na"):
        load_answers(str(path))
    path.write_text("- not a mapping\n")
    with pytest.raises(ConfigError, match="answers"):
        load_answers(str(path))


def test_tool_export_lens_and_answers() -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    r = build([f("r1", Status.PASS), f("r2", Status.FAIL)], RULES, {"SEC99-BP01": NA}, CATALOG)
    lens = export.lens(r)
    assert lens["schemaVersion"] == "2021-11-01" and lens["pillars"][0]["id"] == "security"
    q = lens["pillars"][0]["questions"][0]
    assert [c["id"] for c in q["choices"]] == ["sec98_bp01", "sec98_bp02", "sec98_bp03"]
    assert q["riskRules"] == [{"condition": "sec98_bp01 && sec98_bp02", "risk": "NO_RISK"},
                              {"condition": "sec98_bp01", "risk": "MEDIUM_RISK"},
                              {"condition": "default", "risk": "HIGH_RISK"}]
    answers = export.answers(r)
    assert answers[0]["SelectedChoices"] == ["sec98_bp01"] and answers[1]["IsApplicable"] is False
    shape = botocore.session.get_session().get_service_model("wellarchitected").operation_model("UpdateAnswer").input_shape
    for a in answers:
        report = ParamValidator().validate({"WorkloadId": "0123456789abcdef0123456789abcdef", "LensAlias": "arn:x", **a},
                                           shape)
        assert not report.has_errors(), report.generate_report()


SG = 'resource "aws_security_group" "s" {\n  description = "x"\n  ingress {\n    from_port = 22\n    to_port = 22\n' \
     '    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'


def wasec(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=180,
                          input=stdin)


def test_cli_review_answers_milestones_and_export(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(SG)
    (tmp_path / ".wasec").mkdir()
    (tmp_path / ".wasec" / "review.yml").write_text("answers:\n  SEC10-BP02: {answer: no, owner: ir@example.test}\n")
    r = wasec("review", ".", "-f", "json", "--milestone", "first", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc: dict[str, Any] = json.loads(r.stdout)
    by_id = {p["id"]: p for q in doc["questions"] for p in q["best_practices"]}
    assert by_id["SEC10-BP02"]["status"] == "not met" and by_id["SEC10-BP02"]["source"] == "answer"
    net = [p for p in by_id.values() if "sg-ssh-open" in p["rules"] or any(r.startswith("sg-") for r in p["rules"])]
    assert any(p["status"] == "not met" for p in net)
    first_hri = doc["risk_counts"]["HIGH"]
    assert first_hri >= 2
    (tmp_path / "main.tf").write_text(SG.replace("0.0.0.0/0", "10.0.0.0/8"))
    (tmp_path / ".wasec" / "review.yml").write_text("answers:\n  SEC10-BP02: {answer: yes, owner: ir@example.test}\n")
    r = wasec("review", ".", "-f", "json", "--export-lens", "wa", cwd=tmp_path)
    since = json.loads(r.stdout)["since_milestone"]
    assert since["milestone"] == "first" and "SEC10" in since["hri_then"]
    assert "SEC10" not in since["hri_now"] or since["hri_now"] != since["hri_then"]
    assert since["percent_remediated"] == pytest.approx(100 * len(since["remediated"]) / len(since["hri_then"]), abs=0.1)
    lens = json.loads((tmp_path / "wa" / "wasec-lens.json").read_text())
    assert len(lens["pillars"][0]["questions"]) == 11
    assert len(json.loads((tmp_path / "wa" / "wasec-answers.json").read_text())) == 11


def test_cli_asks_and_records_answers(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "x" {}\n')
    # the first asked practice gets "no" with a note; the rest are skipped
    r = wasec("review", ".", "--ask", "--owner", "sec@example.test", cwd=tmp_path, stdin="no\nwe have none yet\n" + "\n" * 80)
    assert r.returncode == 0, r.stderr
    saved = load_answers(str(tmp_path / ".wasec" / "review.yml"))
    ((_bp, answer),) = saved.items()
    assert answer == Answer("not met", "we have none yet", "sec@example.test", answer.date) and answer.date
