"""``wasec rules list|show|test``: every rule, built in or the project's own, and the tests of the latter."""

from __future__ import annotations

import sys
from typing import Any

import click

from wasec.cli.shared import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, cli, fail, guard, ids


def _all_rules(strict: bool) -> tuple[list[Any], dict[str, str]]:
    """Built-in and custom rules, and where each custom rule is defined."""
    from wasec.config import load_config
    from wasec.rules.packs import load
    from wasec.rules.registry import load_builtin

    pack = load(load_config("."))
    builtin = [r for r in load_builtin() if strict or not r.optional]
    return builtin + pack.rules, pack.origin


_FORMAT = click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
_AREA = click.option("--area", help="Only rules of this pillar area (foundations, identity, detection, infrastructure, data, "
                                    "incident, appsec).")
_STRICT = click.option("--strict", is_flag=True, help="Include optional rules.")


@cli.group(invoke_without_command=True)
@_FORMAT
@_AREA
@_STRICT
@click.pass_context
def rules(ctx: click.Context, fmt: str, area: str | None, strict: bool) -> None:
    """Every rule, built in and custom, with mappings; a rule explained; custom rules' own tests.

    `wasec rules` alone is `wasec rules list`.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(rules_list, fmt=fmt, area=area, strict=strict)


@rules.command("list")
@_FORMAT
@_AREA
@_STRICT
@guard
def rules_list(fmt: str = "text", area: str | None = None, strict: bool = False) -> None:
    """List every rule (built in and from rule packs) with its severity and WA, CIS and FSBP mappings."""
    from wasec.errors import did_you_mean
    from wasec.rules.registry import AREAS

    if area is not None and area not in AREAS:
        fail(f"--area {area!r} is not a pillar area{did_you_mean(area, AREAS)}; choose one of {', '.join(AREAS)}")
    found, origin = _all_rules(strict)
    chosen = [r for r in found if area is None or r.area == area]
    if fmt == "json":
        import orjson

        from wasec.outputs.json_report import rule_meta

        click.echo(orjson.dumps([{**rule_meta(r), "defined_in": origin.get(r.id, "built in")} for r in chosen],
                                option=orjson.OPT_INDENT_2).decode())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(chosen)} rules ({sum(r.custom for r in chosen)} custom)", title_justify="left")
    for col in ("id", "severity", "title", "well-architected", "CIS", "FSBP"):
        table.add_column(col, overflow="fold")
    for r in sorted(chosen, key=lambda r: (r.custom, r.area, -r.severity.rank, r.id)):
        title = r.title + (" (optional)" if r.optional else "") + (" (custom)" if r.custom else "")
        table.add_row(r.id, r.severity.value, title, ", ".join(r.wa), ", ".join(r.cis), ", ".join(r.fsbp))
    Console(width=160, soft_wrap=False).print(table)


@rules.command("show")
@click.argument("rule_id")
@guard
def rules_show(rule_id: str) -> None:
    """Explain one rule: what it checks, why it matters, how to fix it in Terraform and CloudFormation."""
    from wasec.rules.catalog import best_practices, cis_controls, fsbp_controls
    from wasec.rules.registry import AREAS

    found, origin = _all_rules(strict=True)
    r = next((x for x in found if x.id == rule_id), None)
    if r is None and rule_id.startswith("event-"):
        from wasec.events.about import find, render

        click.echo(render(find(rule_id)))  # a CloudTrail detection: `wasec events show` says the same
        return
    if r is None:
        from wasec.errors import did_you_mean

        fail(f"unknown rule {rule_id!r}{did_you_mean(rule_id, [x.id for x in found])} (see `wasec rules list`)")
        return
    bps, cis, fsbp = best_practices(), cis_controls(), fsbp_controls()
    lines = [
        f"{r.id} · {r.severity.value} · {AREAS[r.area]}" + (" · optional (--strict)" if r.optional else ""),
        r.title,
        *([f"Defined in {origin[r.id]}"] if r.id in origin else []),
        "",
        f"Applies to: {', '.join(r.types)}",
        "",
        "Why it matters:",
        f"  {r.why or '(not given)'}",
        "",
        "How to fix:",
        f"  {r.fix or '(not given)'}",
    ]
    if r.fix_terraform:
        lines += ["", "Terraform:"] + [f"  {x}" for x in r.fix_terraform.splitlines()]
    if r.fix_cloudformation:
        lines += ["", "CloudFormation:"] + [f"  {x}" for x in r.fix_cloudformation.splitlines()]
    if r.fix_example:
        lines += ["", "Kubernetes:" if r.fix_example_lang == "yaml" else "Dockerfile:"] + [
            f"  {x}" for x in r.fix_example.splitlines()]
    lines += ["", "Mappings:"]
    for bp in r.wa:
        lines.append(f"  Well-Architected {bp}: {bps.get(bp, {}).get('title', '?')}")
    for c in r.cis:
        lines.append(f"  CIS AWS Foundations {c}: {cis.get(c, {}).get('title', '?')}")
    for c in r.cis_eks:
        lines.append(f"  CIS Amazon EKS Benchmark {c}")
    for c in r.fsbp:
        lines.append(f"  AWS FSBP {c}: {fsbp.get(c, {}).get('title', '?')}")
    if r.options:
        lines += ["", "Options (.wasec/config.yml, rules: {" + r.id + ": {...}}):"]
        lines += [f"  {k}: {v!r}" for k, v in r.options.items()]
    click.echo("\n".join(lines))


@rules.command("coverage")
@click.option("--framework", "frameworks", multiple=True, metavar="NAME",
              help="wa, cis, fsbp or mitre (the CloudTrail detections by ATT&CK tactic); repeatable; default: all.")
@_FORMAT
@click.option("--missing", is_flag=True, help="List only the controls no rule covers.")
@_STRICT
@guard
def rules_coverage(frameworks: tuple[str, ...], fmt: str, missing: bool, strict: bool) -> None:
    """Which Well-Architected best practices, CIS and FSBP controls the rules cover, and which they do not.

    In scope are every Well-Architected best practice, the automated CIS controls (a manual one needs a
    person) and the current FSBP controls. What no rule covers stays a question in `wasec review`.
    """
    from wasec.events.about import by_tactic
    from wasec.rules.coverage import FRAMEWORKS, coverage

    found, _ = _all_rules(strict)
    chosen = ids(frameworks) or [*FRAMEWORKS, "mitre"]
    for f in chosen:
        if f not in FRAMEWORKS and f != "mitre":
            from wasec.errors import did_you_mean

            fail(f"unknown framework {f!r}{did_you_mean(f, [*FRAMEWORKS, 'mitre'])}: choose wa, cis, fsbp or mitre")
    reports = [coverage(found, f) for f in chosen if f != "mitre"]
    mitre = by_tactic() if "mitre" in chosen else None
    if fmt == "json":
        import orjson

        click.echo(orjson.dumps([*(c.to_dict() for c in reports), *([mitre] if mitre else [])],
                                option=orjson.OPT_INDENT_2).decode())
        return
    for c in reports:
        click.echo(f"{c.name}: {len(c.covered)} of {len(c.scope)} covered"
                   + (f" ({len(c.controls) - len(c.scope)} more in the catalog are manual or retired)"
                      if len(c.controls) > len(c.scope) else ""))
        for ctl in c.scope:
            if ctl.rules and not missing:
                click.echo(f"  ✓ {ctl.id:<22} {ctl.title}  [{', '.join(ctl.rules)}]")
            elif not ctl.rules:
                click.echo(f"  · {ctl.id:<22} {ctl.title}")
        click.echo()
    if mitre:
        click.echo(f"{mitre['name']}: {mitre['covered']} of {mitre['total']} covered")
        for t in mitre["tactics"]:
            if t["techniques"] and not missing:
                click.echo(f"  ✓ {t['tactic']}")
                for x in t["techniques"]:
                    click.echo(f"      {x['id']:<10} {x['name']}  [{', '.join(x['detections'])}]")
            elif not t["techniques"]:
                click.echo(f"  · {t['tactic']}")


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--builtin", is_flag=True, help="Run the built-in rules' own cases instead (every rule fires where it "
                                              "should, and stays quiet where it should not).")
@click.option("--rules", "rule_ids", multiple=True, metavar="IDS", help="With --builtin: only these rules.")
@guard
def rules_test(directory: str | None, builtin: bool, rule_ids: tuple[str, ...]) -> None:
    """Run each custom rule's `tests:` cases (DIRECTORY, default: the project's rule packs), or with
    --builtin the cases every built-in rule ships with.

    Exit 0 when every case gets the status it expects, 1 when one does not, 2 when a rule file is wrong.
    """
    from wasec.config import load_config
    from wasec.rules.packs import Pack, load, load_directory
    from wasec.rules.registry import load_builtin
    from wasec.rules.testing import run

    if builtin:
        from wasec.errors import did_you_mean
        from wasec.rules import builtin_cases

        registry = load_builtin()
        wanted = ids(rule_ids)
        for rid in wanted:
            if rid not in registry:
                fail(f"unknown rule {rid!r}{did_you_mean(rid, [r.id for r in registry])}")
        pack = Pack(rules=[r for r in registry if not wanted or r.id in wanted])
        pack.cases = [c for c in builtin_cases.load() if not wanted or c.rule_id in wanted]
        live_only = {r.id for r in pack.rules if r.scope == "live"}  # their cases run against the emulator
        pack.rules = [r for r in pack.rules if r.id not in live_only]
        pack.cases = [c for c in pack.cases if c.rule_id not in live_only]
    elif directory is None:
        pack = load(load_config("."))
    else:
        pack = Pack()
        if not load_directory(directory, pack, load_builtin()):
            fail(f"{directory}: no rule files (*.yml, *.yaml, *.rego)")
    untested = [r.id for r in pack.rules if not any(c.rule_id == r.id for c in pack.cases)]
    outcomes = run(pack)
    for o in outcomes:
        mark = "ok  " if o.ok else "FAIL"
        click.echo(f"{mark} {o.case.rule_id} · {o.case.name} · expect {o.case.expect}: {o.got}  ({o.case.where})")
    for rid in untested:
        click.echo(f"warning: {rid} has no tests", err=True)
    wrong = sum(not o.ok for o in outcomes)
    click.echo(f"{len(outcomes) - wrong} of {len(outcomes)} case(s) as expected, {len(pack.rules)} rule(s)"
               + (f", {len(untested)} without tests" if untested else ""))
    if not outcomes and not pack.rules:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if wrong else EXIT_OK)
