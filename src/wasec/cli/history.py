"""``wasec history`` and ``wasec diff``: the scans saved with --save, and what changed between two."""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from wasec.cli.shared import cli, guard

DB = click.option("--db", metavar="URL", help="History database: a SQLite file (default .wasec/history.db) or postgresql://user@host/db.")
FORMAT = click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


def _sev(counts: dict[str, Any]) -> str:
    sev = counts.get("severity", {})
    return " ".join(f"{sev.get(k, 0)}{k[0].upper()}" for k in ("critical", "high", "medium", "low"))


@cli.command("history")
@DB
@FORMAT
@click.option("--limit", type=int, default=50, show_default=True, help="The newest N scans (0: all).")
@guard
def history(db: str | None, fmt: str, limit: int) -> None:
    """List saved scans, oldest first, with failing findings by severity and by risk."""
    from wasec.history import store

    conn = store.connect(db, create=False)
    rows = store.scans(conn, limit or None)
    if fmt == "json":
        click.echo(orjson.dumps([{**r.__dict__, "when": r.when} for r in rows], option=orjson.OPT_INDENT_2).decode())
        return
    if not rows:
        click.echo("no scans saved yet: run a scan with --save")
        return
    click.echo(f"{'id':>5}  {'when (UTC)':<19}  {'source':<11} {'failing':>7}  {'by severity (C H M L)':<22} "
               f"{'risk high/med/low':<17}  target")
    for r in rows:
        risk = r.counts.get("risk", {})
        failing = sum(r.counts.get("severity", {}).values())
        click.echo(f"{r.id:>5}  {r.when:<19}  {r.source:<11} {failing:>7}  {_sev(r.counts):<22} "
                   f"{risk.get('high', 0)}/{risk.get('medium', 0)}/{risk.get('low', 0):<13}  {r.target}")


@cli.command("diff", context_settings={"ignore_unknown_options": True})  # `wasec diff 12 -1`: -1 is a scan, not a flag
@click.argument("old", required=False)
@click.argument("new", required=False)
@DB
@FORMAT
@click.option("--show-unchanged", is_flag=True, help="List unchanged findings too (text).")
@click.option("--fail-on-new", is_flag=True, help="Exit 1 when the newer scan has new findings.")
@guard
def diff(old: str | None, new: str | None, db: str | None, fmt: str, show_unchanged: bool, fail_on_new: bool) -> None:
    """New, fixed and unchanged failing findings between two saved scans (default: the last two).

    OLD and NEW are scan ids from `wasec history`, or -1 (the latest), -2 (the one before)… Findings
    are matched by fingerprint, so a finding whose line moved is unchanged, not new and fixed.
    """
    from wasec.history import store

    conn = store.connect(db, create=False)
    a = store.scan(conn, old if old is not None else -2)
    b = store.scan(conn, new if new is not None else -1)
    d = store.diff(conn, a, b)
    if fmt == "json":
        doc = {"old": {**a.__dict__, "when": a.when}, "new": {**b.__dict__, "when": b.when},
               "new_findings": d.new_findings, "fixed": d.fixed, "fixed_by_remediation": d.fixed_by_remediation,
               "unchanged": len(d.unchanged)}
        if show_unchanged:
            doc["unchanged"] = d.unchanged
        click.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(f"scan {a.id} ({a.when}) → scan {b.id} ({b.when}): {len(d.new_findings)} new, "
                   f"{len(d.fixed) + len(d.fixed_by_remediation)} fixed ({len(d.fixed_by_remediation)} by `wasec fix`), "
                   f"{len(d.unchanged)} unchanged")
        sections = (("new", "+", d.new_findings), ("fixed by remediation", "-", d.fixed_by_remediation), ("fixed", "-", d.fixed),
                    *((("unchanged", " ", d.unchanged),) if show_unchanged else ()))
        for title, mark, items in sections:
            if items:
                click.echo(f"\n{title} ({len(items)})")
                for f in items:
                    where = f"{f['file']}:{f['line']}" if f["file"] else f["resource_id"]
                    by = f"  (applied by {f['remediated_by']})" if "remediated_by" in f else ""
                    click.echo(f"  {mark} risk {f['risk']:>2} {f['severity']:<8} {f['rule_id']:<40} {where}  {f['message']}{by}")
    sys.exit(1 if fail_on_new and d.new_findings else 0)
