"""What every subcommand module shares: the ``wasec`` group, exit codes, option sets, the scan, rendering and
history helpers. Subcommand modules import from here, never from each other or from ``commands``."""

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


def fail(message: str) -> None:
    click.echo(f"wasec: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def long_running() -> None:
    """For a command that serves until stopped: a client that hangs up mid-response must cost that one response,
    not the process. (``main`` lets SIGPIPE end the one-shot commands quietly, as ``wasec scan . | head`` expects;
    a server writing to a closed socket would die of it.)"""
    import signal

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)


def guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into a clear message and exit code 2."""
    import functools

    @functools.wraps(fn)
    def wrapper(*a: Any, **kw: Any) -> Any:
        try:
            return fn(*a, **kw)
        except WasecError as e:
            fail(str(e))
    return wrapper


def pairs(values: tuple[str, ...], flag: str) -> dict[str, str]:
    out = {}
    for v in values:
        if "=" not in v:
            fail(f"{flag} expects NAME=VALUE, got {v!r}")
        k, _, val = v.partition("=")
        out[k.strip()] = val
    return out


def parse_shard(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        i, n = (int(x) for x in value.split("/"))
    except ValueError:
        raise UsageError(f"--shard {value}: expected I/N, e.g. 0/4") from None
    if not (n >= 1 and 0 <= i < n):
        raise UsageError(f"--shard {value}: expected 0 <= I < N")
    return i, n


def ids(values: tuple[str, ...]) -> list[str]:
    return [x.strip() for v in values for x in v.split(",") if x.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, "--version", "-V", prog_name="wasec")
def cli() -> None:
    """wasec makes the AWS Well-Architected Security Pillar executable.

    It checks Terraform, CloudFormation, Kubernetes manifests, Dockerfiles and live AWS accounts against one rule
    set mapped to the pillar's best practices (SEC01-SEC11), CIS AWS Foundations, AWS FSBP and CIS EKS controls,
    finds secrets in files and git history, gates images on their CVEs and the cluster's admission door, ranks
    findings by risk, and gates CI.

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
    click.option("--download-modules", is_flag=True, help="Fetch the registry, git and HTTPS-archive modules "
                 "`terraform init` would (the registry protocol, version constraints), into --module-cache."),
    click.option("--module-cache", metavar="DIR", help="Where --download-modules keeps modules (default: "
                 "$XDG_CACHE_HOME/wasec/modules)."),
    history_options("a failing finding"),
)


def _module_cache(opts: dict[str, Any]) -> str:
    from wasec.sources.terraform.fetch import default_cache

    return os.path.abspath(opts.get("module_cache") or default_cache())


def run_scan(paths: tuple[str, ...], opts: dict[str, Any]) -> Any:
    from wasec.scanning import ScanOptions, scan

    options = ScanOptions(
        paths=list(paths) or ["."],
        exclude=list(opts["exclude"]),
        tf_vars=pairs(opts["tf_vars"], "--var"),
        tf_var_files=list(opts["tf_var_files"]),
        cfn_params=pairs(opts["cfn_params"], "--param"),
        rules=ids(opts["rule_ids"]),
        skip_rules=ids(opts["skip_rules"]),
        strict=opts["strict"],
        max_bytes=int(opts["max_file_size"] * 1024 * 1024),
        secrets=not opts.get("no_secrets"),
        follow_symlinks=bool(opts.get("follow_symlinks")),
        config=opts.get("config_path"),
        download_modules=_module_cache(opts) if opts.get("download_modules") or opts.get("module_cache") else None,
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
                  transient=True, console=stderr_console()) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                for t in tasks.values():
                    bar.update(t, completed=bar.tasks[t].total)
                tasks[stage] = bar.add_task(f"{stage} {'files' if stage == 'reading' else 'resources'}", total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def emit(result: Any, formats: list[str], output: str | None, output_dir: str | None, opts: dict[str, Any]) -> None:
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
        fail("several formats need --output-dir DIR")
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
            fail("--db names the history to save to: add --save (or use it with `wasec history` / `wasec diff`)")
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


def aws_api(profile: str | None, role_arn: str | None, external_id: str | None = None, max_rps: float = 20.0) -> Any:
    """A read-only API gateway for one account from the standard credential chain (for commands that read a few
    services directly, outside the scan engine's units)."""
    from wasec.sources.aws.api import Api, RateLimiter
    from wasec.sources.aws.session import assume_role, base_session, emulated, identity

    session = base_session(profile)
    if role_arn:
        session = assume_role(session, role_arn, external_id)
    try:
        me = identity(session)
    except Exception as e:  # no credentials, expired token, unreachable endpoint
        fail(f"cannot identify the AWS caller: {str(e).splitlines()[0]}")
    return Api(session, me.account, RateLimiter(max_rps), emulated=emulated(), max_attempts=3)
