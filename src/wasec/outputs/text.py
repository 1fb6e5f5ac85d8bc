"""Terminal report: failing findings grouped by pillar area and severity, then a summary line."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from typing import Any

from wasec.model.finding import Finding, Severity, Status
from wasec.rules.registry import AREAS

_STYLE = {Severity.CRITICAL: "bold white on red", Severity.HIGH: "bold red", Severity.MEDIUM: "yellow",
          Severity.LOW: "cyan", Severity.INFO: "dim"}


def _where(f: Finding) -> str:
    if f.file:
        where = f"{f.file}:{f.line}" if f.line else f.file
        record = next((e.value for e in f.evidence if e.path == "record"), None) if f.source == "cloudtrail" else None
        if record and not f.line:  # a CloudTrail record's place in its delivery file: Records[12]
            where = f"{where} {record}"
        return f"{where} (from {f.root})" if f.root else where
    parts = [x for x in (f.account, f.region) if x]
    return "/".join(parts) or (f.arn or "")


def _width(terminal: bool) -> int:
    """The terminal's width on a terminal; elsewhere (a pipe, a file) lines as long as their content."""
    import shutil

    return shutil.get_terminal_size((120, 24)).columns if terminal else 1000


def render(scan: Any, color: bool = False, width: int | None = None, show_unknown: bool = False,
           show_passed: bool = False, **_: Any) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=width or _width(color), highlight=False,
                      soft_wrap=False)
    rules = {r.id: r for r in scan.rules}
    area_of = {rid: r.area for rid, r in rules.items()}
    shown = [f for f in scan.findings if f.counts]
    by_area: dict[str, list[Finding]] = defaultdict(list)
    for f in shown:
        by_area[area_of.get(f.rule_id, "foundations")].append(f)
    coverage = getattr(scan, "coverage", None)
    what = (f"AWS account{'s' if len(coverage.accounts) != 1 else ''} {', '.join(coverage.accounts)}"
            if coverage is not None else f"{scan.files} files")
    head = getattr(scan, "what", "") or f"{what}, {len(scan.inventory)} resources, {len(scan.rules)} rules"
    console.print(Text(f"wasec · {head}, {scan.duration:.2f}s", style="bold"))
    for area in AREAS:
        items = sorted(by_area.get(area, []), key=lambda f: (-f.severity.rank, -f.risk, f.file or "", f.line or 0))
        if not items:
            continue
        fixed = 9 + 5 + max(len(f.rule_id) for f in items) + max(len(f.resource_id) for f in items) \
            + max(len(_where(f)) for f in items) + 6 * 3
        if fixed + 30 > console.width:  # too narrow for a table that cuts no name: one block per finding
            console.print()
            console.print(Text(f"{AREAS[area]} ({len(items)})", style="bold"))
            for f in items:
                console.print(Text.assemble((f.severity.value.upper(), _STYLE[f.severity]), f" {f.risk} {f.rule_id}"))
                console.print(Text(f"    {f.resource_id} · {_where(f)}"), overflow="ignore", crop=False)
                console.print(Text(f"    {f.message}"))
            continue
        table = Table(title=f"{AREAS[area]} ({len(items)})", title_justify="left", title_style="bold",
                      show_lines=False, expand=False, pad_edge=False)
        table.add_column("severity", no_wrap=True)
        table.add_column("risk", justify="right", no_wrap=True)
        table.add_column("rule", no_wrap=True)
        # names and paths are never cut: the finding's words wrap instead
        table.add_column("resource", no_wrap=True, min_width=max(len(f.resource_id) for f in items))
        table.add_column("location", no_wrap=True, min_width=max(len(_where(f)) for f in items))
        table.add_column("finding", overflow="fold", min_width=20)
        for f in items:
            table.add_row(Text(f.severity.value.upper(), style=_STYLE[f.severity]), str(f.risk), f.rule_id,
                          f.resource_id, _where(f), f.message)
        console.print()
        console.print(table)
    if show_unknown:
        unknown = [f for f in scan.findings if f.status is Status.UNKNOWN]
        if unknown:
            table = Table(title=f"Not assessed ({len(unknown)})", title_justify="left", title_style="bold")
            for col in ("rule", "resource", "location", "why"):
                table.add_column(col, overflow="fold")
            for f in unknown:
                table.add_row(f.rule_id, f.resource_id, _where(f), f.message)
            console.print()
            console.print(table)
    unjudged = scan.unjudged() if hasattr(scan, "unjudged") else {}
    if show_unknown and unjudged:
        table = Table(title=f"Read, judged by no rule ({sum(unjudged.values())} resources)", title_justify="left",
                      title_style="bold")
        table.add_column("type", overflow="fold")
        table.add_column("resources", justify="right")
        for t, n in unjudged.items():
            table.add_row(t, str(n))
        console.print()
        console.print(table)
    elif unjudged:
        console.print()
        top = ", ".join(f"{t} ({n})" for t, n in list(unjudged.items())[:4])
        more = f" and {len(unjudged) - 4} more types" if len(unjudged) > 4 else ""
        total = sum(unjudged.values())
        console.print(Text(f"judged by no rule: {total} resource{'s' if total != 1 else ''} — {top}{more} (--show-unknown "
                           "lists them)", style="dim"), overflow="fold")
    if show_passed:
        passed = [f for f in scan.findings if f.status is Status.PASS]
        console.print()
        console.print(Text(f"Passed ({len(passed)})", style="bold green"))
        for f in passed:
            console.print(f"  {f.rule_id}  {f.resource_id}  {_where(f)}")
    suppressed = [f for f in scan.findings if f.status is Status.FAIL and f.suppressed is not None]
    expired = [f for f in scan.findings if f.status is Status.FAIL and f.suppressed is None and f.notes]
    if suppressed or expired:
        console.print()
        # what a gate let through (an image's low CVEs: often hundreds) is counted by reason, not listed
        gated = Counter(f.suppressed.reason.split(":")[0] for f in suppressed
                        if f.suppressed is not None and f.suppressed.kind == "threshold")
        for f in suppressed:
            s = f.suppressed
            assert s is not None
            if s.kind != "threshold":
                console.print(Text(f"suppressed ({s.kind}): {f.rule_id} {f.resource_id}: {s.reason}", style="dim"))
        for reason, n in sorted(gated.items()):
            console.print(Text(f"not failing ({reason}): {n} (listed in JSON and SARIF)", style="dim"))
        for f in expired:
            console.print(Text(f"{f.rule_id} {f.resource_id}: {'; '.join(f.notes)}", style="yellow"))
    if coverage is not None:
        _coverage(console, coverage)
        if len(coverage.accounts) > 1:  # an organization: which account missed its baseline
            from wasec.outputs import drift, matrix

            console.print()
            matrix.text(drift.grid(scan.findings, sorted(coverage.accounts)), console)
    if scan.problems:
        console.print()
        for kind, message, where in _grouped(scan.problems):  # a path is never folded
            text = f"{kind}: {where}: {message}" if "," not in where else f"{kind}: {message} ({where})"
            console.print(Text(text, style="red" if kind == "error" else "yellow"), overflow="ignore")
    console.print()
    console.print(Text(summary_line(scan), style="bold"))
    out = buf.getvalue()
    return out if color else "\n".join(line.rstrip() for line in out.split("\n"))


