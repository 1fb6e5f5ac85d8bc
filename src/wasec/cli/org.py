"""``wasec org``: questions about an AWS organization as a whole (do its guardrails hold?)."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from wasec.cli.shared import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, aws_api, cli, fail, guard, stderr_console


@cli.group("org")
def org() -> None:
    """Check an organization: its service control policies, read live or from code."""


_STATUS = {"holds": "ok", "leaks": "bad", "exempt": "na", "unknown": "unknown"}


def _grid(matrix: Any) -> Any:
    from wasec.outputs.matrix import Cell, Grid

    g = Grid(f"Do the guardrails hold? ({matrix.tree.source}; an administrator role named {matrix.admin_role})",
             [(f"G{i}", f"{r.id}: {r.title}") for i, r in enumerate(matrix.rails, 1)], notes=list(matrix.tree.notes))
    column = {r.id: f"G{i}" for i, r in enumerate(matrix.rails, 1)}
    for row in matrix.rows:
        label = " / ".join(row.path) + ("" if row.node.kind == "account" else f" ({row.node.kind})")
        if row.node.id.isdigit() and row.node.name != row.node.id:
            label += f" [{row.node.id}]"
        g.rows.append((label, {column[gid]: Cell(_STATUS[c.status], _detail(c)) for gid, c in row.cells.items()}))
    return g


def _detail(c: Any, show: int = 3) -> str:
    if c.leaks:
        more = f" and {len(c.leaks) - show} more" if len(c.leaks) > show else ""
        return "; ".join(x for x in ("may still " + ", ".join(c.leaks[:show]) + more, c.reason) if x)
    return c.reason or ("denied by " + ", ".join(c.denied_by) if c.denied_by else "")


@org.command("guardrails")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--profile", help="AWS profile of the management account (or a delegated administrator).")
@click.option("--role-arn", help="Assume this role first.")
@click.option("--external-id", help="External id for --role-arn.")
@click.option("--admin-role", default="Admin", show_default=True, metavar="NAME",
              help="The ordinary administrator role each guardrail must stop (not the break-glass role).")
@click.option("--break-glass-role", default="BreakGlass", show_default=True, metavar="NAME",
              help="The role the guardrails exempt (wasec init guardrails --break-glass-role).")
@click.option("--regions", default="us-east-1,eu-west-1", show_default=True, metavar="REGIONS",
              help="The regions accounts may use: requests elsewhere must be denied.")
@click.option("--attach-to", default="root", show_default=True, metavar="ROOT|OU",
              help="Where SCPs given as plain policy documents (wasec init guardrails -f json) are attached.")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here instead of stdout.")
@click.option("--save", is_flag=True, help="Keep the matrix in the history (the dashboard's Organisation page).")
@click.option("--db", metavar="URL", help="History database: a SQLite file (default .wasec/history.db) or "
                                          "postgresql://user@host/db.")
@guard
def guardrails(paths: tuple[str, ...], profile: str | None, role_arn: str | None, external_id: str | None,
               admin_role: str, break_glass_role: str, regions: str, attach_to: str, fmt: str, output: str | None,
               save: bool, db: str | None) -> None:
    """Decide, for every account and guardrail, whether the SCPs along its OU path really deny what the
    guardrail protects to an ordinary administrator. Live from the management account (read-only), on
    Terraform / CloudFormation PATHS that declare aws_organizations_policy and its attachments, or on SCP
    documents (what wasec init guardrails -f json writes), attached where --attach-to says."""
    from wasec.foundations.guardrails import guardrails as rails_for
    from wasec.foundations.holds import decide
    from wasec.foundations.orgtree import from_api, from_documents, from_resources, policy_files

    if admin_role == break_glass_role:
        fail("--admin-role must differ from --break-glass-role: the break-glass role is exempt by design")
    allowed = [r.strip() for r in regions.split(",") if r.strip()]
    if not allowed:
        fail("--regions: name at least one region")
    if paths:
        if profile or role_arn:
            fail("PATHS read code; --profile and --role-arn are for the live organization")
        from wasec.sources import collect

        got = collect(list(paths))
        tree = from_resources(got.inventory)
        tree.problems[:0] = got.problems
        if not any(n.kind != "root" for n in tree.nodes.values()) and not tree.policies.keys() - {"p-FullAWSAccess"}:
            documents = policy_files(list(paths))
            if not documents:
                fail(f"no AWS Organizations resources (OUs, accounts, service control policies) or SCP documents in "
                     f"{', '.join(paths)}")
            tree = from_documents(documents, attach_to)
    else:
        tree = from_api(aws_api(profile, role_arn, external_id))
    if db and not save:
        fail("--db names the history to save to: add --save")
    matrix = decide(tree, rails_for(break_glass_role, allowed), admin_role, allowed[0])
    if save:
        from wasec.history import store

        conn = store.connect(db)
        try:
            n = store.save_report(conn, "guardrails", matrix.to_dict())
        finally:
            conn.close()
        click.echo(f"saved guardrail matrix {n} to {store.db_path(db)}", err=True)
    err = stderr_console()
    for p in tree.problems:
        err.print(f"[yellow]problem:[/] {p}", highlight=False)
    _render(matrix, fmt, output)
    undecided = any(c.status == "unknown" for r in matrix.rows for c in r.cells.values())
    # a guardrail that leaks is a finding; one that could not be decided is never a silent pass
    sys.exit(EXIT_FINDINGS if matrix.leaking else EXIT_ERROR if undecided or tree.problems else EXIT_OK)


def _render(matrix: Any, fmt: str, output: str | None) -> None:
    import orjson

    from wasec.outputs import matrix as m

    if fmt == "json":
        text = orjson.dumps(matrix.to_dict(), option=orjson.OPT_INDENT_2).decode() + "\n"
    elif fmt == "html":
        text = m.html_page(_grid(matrix))
    else:
        from rich.console import Console

        if output is None:
            m.text(_grid(matrix), Console(highlight=False))
            click.echo(f"{matrix.decisions} decisions for {len(matrix.rows)} targets × {len(matrix.rails)} guardrails "
                       f"in {matrix.seconds:.3f} s")
            return
        console = Console(record=True, width=160, file=open(os.devnull, "w"))  # noqa: SIM115
        m.text(_grid(matrix), console)
        text = console.export_text()
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)
