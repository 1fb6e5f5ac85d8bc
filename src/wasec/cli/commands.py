"""Command definitions. Each command parses options, calls the library, renders, and picks the exit code."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from wasec.cli.shared import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    check_history,
    cli,
    config_option,
    emit,
    exit_code,
    fail,
    guard,
    history_options,
    ids,
    output_options,
    parse_shard,
    run_scan,
    save_history,
    scan_options,
)
from wasec.errors import WasecError


class _ScanGroup(click.Group):
    """``wasec scan PATHS`` scans code; ``wasec scan aws`` scans a live account (``./aws`` is a directory)."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        if args and args[0] == "aws" and os.path.isdir("aws") and "--live" not in args:
            raise click.UsageError("'aws' is both a directory here and the live scan: `wasec scan ./aws` scans the "
                                   "directory, `wasec scan aws --live` the AWS account")
        if args and args[0] in self.commands:
            return super().resolve_command(ctx, args)
        return "code", self.commands["code"], args

    def format_usage(self, ctx: click.Context, formatter: Any) -> None:
        formatter.write_usage("wasec scan", "[PATHS]... | aws [OPTIONS]")

    def format_help(self, ctx: click.Context, formatter: Any) -> None:
        # the code scan is what most people run: its options are the scan's help, not hidden under `scan code`
        self.format_usage(ctx, formatter)
        self.format_help_text(ctx, formatter)
        code = self.commands["code"]
        code.format_options(click.Context(code, info_name="scan", parent=ctx.parent), formatter)
        with formatter.section("Live accounts"):
            formatter.write_text("wasec scan aws --help: a live account or organisation, with the same rules.")


@cli.group(cls=_ScanGroup, invoke_without_command=False, no_args_is_help=False,
           context_settings={"ignore_unknown_options": True})
def scan() -> None:
    """Scan infrastructure code (wasec scan PATHS) or a live AWS account (wasec scan aws).

    Code is Terraform (.tf, .tf.json, plan JSON), CloudFormation/SAM, Kubernetes manifests (rendered Helm
    or Kustomize piped in: wasec scan -) and Dockerfiles, recognised by content, with secrets looked for
    in the same files.

    \b
      wasec scan infra/ --fail-on high          everything under infra/
      helm template shop charts/shop | wasec scan -
      wasec scan aws --profile prod             every enabled region of the prod account
      wasec scan aws --org --org-role Audit     every account of the organisation
    """


@scan.command("code")
@scan_options
@guard
def scan_code(paths: tuple[str, ...], formats: str, output: str | None, output_dir: str | None, fail_on: str | None,
              **opts: Any) -> None:
    """Scan Terraform (.tf, .tf.json, plan JSON), CloudFormation/SAM, Kubernetes manifests and Dockerfiles under
    PATHS (- reads manifests from standard input), and the secrets in them.

    Files are recognised by content; .git, .terraform and node_modules are skipped. Findings point at
    the file and line of the attribute at fault. Input that cannot be read is reported (exit 2) while
    the rest of the scan goes on. (`wasec scan PATHS` is the same command.)
    """
    from wasec.outputs import parse_formats

    names = parse_formats(formats)
    check_history(opts)
    result = run_scan(paths, opts)
    saved = save_history(result, opts, "code", ",".join(paths) or ".")
    emit(result, names, output, output_dir, opts)
    sys.exit(exit_code(result, fail_on, opts.get("fail_on_risk")) if saved else EXIT_ERROR)



