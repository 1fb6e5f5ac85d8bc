"""``wasec review``: the Security Pillar's questions, answered from scan evidence and the team's answers."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Any

import click

from wasec.cli.shared import cli, guard

STATUS_MARK = {"met": "✔", "not met": "✘", "not applicable": "–", "unknown": "?"}


@cli.command("review")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--from-history", is_flag=True, help="Use the newest saved scan of each source (code, aws, secrets) "
                                                   "instead of scanning PATHS.")
@click.option("--db", metavar="URL", help="History database: a SQLite file (default .wasec/history.db) or postgresql://user@host/db.")
@click.option("--answers", "answers_file", type=click.Path(dir_okay=False),
              help="The team's answers (default .wasec/review.yml).")
@click.option("--ask/--no-ask", default=None, help="Ask the best practices no rule evidences (default: on a terminal).")
@click.option("--owner", help="Who answers (recorded with each answer given with --ask).")
@click.option("--milestone", help="Record the review's state under this name (in the history database).")
@click.option("--export-lens", type=click.Path(file_okay=False), metavar="DIR",
              help="Write the AWS Well-Architected Tool custom lens and the answers to DIR.")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@guard
def review(paths: tuple[str, ...], from_history: bool, db: str | None, answers_file: str | None, ask: bool | None,
           owner: str | None, milestone: str | None, export_lens: str | None, fmt: str) -> None:
    """Walk SEC01-SEC11: each best practice met, not met or unknown from the evidence of a scan, the rest from
    the team's answers in .wasec/review.yml (kept in git). Each question's risk is computed as the
    Well-Architected Tool does; --milestone records it, and the report shows the high-risk issues
    remediated since the last milestone.

    \b
      wasec review infra/ --ask                      scan, then ask what no rule can see
      wasec review --from-history --milestone 2026-Q4
      wasec review --export-lens wa/                 carry it into the Well-Architected Tool
    """
    from wasec.config import find_config_dir
    from wasec.history import store
    from wasec.review import export
    from wasec.review.model import load_answers, progress, review_of, save_answers

    start = paths[0] if paths else "."
    config_dir = find_config_dir(start) or os.path.join(os.path.abspath(start if os.path.isdir(start) else "."), ".wasec")
    answers_path = answers_file or os.path.join(config_dir, "review.yml")
    answers = load_answers(answers_path)
    if from_history:
        conn = store.connect(db, create=False)
        findings = store.latest_findings(conn)
        conn.close()
    else:
        from wasec.scanning import ScanOptions, scan

        findings = scan(ScanOptions(paths=list(paths) or ["."])).findings
    from wasec.config import load_config
    from wasec.rules.packs import load as load_packs

    result = review_of(findings, answers, load_packs(load_config(start)).rules)  # custom rules evidence their BPs too

    if ask is None:
        ask = sys.stdin.isatty() and fmt == "text"
    if ask:
        from wasec.review.model import Answer

        changed = False
        for p in result.practices():
            if p.status != "unknown":
                continue
            reply = click.prompt(f"{p.id} {p.title} (risk if not: {p.risk}) — established? [yes/no/na/skip]",
                                 default="skip", show_default=False).strip().lower()
            if reply in ("yes", "y", "no", "n", "na"):
                status = {"y": "met", "yes": "met", "n": "not met", "no": "not met", "na": "not applicable"}[reply]
                note = click.prompt("  note (optional)", default="", show_default=False)
                answers[p.id] = Answer(status, note, owner or os.environ.get("USER", ""), dt.date.today().isoformat())
                changed = True
        if changed:
            save_answers(answers_path, answers)
            click.echo(f"saved answers to {answers_path}", err=True)
            from wasec.config import load_config
    from wasec.rules.packs import load as load_packs

    result = review_of(findings, answers, load_packs(load_config(start)).rules)  # custom rules evidence their BPs too

    prog = None
    if milestone or os.path.exists(store.db_path(db)):
        conn = store.connect(db)
        previous = store.milestones(conn)
        if previous:
            name, _, state = previous[-1]
            prog = progress(result, name, state)
        if milestone:
            store.save_milestone(conn, milestone, result.state())
            click.echo(f"recorded milestone {milestone!r}", err=True)
        conn.close()

    if export_lens:
        os.makedirs(export_lens, exist_ok=True)
        with open(os.path.join(export_lens, "wasec-lens.json"), "w", encoding="utf-8") as fh:
            json.dump(export.lens(result), fh, indent=1)
        with open(os.path.join(export_lens, "wasec-answers.json"), "w", encoding="utf-8") as fh:
            json.dump(export.answers(result), fh, indent=1)
        click.echo(f"wrote {export_lens}/wasec-lens.json and wasec-answers.json", err=True)

    if fmt == "json":
        doc: dict[str, Any] = {"risk_counts": result.counts(), "questions": [{
            "id": q.id, "title": q.title, "risk": q.risk, "best_practices": [{
                "id": p.id, "title": p.title, "risk": p.risk, "status": p.status, "source": p.source, "rules": p.rules,
                "failing": p.failing, "passing": p.passing, "examples": p.examples,
                "answer": p.answer.__dict__ if p.answer else None} for p in q.practices]} for q in result.questions]}
        if prog is not None:
            doc["since_milestone"] = {"milestone": prog.milestone, "hri_then": prog.hri_then, "hri_now": prog.hri_now,
                                      "remediated": prog.remediated, "percent_remediated": round(prog.percent, 1),
                                      "mri_then": prog.mri_then, "mri_now": prog.mri_now}
        click.echo(json.dumps(doc, indent=1))
        return
    counts = result.counts()
    for q in result.questions:
        click.echo(f"\n{q.id} [{q.risk}] {q.title}")
        for p in q.practices:
            how = (f"{p.failing} failing / {p.passing} passing checks" if p.source == "evidence"
                   else f"answered by {p.answer.owner or 'the team'}" if p.source == "answer" and p.answer
                   else "no rule can see it: answer it in review.yml or with --ask" if p.asked
                   else "no evidence in this scan (a live scan may have it): or answer it")
            click.echo(f"  {STATUS_MARK[p.status]} {p.id} {p.title} ({p.risk}) — {how}")
            for e in p.examples[:2]:
                click.echo(f"      {e}")
    click.echo(f"\nhigh risk questions: {counts['HIGH']} · medium: {counts['MEDIUM']} · none: {counts['NONE']} · "
               f"unanswered: {counts['UNANSWERED']} · not applicable: {counts['NOT_APPLICABLE']}")
    if prog is not None:
        click.echo(f"since milestone {prog.milestone!r}: {len(prog.remediated)} of {len(prog.hri_then)} high risk issues "
                   f"remediated ({prog.percent:.0f}%; the common target is 45%)")
