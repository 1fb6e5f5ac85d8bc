"""``wasec risk``: the 5×5 risk matrix of a scan, and its top risks with why."""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from wasec.cli.commands import _guard, _run_scan, cli, scan_options


@cli.command("risk")
@scan_options
@click.option("--top", "n", type=int, default=10, show_default=True, help="How many top risks to list.")
@_guard
def risk(paths: tuple[str, ...], formats: str, output: str | None, output_dir: str | None, fail_on: str | None,
         n: int, **opts: Any) -> None:
    """Scan PATHS and print the risk matrix: counts per impact × likelihood cell, then the top risks.

    Impact comes from the rule's severity and the data classification of the resource (a
    DataClassification tag, or `risk.classification` in .wasec/config.yml); likelihood from the kind
    of weakness and the resource's exposure. With --fail-on-risk N, exit 1 when any risk is N or more.
    """
    from wasec.findings.risk import RiskModel
    from wasec.outputs.risk_matrix import render, to_dict

    result = _run_scan(paths, opts)
    raw = result.config.raw if result.config is not None else {}
    model = RiskModel.from_config(raw.get("risk"))
    if formats == "json":
        click.echo(orjson.dumps(to_dict(result.findings, model, n), option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(render(result.findings, model, n, color=sys.stdout.isatty()), nl=False)
    limit = opts.get("fail_on_risk")
    sys.exit(1 if limit and any(f.counts and f.risk >= limit for f in result.findings) else 0)