@scan.command("aws")
@click.option("--live", is_flag=True, help="Scan the account even though a directory here is named aws.")
@click.option("--profile", help="AWS profile (default: the standard credential chain: environment, SSO, instance role).")
@click.option("--role-arn", help="Assume this role first (credentials renew themselves during long scans).")
@click.option("--external-id", help="External id for --role-arn (and for --org roles).")
@click.option("--regions", multiple=True, metavar="REGIONS", help="Comma-separated regions, or 'all' (default: every region enabled for the account).")
@click.option("--services", multiple=True, metavar="SERVICES", help="Only these services (comma-separated boto3 names: s3, iam, ec2…).")
@click.option("--max-rps", type=float, default=40.0, show_default=True, help="Requests per second per account (0: no cap).")
@click.option("--workers", type=int, default=24, show_default=True, help="Concurrent API calls per account.")
@click.option("--org", is_flag=True, help="Scan every active account of the organisation (from its management account).")
@click.option("--org-role", default="OrganizationAccountAccessRole", show_default=True, help="Role to assume in each account with --org.")
@click.option("--shard", metavar="I/N", help="Read only shard I of N (0-based) of the scan's units; merge the shards "
                                           "with `wasec merge`. For Indexed Jobs, array jobs, Distributed Map.")
@click.option("--results", "results_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Keep each unit's result in DIR (needed with --shard; lets --resume skip finished units).")
@click.option("--resume", is_flag=True, help="With --results: do not read again the units already there.")
@click.option("--engine", default="local", show_default=True, metavar="ENGINE",
              help="Where the units run: local (threads here) or dask://HOST:PORT (a Dask cluster; wasec[dask]).")
@output_options("Exit 1 at this severity or higher.")
@click.option("--rules", "rule_ids", multiple=True, metavar="IDS", help="Run only these rules (comma-separated).")
@click.option("--skip-rules", multiple=True, metavar="IDS", help="Do not run these rules (comma-separated).")
@click.option("--strict", is_flag=True, help="Also run optional rules.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Suppress findings recorded in this baseline file.")
@click.option("--show-unknown", is_flag=True, help="List the checks that could not be assessed, with the reason.")
@click.option("--show-passed", is_flag=True, help="List passing checks too.")
@config_option
@history_options("a failing finding")
@guard
def scan_aws(formats: str, output: str | None, output_dir: str | None, fail_on: str | None, **opts: Any) -> None:
    """Scan a live AWS account (or organisation) with the same rules as code. Read-only.

    wasec calls only Describe*, List*, Get* (and generates the IAM credential report); `wasec
    permissions` prints the IAM policy it needs. What cannot be read (access denied, region not
    enabled, service unavailable, throttling, endpoint down) is reported in the coverage matrix and
    leaves its rules UNKNOWN; it never counts as a pass. AWS_ENDPOINT_URL is honoured (emulators).
    """
    from wasec.outputs import parse_formats
    from wasec.scanning import ScanOptions
    from wasec.scanning import scan_aws as run
    from wasec.sources.aws import AwsOptions

    names = parse_formats(formats)
    options = ScanOptions(rules=ids(opts["rule_ids"]), skip_rules=ids(opts["skip_rules"]), strict=opts["strict"],
                          config=opts.get("config_path"))
    shard = parse_shard(opts.get("shard"))
    if shard and not opts.get("results_dir"):
        fail("--shard needs --results DIR: a shard's units are kept there for `wasec merge`")
    aws = AwsOptions(profile=opts["profile"], role_arn=opts["role_arn"], external_id=opts["external_id"],
                     regions=ids(opts["regions"]), services=ids(opts["services"]), max_rps=opts["max_rps"],
                     workers=opts["workers"], org=opts["org"], org_role=opts["org_role"],
                     progress=not opts["quiet"], shard=shard, results_dir=opts.get("results_dir"),
                     resume=opts.get("resume", False), engine=opts.get("engine", "local"))
    if not shard:
        check_history(opts)
    result = run(options, aws)
    if shard:
        for p in result.problems:
            click.echo(f"{p.kind}: {p}", err=True)
        click.echo(f"shard {shard[0]}/{shard[1]}: {len(result.inventory)} resources from "
                   f"{len(result.coverage.accounts) if result.coverage else 0} account(s) kept in {opts['results_dir']}; "
                   "run `wasec merge` on every shard's results when all are done", err=True)
        sys.exit(EXIT_OK)
    if opts.get("baseline"):
        from wasec.findings.baseline import apply

        result.findings = apply(result.findings, opts["baseline"])
    target = ",".join(result.coverage.accounts) if result.coverage is not None else "aws"
    saved = save_history(result, opts, "aws", target)
    emit(result, names, output, output_dir, opts)
    sys.exit(exit_code(result, fail_on, opts.get("fail_on_risk")) if saved else EXIT_ERROR)


