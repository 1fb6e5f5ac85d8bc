"""``wasec images``: the image vulnerability gate, on reports from Trivy and Grype or on what AWS found."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import click

from wasec.cli.shared import (
    EXIT_ERROR,
    aws_api,
    cli,
    config_option,
    emit,
    exit_code,
    fail,
    guard,
    history_options,
    output_options,
    save_history,
)


@cli.command("images")
@click.argument("reports", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--aws", "live", is_flag=True, help="Read ECR image scan findings and Inspector findings (EC2, Lambda, "
              "ECR images) from the account.")
@click.option("--profile", help="AWS profile (with --aws).")
@click.option("--role-arn", help="Assume this role first (with --aws).")
@click.option("--regions", default="", metavar="REGIONS", help="Comma-separated regions (with --aws; default: the "
              "profile's region).")
@click.option("--vex", "vex_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="CycloneDX or OpenVEX statements (repeatable): a vulnerability a statement says does not affect the "
                   "package at the version found does not count. Also CycloneDX SBOMs, whose components the "
                   "statements' refs may name.")
@click.option("--cvss-threshold", type=click.FloatRange(0, 10), default=7.0, show_default=True,
              help="Vulnerabilities with this CVSS base score or more are failing findings (the others are listed, "
                   "not failing).")
@click.option("--ignore-unfixed", is_flag=True, help="Vulnerabilities with no fixed version yet do not fail.")
@click.option("--fail-unscored", is_flag=True, help="Vulnerabilities with neither a score nor a severity fail too "
              "(by default they are listed, not failing).")
@output_options("Exit 1 at this severity or higher (default: any vulnerability above the threshold).")
@config_option
@history_options("a vulnerability")
@guard
def images(reports: tuple[str, ...], live: bool, profile: str | None, role_arn: str | None, regions: str,
           vex_files: tuple[str, ...], cvss_threshold: float, ignore_unfixed: bool, fail_unscored: bool,
           formats: str, output: str | None,
           output_dir: str | None, fail_on: str | None, **opts: Any) -> None:
    """Gate images on their known vulnerabilities: Trivy or Grype JSON REPORTS, and/or --aws.

    \b
      trivy image -f json -o trivy.json registry/app:1.4 && wasec images trivy.json
      grype registry/app:1.4 -o json > grype.json && wasec images grype.json --vex app.vex.json
      wasec images --aws --regions eu-west-1 --cvss-threshold 9 -f sarif -o images.sarif
    """
    from wasec.config import load_config
    from wasec.images import gate
    from wasec.images import reports as formats_
    from wasec.images.live import collect

    if not reports and not live:
        fail("name Trivy or Grype reports, or use --aws to read what ECR and Inspector found")
    started = time.time()
    config = load_config(".", opts.get("config_path"))
    vulns, problems = [], []
    loaded = []
    for path in reports:
        item = formats_.load(path)
        loaded.append(item)
        vulns += item.vulnerabilities
        problems += item.problems
    for path in vex_files:
        item = formats_.load(path)
        if item.kind in ("trivy", "grype"):  # its vulnerabilities are not statements: an input error, not a pass
            item = formats_.Loaded(path, problems=[formats_.Problem(
                path, f"given as --vex but it is a {item.kind.title()} vulnerability report, not VEX (name it as a "
                      "report, without --vex)")])
        loaded.append(item)
        problems += item.problems
    statements, said = formats_.statements(loaded)
    problems += said
    what = ", ".join(os.path.basename(r) for r in reports) or ""
    if live:
        api = aws_api(profile, role_arn)
        wanted = [r.strip() for r in regions.split(",") if r.strip()] or [api.session.region_name]
        got, said = collect(api, wanted)
        vulns += got
        problems += said
        what = ", ".join(x for x in (what, f"AWS account {api.account} ({', '.join(wanted)})") if x)
    policy = gate.Gate(cvss_threshold, ignore_unfixed, fail_unscored)
    result = gate.result(vulns, statements, problems, policy, config, os.path.abspath("."), started, what)
    names = [f.strip() for f in formats.split(",") if f.strip()]
    saved = save_history(result, opts, "images", what)
    emit(result, names, output, output_dir, opts)
    sys.exit(exit_code(result, fail_on, opts.get("fail_on_risk")) if saved else EXIT_ERROR)
