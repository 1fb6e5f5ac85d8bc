"""``wasec risk``: the 5×5 risk matrix of a scan, and its top risks with why."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
import orjson

from wasec.cli.shared import EXIT_ERROR, EXIT_OK, cli, exit_code, fail, guard, run_scan, scan_options


@cli.command("risk")
@scan_options
@click.option("--top", "n", type=int, default=10, show_default=True, help="How many top risks to list.")
@guard
def risk(paths: tuple[str, ...], formats: str, output: str | None, output_dir: str | None, fail_on: str | None,
         n: int, **opts: Any) -> None:
    """Scan PATHS and print the risk matrix: counts per impact × likelihood cell, then the top risks.

    Impact comes from the rule's severity and the data classification of the resource (a
    DataClassification tag, or `risk.classification` in .wasec/config.yml); likelihood from the kind
    of weakness and the resource's exposure. With --fail-on-risk N, exit 1 when any risk is N or more.
    """
    from wasec.findings.risk import RiskModel
    from wasec.outputs.risk_matrix import render, to_dict

    if formats not in ("text", "json"):
        fail(f"wasec risk writes text or json, not {formats!r}")
    result = run_scan(paths, opts)
    raw = result.config.raw if result.config is not None else {}
    model = RiskModel.from_config(raw.get("risk"))
    to_file = output or (os.path.join(output_dir, f"wasec-risk.{'json' if formats == 'json' else 'txt'}")
                         if output_dir else None)
    if formats == "json":
        text = orjson.dumps(to_dict(result.findings, model, n), option=orjson.OPT_INDENT_2).decode() + "\n"
    else:
        text = render(result.findings, model, n, color=sys.stdout.isatty() and not to_file)
    if to_file:
        os.makedirs(os.path.dirname(to_file) or ".", exist_ok=True)
        with open(to_file, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"wrote {to_file}", err=True)
    elif not opts.get("quiet"):
        click.echo(text, nl=False)
    # a report first: it gates only when asked to (--fail-on, --fail-on-risk), with the codes of `wasec scan`
    limit = opts.get("fail_on_risk")
    if result.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(exit_code(result, fail_on, limit) if fail_on or limit else EXIT_OK)
