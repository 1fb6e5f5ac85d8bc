"""``wasec events``: risky changes in CloudTrail records, as they happened."""

from __future__ import annotations

import sys
from typing import Any

import click

from wasec.cli.shared import (
    EXIT_ERROR,
    check_history,
    cli,
    emit,
    exit_code,
    fail,
    guard,
    output_options,
    save_history,
)


class _EventsGroup(click.Group):
    """``wasec events PATHS`` runs the detections; ``wasec events list|show|ip-ranges`` tells about them."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        import os

        if args and args[0] in self.commands and args[0] != "run":
            if os.path.exists(args[0]):
                raise click.UsageError(f"'{args[0]}' is both a path here and a command: `wasec events ./{args[0]}` "
                                       f"reads the path, `wasec events {args[0]}` is only the command where no such "
                                       "path exists")
            return super().resolve_command(ctx, args)
        if args and args[0] == "run":
            args = args[1:]
        return "run", self.commands["run"], args

    def format_usage(self, ctx: click.Context, formatter: Any) -> None:
        formatter.write_usage("wasec events", "[OPTIONS] PATHS... | list | show ID | ip-ranges")

    def format_help(self, ctx: click.Context, formatter: Any) -> None:
        self.format_usage(ctx, formatter)
        run = self.commands["run"]
        inner = click.Context(run, info_name="events", parent=ctx.parent)
        run.format_help_text(inner, formatter)
        run.format_options(inner, formatter)
        with formatter.section("The detections"):
            formatter.write_dl([("list", "Every detection: id, severity, MITRE techniques and tactics, lane."),
                                ("show ID", "One detection: what it reads, why, how to respond, the state it keeps."),
                                ("ip-ranges", "The AWS address ranges in use; --refresh fetches AWS's newest.")])


@cli.group("events", cls=_EventsGroup, context_settings={"ignore_unknown_options": True})
def events() -> None:
    """CloudTrail detections: run them over records, list them, explain one."""


@events.command("run")
@click.argument("paths", nargs=-1, required=True)
@click.option("--since", help="Only records at or after this time (ISO 8601).")
@click.option("--until", help="Only records at or before this time (ISO 8601).")
@output_options("Exit 1 when a detection of this severity or higher fires (default: low).")
@click.option("--webhook", metavar="URL", help="POST each alert as JSON to this URL.")
@click.option("--slack", metavar="URL", help="Send each alert to this Slack incoming webhook.")
@click.option("--sns-topic", metavar="ARN", help="Publish each alert to this SNS topic.")
@click.option("--suppress-minutes", type=float, default=60.0, show_default=True,
              help="Alert once per detection, actor and resource within this window.")
@click.option("--respond", is_flag=True, help="Plan the response for each detection that has one (a dry run: prints "
                                               "the calls; nothing is called without --execute).")
@click.option("--execute", is_flag=True, help="With --respond: make the calls (the only way wasec writes to AWS).")
@click.option("--follow", is_flag=True, help="Keep reading new files as they arrive; print each detection as a line "
                                             "(JSON lines with -f json) and alert as it happens.")
@click.option("--interval", type=float, default=10.0, show_default=True, help="Seconds between looks for new files.")
@click.option("--follow-for", type=float, default=None, hidden=True, help="Stop following after this many seconds.")
@click.option("--sigma", "sigma_paths", multiple=True, type=click.Path(exists=True), metavar="DIR",
              help="Also run the Sigma rules (logsource aws/cloudtrail) in DIR or FILE; repeatable. Needs wasec[sigma].")
@click.option("--sigma-only", is_flag=True, help="Run only the --sigma rules, not wasec's own detections.")
@click.option("--save", is_flag=True, help="Save the detections in the scan history (the dashboard's Detections page).")
@click.option("--db", metavar="URL", help="History database: a SQLite file (default .wasec/history.db) or "
                                          "postgresql://user@host/db.")
@guard
def events_run(paths: tuple[str, ...], since: str | None, until: str | None, formats: str, output: str | None,
               output_dir: str | None, fail_on: str | None, quiet: bool, webhook: str | None, slack: str | None,
               sns_topic: str | None, suppress_minutes: float, respond: bool, execute: bool, follow: bool,
               interval: float, follow_for: float | None, sigma_paths: tuple[str, ...], sigma_only: bool,
               save: bool, db: str | None) -> None:
    """Run wasec's detections over CloudTrail records in PATHS (files or directories; - for stdin).

    S3 delivery files (gzip JSON {"Records": [...]}), plain JSON and JSON lines are read recursively.
    Each detection is a finding naming the event id, with the MITRE technique and a response
    playbook. Exit 0 nothing fired, 1 a detection fired, 2 unreadable input.
    """
    from wasec.events.reader import parse_time
    from wasec.events.run import scan_events
    from wasec.model.resource import Inventory
    from wasec.outputs import parse_formats
    from wasec.scanning import ScanResult

    names = parse_formats(formats)
    try:
        t0, t1 = parse_time(since), parse_time(until)
    except ValueError as e:
        fail(str(e))
    history = {"save": save, "db": db}
    if follow and save:
        fail("--save keeps one run's detections: run without --follow (the Lambda and --follow alert instead)")
    check_history(history)
    detector, sigma_problems = _detector(sigma_paths, sigma_only)
    if follow:
        for p in sigma_problems:
            click.echo(f"{p.kind}: {p}", err=True)
        _follow(list(paths), formats, t0, t1, webhook, slack, sns_topic, suppress_minutes, interval, follow_for,
                detector)
        return
    s = scan_events(list(paths), t0, t1, detector=detector)
    what = (f"{s.stats.records:,} CloudTrail records in {s.stats.files} file(s)"
            + (f" ({s.stats.skipped_files} with nothing to check)" if s.stats.skipped_files else "")
            + (f", {sum(r.id.startswith('event-sigma-') for r in s.rules)} Sigma rule(s)" if sigma_paths else ""))
    result = ScanResult(s.findings, sigma_problems + s.stats.problems, Inventory(), s.rules, ".", s.started,
                        s.duration, s.stats.files, None, what=what)
    if webhook or slack or sns_topic:
        from wasec.events.alerts import Sinks, Suppressor, alerts_for

        sent, suppressed, errors = Sinks(webhook, slack, sns_topic).send(alerts_for(s.hits),
                                                                         Suppressor(suppress_minutes * 60))
        click.echo(f"alerts: {sent} sent, {suppressed} suppressed as repeats", err=True)
        for problem in errors:
            click.echo(f"alert not delivered: {problem}", err=True)
    if execute and not respond:
        fail("--execute makes the calls --respond plans: give both")
    if respond:
        from wasec.events.respond import execute as run_calls
        from wasec.events.respond import plans

        for f, calls in plans(s.hits):
            click.echo(f"response to {f.rule_id} ({f.resource_id}):", err=True)
            for line in (run_calls(calls) if execute else [f"would call: {c}" for c in calls]):
                click.echo(f"  {line}", err=True)
    saved = save_history(result, history, "events", ",".join(paths))
    emit(result, names, output, output_dir, {"quiet": quiet})
    sys.exit(exit_code(result, fail_on) if saved else EXIT_ERROR)


_FORMAT = click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


@events.command("list")
@_FORMAT
@click.option("--tactic", help="Only detections of this MITRE ATT&CK tactic (name or TA id).")
@guard
def events_list(fmt: str, tactic: str | None) -> None:
    """Every detection wasec runs over CloudTrail: id, severity, title, MITRE techniques and tactics, and its
    lane (one record decides, or a burst/sequence/baseline over several)."""
    from wasec.events.about import describe, listing

    rows = [describe(d) for d in listing(tactic)]
    if fmt == "json":
        import orjson

        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} detections ({sum(r['lane'] != 'record' for r in rows)} keep state)",
                  title_justify="left")
    for col in ("id", "severity", "title", "MITRE", "tactics", "lane"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["id"], r["severity"], r["title"], " ".join(r["mitre"]), ", ".join(r["tactics"]), r["lane"])
    Console(width=180, soft_wrap=False).print(table)


@events.command("show")
@click.argument("detection_id")
@_FORMAT
@guard
def events_show(detection_id: str, fmt: str) -> None:
    """One detection: the events it reads, why it matters, how to respond, and the state it keeps."""
    from wasec.events.about import describe, find, render

    d = find(detection_id)
    if fmt == "json":
        import orjson

        click.echo(orjson.dumps(describe(d), option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(render(d))


@events.command("ip-ranges")
@click.option("--refresh", is_flag=True, help="Fetch AWS's newest ip-ranges.json into the cache.")
@click.option("--from", "source", metavar="URL|FILE", help="With --refresh: read ip-ranges.json from here instead "
                                                           "(a mirror, or a copy downloaded by other means).")
@click.option("--output", "-o", metavar="FILE", help="With --refresh: write here instead of the cache.")
@guard
def events_ip_ranges(refresh: bool, source: str | None, output: str | None) -> None:
    """The AWS address ranges `instance-credentials-outside-aws` judges by: their date and where they come from.

    wasec ships a dated copy of AWS's published ip-ranges.json; --refresh fetches the current one from
    ip-ranges.amazonaws.com (or --from) into $XDG_CACHE_HOME/wasec/, used from then on when it is newer.
    """
    from wasec.events import ranges

    if source and not refresh:
        fail("--from says where --refresh reads: give both")
    if refresh:
        try:
            doc = ranges.download(source or ranges.URL)
        except OSError as e:
            fail(f"cannot fetch {source or ranges.URL}: {getattr(e, 'reason', None) or e}")
        except ValueError as e:
            fail(f"{source or ranges.URL}: not JSON ({e})")
        path, data = ranges.save(doc, output)
        click.echo(f"wrote {path}: AWS ranges of {data['createDate'][:10]} ({len(data['ipv4'])} IPv4 and "
                   f"{len(data['ipv6'])} IPv6 networks after merging)")
        return
    r = ranges.load()
    click.echo(f"AWS ranges of {r.date} (syncToken {r.sync_token}), {r.prefixes} merged networks, from {r.where}")


@cli.command("lambda-package")
@click.option("--output", "-o", default="wasec-lambda.zip", show_default=True, type=click.Path(dir_okay=False))
@guard
def lambda_package(output: str) -> None:
    """Build the deployment zip for wasec.lambda_handler.handler (see docs/events-lambda.md)."""
    from wasec.events.package import build

    n, runtime = build(output)
    click.echo(f"wrote {output}: {n} files, for {runtime}; handler wasec.lambda_handler.handler")


def _detector(sigma_paths: tuple[str, ...], sigma_only: bool) -> tuple[Any, list[Any]]:
    """wasec's detections plus the Sigma rules asked for; each rule that cannot run is a problem: a broken
    file an error, an unsupported construct or another log source a warning (the other rules run)."""
    from wasec.events.detections import REGISTRY
    from wasec.events.run import Detector, builtin
    from wasec.model.finding import Problem

    if sigma_only and not sigma_paths:
        fail("--sigma-only needs --sigma DIR")
    if not sigma_paths:
        return builtin(), []
    from wasec.events.sigma import load

    try:
        loaded = load(sigma_paths)
    except RuntimeError as e:
        fail(str(e))
    problems = [Problem(p.path, f"Sigma rule {p.rule!r}: {p.reason}", kind=p.kind) for p in loaded.problems]
    click.echo(f"sigma: {len(loaded.detections)} rule(s) loaded from {loaded.files} file(s), "
               f"{len(loaded.problems)} not run", err=True)
    return Detector(loaded.detections if sigma_only else [*REGISTRY.values(), *loaded.detections]), problems


def _follow(paths: list[str], formats: str, since: object, until: object, webhook: str | None, slack: str | None,
            sns_topic: str | None, suppress_minutes: float, interval: float, duration: float | None,
            detector: Any = None) -> None:
    import json as _json

    from wasec.events.alerts import Sinks, Suppressor, alerts_for
    from wasec.events.run import follow

    if "-" in paths:
        fail("--follow reads files and s3:// prefixes, not standard input")
    sinks = Sinks(webhook, slack, sns_topic)
    suppressor = Suppressor(suppress_minutes * 60)
    fired = [0]

    def on_hits(hits: list[Any]) -> None:
        for _, f in hits:
            fired[0] += 1
            if formats in ("json", "jsonl"):
                click.echo(_json.dumps(f.to_dict()))
            else:
                record = next((f"{e.file} {e.value}" for e in f.evidence if e.path == "record"), "")
                click.echo(f"{f.severity.value.upper():<8} {f.rule_id:<40} {f.account or ''} {f.region or ''} {f.message}"
                           + (f" [{record}]" if record else ""))
        if webhook or slack or sns_topic:
            _, _, errors = sinks.send(alerts_for(hits), suppressor)
            for problem in errors:
                click.echo(f"alert not delivered: {problem}", err=True)

    try:
        stats = follow(paths, on_hits, interval, duration, since, until, detector)
    except KeyboardInterrupt:
        sys.exit(1 if fired[0] else 0)
    for p in stats.problems:
        click.echo(f"{p.kind}: {p}", err=True)
    sys.exit(2 if stats.problems else 1 if fired[0] else 0)
