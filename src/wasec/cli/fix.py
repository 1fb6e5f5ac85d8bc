"""``wasec fix``: the mechanical fixes for failing findings, as a diff of the user's own files; recorded."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import time
from typing import Any

import click

from wasec.cli.shared import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, cli, guard, run_scan


def _who(root: str) -> str:
    """The person applying a fix: git's configured identity, else the login name."""
    try:
        email = subprocess.run(["git", "config", "user.email"], cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        email = ""
    return email or getpass.getuser()


@cli.command("fix")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--plan", "mode", flag_value="plan", default=True, help="Print the change as a unified diff (the default).")
@click.option("--apply", "mode", flag_value="apply", help="Write the verified changes to the files.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the diff to this file (git apply / patch -p1).")
@click.option("--rules", "rule_ids", multiple=True, metavar="IDS", help="Fix only findings of these rules (comma-separated).")
@click.option("--var", "tf_vars", multiple=True, metavar="NAME=VALUE", help="Terraform variable value (repeatable).")
@click.option("--var-file", "tf_var_files", multiple=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--param", "cfn_params", multiple=True, metavar="NAME=VALUE", help="CloudFormation parameter value.")
@click.option("--exclude", "-e", multiple=True, metavar="PATTERN")
@click.option("--db", metavar="URL", help="History database the plan and the applied changes are recorded in "
                                          "(default .wasec/history.db).")
@click.option("--record", is_flag=True, help="Record the plan in the history too (a plan alone writes nothing).")
@click.option("--no-record", is_flag=True, help="Do not record an applied change in the history.")
@click.option("--who", help="Who applies the change (default: git's user.email, else the login name).")
@guard
def fix(paths: tuple[str, ...], mode: str, output: str | None, db: str | None, record: bool, no_record: bool,
        who: str | None, **opts: Any) -> None:
    """Plan (or apply) the mechanical fixes for the failing findings in Terraform and CloudFormation PATHS.

    Each change is checked before it is offered: the edited files are scanned again in a scratch copy
    and a change that does not cure its finding is dropped and said. Nothing is written without
    --apply; an applied change is recorded in the history (a plan only with --record or --db).
    Exit 0 when nothing is left to fix, 1 when a plan is shown, 2 on input errors.
    """
    from wasec.remediation import plan as P

    result = run_scan(paths, {**opts, "skip_rules": (), "strict": False, "max_file_size": 20.0, "no_secrets": True,
                               "quiet": True})
    root = result.root
    plan = P.verify(P.make(result.findings, root), _scan_options(opts))
    for item in plan.items:
        f = item.finding
        where = f"{item.file}:{f.line}" if f.line else item.file
        if item.status == "verified":
            click.echo(f"fix   {f.rule_id:<32} {f.resource_id}  {where}: {item.fix.what}", err=True)
        else:
            click.echo(f"skip  {f.rule_id:<32} {f.resource_id}  {where}: {item.reason}", err=True)
    text = plan.diff()
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"wrote {output}", err=True)
    elif text:
        click.echo(text, nl=False)
    written = P.apply(plan) if mode == "apply" else []
    for file in written:
        click.echo(f"changed {file}", err=True)
    # a dry run leaves no trace unless asked to; a change made is recorded unless asked not to be
    if plan.ready and not no_record and (written or record or db):
        _record(plan, "applied" if written else "planned", who or _who(root), db)
    for p in result.errors:
        click.echo(f"error: {p}", err=True)
    if result.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_OK if not plan.ready or written else EXIT_FINDINGS)


def _scan_options(opts: dict[str, Any]) -> Any:
    from wasec.cli.shared import pairs
    from wasec.scanning import ScanOptions

    return ScanOptions(tf_vars=pairs(opts["tf_vars"], "--var"), tf_var_files=list(opts["tf_var_files"]),
                       cfn_params=pairs(opts["cfn_params"], "--param"))


def _record(plan: Any, action: str, who: str, db: str | None) -> None:
    from wasec.history import store

    now = time.time()
    rows = [store.Remediation(now, who, action, i.finding.fingerprint, i.finding.rule_id, i.finding.resource_id, i.file,
                              plan.file_diff(i.file)) for i in plan.ready]
    conn = store.connect(db)
    try:
        n = store.record_remediations(conn, rows)
    finally:
        conn.close()
    click.echo(f"recorded {n} {action} remediation(s) in {os.path.relpath(store.db_path(db))}", err=True)