def _grouped(problems: list[Any], shown: int = 3) -> list[tuple[str, str, str]]:
    """(kind, message, where) with the places of one message together: a module missing from 400 roots is one
    line naming a few of them and how many more (the JSON report keeps every one)."""
    places: dict[tuple[str, str], list[str]] = {}
    for p in problems:
        places.setdefault((p.kind, p.message), []).append(f"{p.file}:{p.line}" if p.line else p.file)
    out = []
    for (kind, message), all_where in places.items():
        where = list(dict.fromkeys(all_where))
        more = f" and {len(where) - shown} more" if len(where) > shown else ""
        out.append((kind, message, ", ".join(where[:shown]) + more))
    return out


def _coverage(console: Any, coverage: Any) -> None:
    """What was read: one line of totals, then each gap once with the regions it hit."""
    from rich.table import Table
    from rich.text import Text

    counts = coverage.counts()
    regions = {c.region for c in coverage.rows() if c.region != "global" and c.service != "*"}  # regions read
    services = {c.service for c in coverage.rows()} - {"*"}
    console.print()
    console.print(Text(f"Coverage · {len(coverage.accounts)} account(s) × {len(regions)} region(s) × {len(services)} services: "
                       f"{counts['assessed']} assessed, {counts['partial']} partial, {counts['not assessed']} not assessed "
                       f"· {coverage.requests} API requests", style="bold"))
    gaps: dict[tuple[str, str, str], list[str]] = {}
    for c in coverage.gaps():
        for reason in c.reasons or [""]:
            key = (c.status, c.service, reason.replace(f" in {c.region}", ""))
            gaps.setdefault(key, []).append(c.region if len(coverage.accounts) == 1 else f"{c.account}/{c.region}")
    if not gaps:
        return
    table = Table(show_header=True, header_style="bold", pad_edge=False)
    for col in ("status", "service", "where", "why"):
        table.add_column(col, overflow="fold")
    for (status, service, reason), where in sorted(gaps.items()):
        table.add_row(Text(status, style="yellow" if status == "partial" else "red"), service if service != "*" else "(all)",
                      ", ".join(sorted(set(where))), reason)
    console.print(table)


def summary_line(scan: Any) -> str:
    fails = [f for f in scan.findings if f.counts]
    by_sev = {s: sum(1 for f in fails if f.severity is s) for s in Severity}
    sev = ", ".join(f"{n} {s.value}" for s, n in by_sev.items() if n)
    counts = scan.counts()
    suppressed = sum(1 for f in scan.findings if f.status is Status.FAIL and f.suppressed is not None)
    errors = sum(1 for p in scan.problems if p.kind == "error")
    return (f"{len(fails)} failing" + (f" ({sev})" if sev else "") + f" · {suppressed} suppressed · "
            f"{counts['PASS']} passed · {counts['UNKNOWN']} not assessed · {errors} input error{'s' if errors != 1 else ''}")