@cli.command()
@click.option("--show-unknown", is_flag=True, help="List the checks the emulator could not answer.")
@guard
def demo(show_unknown: bool) -> None:
    """Scan an emulated AWS account (no AWS account needed): the live path in one command.

    An emulator starts in this process on 127.0.0.1, a realistic mix of secure and insecure resources
    is created in two regions, and `wasec scan aws` runs against it. Exit 0 when every planted
    misconfiguration was found and the scan made no write.
    """
    from wasec.demo import run_demo
    from wasec.outputs import render

    if sys.stderr.isatty():
        from rich.console import Console

        with Console(stderr=True).status("wasec demo: starting the emulator and seeding an account…", spinner="dots"):
            demo_run = run_demo()
    else:
        demo_run = run_demo()
    click.echo(render("text", demo_run.result, color=sys.stdout.isatty(), show_unknown=show_unknown), nl=False)
    planted = len(demo_run.seeded.planted)
    click.echo(f"\nDemo: {demo_run.seeded.resources} resources seeded in {', '.join(demo_run.seeded.regions)}; "
               f"{planted - len(demo_run.missed)}/{planted} planted misconfigurations found; "
               f"{demo_run.requests} API requests, {len(demo_run.writes)} of them writes.")
    for p in demo_run.missed:
        click.echo(f"  missed: {p.rule} on {p.resource} ({p.why})", err=True)
    for w in demo_run.writes:
        click.echo(f"  write: {w}", err=True)
    sys.exit(EXIT_OK if not demo_run.missed and not demo_run.writes else EXIT_FINDINGS)


PERMISSION_COMMANDS = ("scan", "images", "org-guardrails")


@cli.command()
@click.option("--format", "-f", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--services", multiple=True, metavar="SERVICES", help="Only the services named (comma-separated).")
@click.option("--command", "commands", multiple=True, type=click.Choice([*PERMISSION_COMMANDS, "all"]),
              help="The commands to grant: scan (wasec scan aws, the default), images (wasec images --aws), "
                   "org-guardrails (wasec org guardrails); repeat or say all.")
def permissions(fmt: str, services: tuple[str, ...], commands: tuple[str, ...]) -> None:
    """Print the least-privilege IAM policy a live scan needs (read-only, derived from the calls each command
    declares)."""
    from wasec.foundations.orgtree import CALLS as GUARDRAIL_CALLS
    from wasec.images.live import CALLS as IMAGE_CALLS
    from wasec.sources.aws.permissions import action, actions, policy_document
    from wasec.sources.aws.runner import select_collectors

    wanted = set(PERMISSION_COMMANDS if "all" in commands else commands or ("scan",))
    chosen = ids(services)
    try:
        select_collectors(None, chosen)  # an unknown service is said, with the closest one
    except WasecError as e:
        fail(str(e))
    others = {sid: calls for name, sid, calls in (("images", "WasecImages", IMAGE_CALLS),
                                                  ("org-guardrails", "WasecOrgGuardrails", GUARDRAIL_CALLS))
              if name in wanted}
    if fmt == "text":
        granted = set(actions(chosen)) if "scan" in wanted else set()
        granted.update(action(s, op) for calls in others.values() for s, op in calls)
        for a in sorted(granted):
            click.echo(a)
        return
    import orjson

    doc = policy_document(chosen, others, scan="scan" in wanted)
    click.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())


