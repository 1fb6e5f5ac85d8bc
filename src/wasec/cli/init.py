"""``wasec init``: secure starting points a team adopts and owns (baselines, service control policy guardrails)."""

from __future__ import annotations

import json
import os
import re

import click

from wasec.cli.shared import cli, fail, guard

_ROLE = re.compile(r"^[\w+=,.@-]{1,64}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


@cli.group("init")
def init() -> None:
    """Write secure-by-default building blocks as code."""


@init.command("guardrails")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--format", "-f", "fmt", type=click.Choice(["json", "terraform", "cloudformation"]), default="json",
              show_default=True, help="One JSON file per policy, a Terraform file, or a CloudFormation template.")
@click.option("--break-glass-role", default="BreakGlass", show_default=True, metavar="NAME",
              help="The role every guardrail exempts (arn:aws:iam::*:role/NAME).")
@click.option("--regions", default="us-east-1,eu-west-1", show_default=True, metavar="REGIONS",
              help="The regions accounts may use (comma-separated); global services stay allowed everywhere.")
@guard
def guardrails(directory: str, fmt: str, break_glass_role: str, regions: str) -> None:
    """Service control policies: no leaving the organization, security services stay on, no root user,
    allowed regions only, S3 Block Public Access kept, IMDSv2 and encrypted volumes required."""
    from wasec.foundations.guardrails import SCP_MAX_CHARS, cloudformation, guardrails, terraform

    if not _ROLE.match(break_glass_role):
        fail(f"--break-glass-role {break_glass_role!r}: not an IAM role name")
    allowed = [r.strip() for r in regions.split(",") if r.strip()]
    bad = [r for r in allowed if not _REGION.match(r)]
    if bad or not allowed:
        fail(f"--regions {regions!r}: expected region names such as us-east-1,eu-west-1")
    rails = guardrails(break_glass_role, allowed)
    for g in rails:
        if len(g.text()) > SCP_MAX_CHARS:
            fail(f"{g.id} would be {len(g.text())} characters, over the {SCP_MAX_CHARS} an SCP may have")
    files = {f"{g.id}.json": json.dumps(g.policy(), indent=2) + "\n" for g in rails} if fmt == "json" else \
        {"guardrails.tf": terraform(rails)} if fmt == "terraform" else \
        {"guardrails.json": json.dumps(cloudformation(rails), indent=2) + "\n"}
    os.makedirs(directory, exist_ok=True)
    written = [os.path.join(directory, name) for name in files]
    for path, text in zip(written, files.values(), strict=True):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    for g in rails:
        click.echo(f"{g.id:<32} {g.title}")
    click.echo(f"wrote {', '.join(written)} (break-glass role: {break_glass_role}; regions: {', '.join(allowed)})")


@init.command("baseline")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--format", "-f", "fmt", type=click.Choice(["terraform", "cloudformation"]), default="terraform",
              show_default=True, help="Terraform modules or CloudFormation templates.")
@click.option("--only", metavar="BLOCKS", help="Only these blocks (comma-separated: s3-bucket, kms-key, vpc, log-archive, "
              "detective, account).")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@guard
def baseline(directory: str, fmt: str, only: str | None, force: bool) -> None:
    """Secure-by-default building blocks: S3 bucket, KMS key, VPC, central log archive, detective services and
    account settings. Each passes every default wasec rule; CloudFormation templates pass cfn-lint."""
    from wasec.foundations.baselines import files

    chosen = [b.strip() for b in only.split(",") if b.strip()] if only else None
    try:
        wanted = files(fmt, chosen)
    except ValueError as e:
        fail(f"--only: {e}")
    paths = {os.path.join(directory, *rel.split("/")): text for rel, text in wanted.items()}
    existing = [p for p in paths if os.path.exists(p)]
    if existing and not force:
        fail(f"{len(existing)} file(s) already exist ({', '.join(existing[:3])}{' …' if len(existing) > 3 else ''}); "
             "use --force to overwrite them")
    for path, text in paths.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    names = sorted({rel.split("/")[0].removesuffix(".yaml") for rel in wanted} - {"README.md"})
    click.echo(f"wrote {len(paths)} files to {directory}: {', '.join(names)} ({fmt}); see {os.path.join(directory, 'README.md')}")
