"""Command definitions. Each command parses options, calls the library, renders, and picks the exit code."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from wasec import __version__
from wasec.errors import UsageError, WasecError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SEVERITIES = ["critical", "high", "medium", "low", "info", "never"]


def _fail(message: str) -> None:
    click.echo(f"wasec: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into a clear message and exit code 2."""
    import functools

    @functools.wraps(fn)
    def wrapper(*a: Any, **kw: Any) -> Any:
        try:
            return fn(*a, **kw)
        except WasecError as e:
            _fail(str(e))
    return wrapper


def _pairs(values: tuple[str, ...], flag: str) -> dict[str, str]:
    out = {}
    for v in values:
        if "=" not in v:
            _fail(f"{flag} expects NAME=VALUE, got {v!r}")
        k, _, val = v.partition("=")
        out[k.strip()] = val
    return out


def _shard(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        i, n = (int(x) for x in value.split("/"))
    except ValueError:
        raise UsageError(f"--shard {value}: expected I/N, e.g. 0/4") from None
    if not (n >= 1 and 0 <= i < n):
        raise UsageError(f"--shard {value}: expected 0 <= I < N")
    return i, n


def _ids(values: tuple[str, ...]) -> list[str]:
    return [x.strip() for v in values for x in v.split(",") if x.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, "--version", "-V", prog_name="wasec")
def cli() -> None:
    """wasec makes the AWS Well-Architected Security Pillar executable.

    It checks Terraform and CloudFormation against one rule set mapped to the pillar's best practices
    (SEC01-SEC11), CIS AWS Foundations and AWS FSBP controls, ranks findings by risk, and gates CI.

    \b
    Start here:
      wasec scan .                              scan the code under the current directory
      wasec scan infra/ --format sarif -o wasec.sarif --fail-on high
      wasec scan aws --profile prod             scan a live account, every enabled region (read-only)
      wasec demo                                a live scan of an emulated account (no AWS needed)
      wasec rules                               list every rule with its mappings
      wasec rules show s3-bucket-policy-public  what a rule checks, why, and how to fix it
    """


def options(*opts: Callable[..., Any]) -> Callable[..., Any]:
    """Apply click options in the order they are listed (as they show in --help)."""
    def apply(fn: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(opts):
            fn = opt(fn)
        return fn
    return apply


def output_options(fail_on_help: str) -> Callable[..., Any]:
    """--format/--output/--output-dir/--fail-on/--quiet: how every command that reports findings writes them."""
    return options(
        click.option("--format", "-f", "formats", default="text", show_default=True, metavar="FORMATS",
                     help="Comma-separated: text, json, jsonl, csv, sarif, junit, asff, ocsf, markdown, html."),
        click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the (single) format to this file."),
        click.option("--output-dir", type=click.Path(file_okay=False), help="Write every format to DIR/wasec.<ext>."),
        click.option("--fail-on", type=click.Choice(SEVERITIES, case_sensitive=False), default=None, help=fail_on_help),
        click.option("--quiet", "-q", is_flag=True, help="Print nothing to stdout unless a format is written there."))


def history_options(what: str) -> Callable[..., Any]:
    """--save/--db/--fail-on-risk: keeping the scan in the history, and the risk gate."""
    return options(
        click.option("--save", is_flag=True, help="Save the scan in the history (see `wasec history`, `wasec diff`)."),
        click.option("--db", metavar="URL", help="History database: a SQLite file (default .wasec/history.db) or postgresql://user@host/db."),
        click.option("--fail-on-risk", type=click.IntRange(1, 25), metavar="N",
                     help=f"Exit 1 when {what}'s risk (impact × likelihood, 1-25) is N or more."))


config_option = click.option(
    "--config", "config_path", type=click.Path(exists=True), metavar="PATH",
    help="The .wasec directory (or its config.yml) to use; by default the nearest one from the scanned path up to "
         "the repository root.")

scan_options = options(
    click.argument("paths", nargs=-1, type=click.Path()),
    output_options("Exit 1 when a failing finding has this severity or higher (default: low, or fail_on in "
                   ".wasec/config.yml)."),
    click.option("--exclude", "-e", multiple=True, metavar="PATTERN", help="Skip files or directories matching a glob (repeatable)."),
    click.option("--var", "tf_vars", multiple=True, metavar="NAME=VALUE", help="Terraform variable value (repeatable)."),
    click.option("--var-file", "tf_var_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
                 help="Terraform .tfvars file (repeatable)."),
    click.option("--param", "cfn_params", multiple=True, metavar="NAME=VALUE", help="CloudFormation parameter value (repeatable)."),
    click.option("--rules", "rule_ids", multiple=True, metavar="IDS", help="Run only these rules (comma-separated)."),
    click.option("--skip-rules", multiple=True, metavar="IDS", help="Do not run these rules (comma-separated)."),
    click.option("--strict", is_flag=True, help="Also run optional rules (sound but noisy for most teams)."),
    click.option("--baseline", type=click.Path(dir_okay=False), help="Suppress findings recorded in this baseline file."),
    click.option("--show-unknown", is_flag=True, help="List the checks that could not be assessed, with the reason."),
    click.option("--show-passed", is_flag=True, help="List passing checks too."),
    click.option("--max-file-size", type=float, default=20.0, show_default=True, metavar="MB", help="Skip larger files (reported)."),
    click.option("--no-secrets", is_flag=True, help="Do not also look for secrets in the files (see `wasec secrets`)."),
    config_option,
    click.option("--follow-symlinks", is_flag=True, help="Follow symlinks that lead out of PATHS (by default they are "
                                                         "reported and not followed)."),
    history_options("a failing finding"),
)


def _run_scan(paths: tuple[str, ...], opts: dict[str, Any]) -> Any:
    from wasec.scanning import ScanOptions, scan

    options = ScanOptions(
        paths=list(paths) or ["."],
        exclude=list(opts["exclude"]),
        tf_vars=_pairs(opts["tf_vars"], "--var"),
        tf_var_files=list(opts["tf_var_files"]),
        cfn_params=_pairs(opts["cfn_params"], "--param"),
        rules=_ids(opts["rule_ids"]),
        skip_rules=_ids(opts["skip_rules"]),
        strict=opts["strict"],
        max_bytes=int(opts["max_file_size"] * 1024 * 1024),
        secrets=not opts.get("no_secrets"),
        follow_symlinks=bool(opts.get("follow_symlinks")),
        config=opts.get("config_path"),
    )
    if sys.stderr.isatty() and not opts.get("quiet"):
        with progress_bar() as options.progress:
            result = scan(options)
    else:
        result = scan(options)
    if opts.get("baseline"):
        from wasec.findings.baseline import apply

        result.findings = apply(result.findings, opts["baseline"])
    return result


@contextlib.contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A transient progress bar on the terminal (files read, then resources checked, with counts)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("wasec: {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True, console=_stderr_console()) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                for t in tasks.values():
                    bar.update(t, completed=bar.tasks[t].total)
                tasks[stage] = bar.add_task(f"{stage} {'files' if stage == 'reading' else 'resources'}", total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _emit(result: Any, formats: list[str], output: str | None, output_dir: str | None, opts: dict[str, Any]) -> None:
    from wasec.outputs import extension, render

    extra = {"show_unknown": opts.get("show_unknown", False), "show_passed": opts.get("show_passed", False)}
    if output_dir:
        os.makedirs(output_dir, exist_ok=True)
        for name in formats:
            path = os.path.join(output_dir, f"wasec.{extension(name)}")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(render(name, result, **extra))
            click.echo(f"wrote {path}", err=True)
        if "text" in formats and not opts.get("quiet"):
            click.echo(render("text", result, color=sys.stdout.isatty(), **extra), nl=False)
        return
    if len(formats) > 1:
        _fail("several formats need --output-dir DIR")
    name = formats[0]
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(render(name, result, **extra))
        click.echo(f"wrote {output}", err=True)
        if not opts.get("quiet"):
            from wasec.outputs.text import summary_line

            click.echo(summary_line(result), err=True)
        return
    if opts.get("quiet") and name == "text":
        return
    click.echo(render(name, result, color=name == "text" and sys.stdout.isatty(), **extra), nl=False)


def check_history(opts: dict[str, Any]) -> None:
    """Before a scan: --db without --save is a mistake, and a history that cannot be opened is said now,
    not after a long scan."""
    if not opts.get("save"):
        if opts.get("db"):
            _fail("--db names the history to save to: add --save (or use it with `wasec history` / `wasec diff`)")
        return
    from wasec.history import store

    store.connect(opts.get("db")).close()


def save_history(result: Any, opts: dict[str, Any], source: str, target: str) -> bool:
    """With --save, record the scan (after baselines are applied) in the history database.

    A history that fails now (a server gone away) is an error, but the report is still written:
    returns False so the caller exits 2 after writing it.
    """
    if not opts.get("save"):
        check_history(opts)  # --db without --save
        return True
    from wasec.errors import WasecError
    from wasec.history import store

    try:
        conn = store.connect(opts.get("db"))
        try:
            scan_id = store.save(conn, result, source, target)
        finally:
            conn.close()
    except WasecError as e:
        click.echo(f"error: {e} (the report is still written)", err=True)
        return False
    click.echo(f"saved scan {scan_id} to {store.db_path(opts.get('db'))}", err=True)
    return True


def exit_code(result: Any, fail_on: str | None, fail_on_risk: int | None = None) -> int:
    if result.errors:
        return EXIT_ERROR
    if fail_on_risk is not None:  # the risk gate replaces the severity gate unless --fail-on is also given
        if any(f.counts and f.risk >= fail_on_risk for f in result.findings):
            return EXIT_FINDINGS
        if fail_on is None:
            return EXIT_OK
    level = (fail_on or (result.config.fail_on if result.config else None) or "low").lower()
    if level == "never":
        return EXIT_OK
    from wasec.model.finding import Severity

    threshold = Severity.parse(level).rank
    return EXIT_FINDINGS if any(f.counts and f.severity.rank >= threshold for f in result.findings) else EXIT_OK


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


@cli.group(cls=_ScanGroup, invoke_without_command=False, no_args_is_help=False,
           context_settings={"ignore_unknown_options": True})
def scan() -> None:
    """Scan infrastructure code (wasec scan PATHS) or a live AWS account (wasec scan aws).

    \b
      wasec scan infra/ --fail-on high          Terraform and CloudFormation under infra/
      wasec scan aws --profile prod             every enabled region of the prod account
      wasec scan aws --org --org-role Audit     every account of the organisation
    """


@scan.command("code")
@scan_options
@_guard
def scan_code(paths: tuple[str, ...], formats: str, output: str | None, output_dir: str | None, fail_on: str | None,
              **opts: Any) -> None:
    """Scan Terraform (.tf, .tf.json, plan JSON) and CloudFormation/SAM templates under PATHS.

    Files are recognised by content; .git, .terraform and node_modules are skipped. Findings point at
    the file and line of the attribute at fault. Input that cannot be read is reported (exit 2) while
    the rest of the scan goes on. (`wasec scan PATHS` is the same command.)
    """
    from wasec.outputs import parse_formats

    names = parse_formats(formats)
    check_history(opts)
    result = _run_scan(paths, opts)
    saved = save_history(result, opts, "code", ",".join(paths) or ".")
    _emit(result, names, output, output_dir, opts)
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
@_guard
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
    options = ScanOptions(rules=_ids(opts["rule_ids"]), skip_rules=_ids(opts["skip_rules"]), strict=opts["strict"],
                          config=opts.get("config_path"))
    shard = _shard(opts.get("shard"))
    if shard and not opts.get("results_dir"):
        _fail("--shard needs --results DIR: a shard's units are kept there for `wasec merge`")
    aws = AwsOptions(profile=opts["profile"], role_arn=opts["role_arn"], external_id=opts["external_id"],
                     regions=_ids(opts["regions"]), services=_ids(opts["services"]), max_rps=opts["max_rps"],
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
    _emit(result, names, output, output_dir, opts)
    sys.exit(exit_code(result, fail_on, opts.get("fail_on_risk")) if saved else EXIT_ERROR)


@cli.command()
@click.option("--show-unknown", is_flag=True, help="List the checks the emulator could not answer.")
@_guard
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


@cli.command()
@click.option("--format", "-f", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--services", multiple=True, metavar="SERVICES", help="Only the services named (comma-separated).")
def permissions(fmt: str, services: tuple[str, ...]) -> None:
    """Print the least-privilege IAM policy a live scan needs (read-only, derived from the collectors)."""
    from wasec.sources.aws.permissions import actions, policy_document
    from wasec.sources.aws.runner import select_collectors

    chosen = _ids(services)
    try:
        select_collectors(None, chosen)  # an unknown service is said, with the closest one
    except WasecError as e:
        _fail(str(e))
    if fmt == "text":
        for a in actions(chosen):
            click.echo(a)
        return
    import orjson

    click.echo(orjson.dumps(policy_document(chosen), option=orjson.OPT_INDENT_2).decode())


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
@_guard
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
    options = ScanOptions(rules=_ids(opts["rule_ids"]), skip_rules=_ids(opts["skip_rules"]), strict=opts["strict"],
                          config=opts.get("config_path"))
    result = merge_results(list(directories), options)
    target = ",".join(result.coverage.accounts) if result.coverage is not None else "aws"
    saved = save_history(result, opts, "aws", target)
    _emit(result, names, output, output_dir, opts)
    sys.exit(exit_code(result, fail_on, opts.get("fail_on_risk")) if saved else EXIT_ERROR)


@cli.group()
def baseline() -> None:
    """Record current findings so CI fails only on new ones."""


@baseline.command("write")
@scan_options
@click.option("--baseline-file", default=".wasec/baseline.json", show_default=True, type=click.Path(dir_okay=False))
@_guard
def baseline_write(paths: tuple[str, ...], baseline_file: str, formats: str, output: str | None, output_dir: str | None,
                   fail_on: str | None, **opts: Any) -> None:
    """Scan PATHS and write the fingerprints of every failing finding to the baseline file."""
    from wasec.findings.baseline import write

    opts["baseline"] = None
    result = _run_scan(paths, opts)
    n = write(result.findings, baseline_file)
    click.echo(f"wrote {baseline_file}: {n} finding(s)")
    if result.errors:
        for p in result.errors:
            click.echo(f"error: {p}", err=True)
        sys.exit(EXIT_ERROR)


from wasec.cli import events as _events  # noqa: E402, F401  (registers `wasec events`)
from wasec.cli import fix as _fix  # noqa: E402, F401  (registers `wasec fix`)
from wasec.cli import history as _history  # noqa: E402, F401  (registers `wasec history` and `wasec diff`)
from wasec.cli import iam as _iam  # noqa: E402, F401  (registers `wasec iam`)
from wasec.cli import review as _review  # noqa: E402, F401  (registers `wasec review`)
from wasec.cli import risk as _risk  # noqa: E402, F401  (registers `wasec risk`)
from wasec.cli import rules as _rules  # noqa: E402, F401  (registers `wasec rules`)
from wasec.cli import secrets as _secrets  # noqa: E402, F401  (registers `wasec secrets`)
