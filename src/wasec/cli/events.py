"""``wasec events``: risky changes in CloudTrail records, as they happened."""

from __future__ import annotations

import sys
from typing import Any

import click

from wasec.cli.shared import cli, emit, exit_code, fail, guard, output_options


@cli.command("events")
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
@guard
def events(paths: tuple[str, ...], since: str | None, until: str | None, formats: str, output: str | None,
           output_dir: str | None, fail_on: str | None, quiet: bool, webhook: str | None, slack: str | None,
           sns_topic: str | None, suppress_minutes: float, respond: bool, execute: bool, follow: bool,
           interval: float, follow_for: float | None, sigma_paths: tuple[str, ...], sigma_only: bool) -> None:
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
    emit(result, names, output, output_dir, {"quiet": quiet})
    sys.exit(exit_code(result, fail_on))


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
                click.echo(f"{f.severity.value.upper():<8} {f.rule_id:<40} {f.account or ''} {f.region or ''} {f.message}")
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