@cli.command("merge")
@click.argument("directories", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@output_options("Exit 1 at this severity or higher.")
@click.option("--rules", "rule_ids", multiple=True, metavar="IDS", help="Run only these rules (comma-separated).")
@click.option("--skip-rules", multiple=True, metavar="IDS", help="Do not run these rules (comma-separated).")
@click.option("--strict", is_flag=True, help="Also run optional rules.")
@click.option("--show-unknown", is_flag=True, help="List the checks that could not be assessed, with the reason.")
@click.option("--show-passed", is_flag=True, help="List passing checks too.")
@config_option
@history_options("a failing finding")
@guard
def merge(directories: tuple[str, ...], formats: str, output: str | None, output_dir: str | None, fail_on: str | None,
          **opts: Any) -> None:
    """Join the shards of a live scan (`wasec scan aws --shard I/N --results DIR`) into one report.

    Every shard must be there and finished, and every unit must have its result: a partial set is
    refused, naming what is missing. Rules run once, over every account; one history entry is saved.
    """
    from wasec.outputs import parse_formats
    from wasec.scanning import ScanOptions, merge_results

    names = parse_formats(formats)
    check_history(opts)
    options = ScanOptions(rules=ids(opts["rule_ids"]), skip_rules=ids(opts["skip_rules"]), strict=opts["strict"],
                          config=opts.get("config_path"))
    result = merge_results(list(directories), options)
    target = ",".join(result.coverage.accounts) if result.coverage is not None else "aws"
    saved = save_history(result, opts, "aws", target)
    emit(result, names, output, output_dir, opts)
    sys.exit(exit_code(result, fail_on, opts.get("fail_on_risk")) if saved else EXIT_ERROR)


@cli.group()
def baseline() -> None:
    """Record current findings so CI fails only on new ones."""


@baseline.command("write")
@scan_options
@click.option("--baseline-file", default=".wasec/baseline.json", show_default=True, type=click.Path(dir_okay=False))
@guard
def baseline_write(paths: tuple[str, ...], baseline_file: str, formats: str, output: str | None, output_dir: str | None,
                   fail_on: str | None, **opts: Any) -> None:
    """Scan PATHS and write the fingerprints of every failing finding to the baseline file."""
    from wasec.findings.baseline import write

    opts["baseline"] = None
    result = run_scan(paths, opts)
    n = write(result.findings, baseline_file)
    click.echo(f"wrote {baseline_file}: {n} finding(s)")
    if result.errors:
        for p in result.errors:
            click.echo(f"error: {p}", err=True)
        sys.exit(EXIT_ERROR)


from wasec.cli import admission as _admission  # noqa: E402, F401  (registers `wasec admission`)
from wasec.cli import events as _events  # noqa: E402, F401  (registers `wasec events`)
from wasec.cli import fix as _fix  # noqa: E402, F401  (registers `wasec fix`)
from wasec.cli import history as _history  # noqa: E402, F401  (registers `wasec history` and `wasec diff`)
from wasec.cli import iam as _iam  # noqa: E402, F401  (registers `wasec iam`)
from wasec.cli import images as _images  # noqa: E402, F401  (registers `wasec images`)
from wasec.cli import init as _init  # noqa: E402, F401  (registers `wasec init`)
from wasec.cli import org as _org  # noqa: E402, F401  (registers `wasec org`)
from wasec.cli import review as _review  # noqa: E402, F401  (registers `wasec review`)
from wasec.cli import risk as _risk  # noqa: E402, F401  (registers `wasec risk`)
from wasec.cli import rules as _rules  # noqa: E402, F401  (registers `wasec rules`)
from wasec.cli import secrets as _secrets  # noqa: E402, F401  (registers `wasec secrets`)
from wasec.cli import serve as _serve  # noqa: E402, F401  (registers `wasec serve`)
