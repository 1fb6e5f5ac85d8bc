"""The dashboard's pages as HTML: a shared frame, then Overview, Findings and one finding.

Everything a reader can change (filters, sort, page) is a link or a GET form, so the address bar is the
state: a view can be bookmarked, shared, and used with JavaScript off. Charts are inline SVG drawn here.
"""

from __future__ import annotations

import html
import time
from typing import Any
from urllib.parse import quote

from wasec import __version__
from wasec.dashboard.data import PER_PAGE, SEVERITIES, SORTS, STATUSES, Filters
from wasec.history.store import Diff, ScanRow
from wasec.outputs.html import SEV_COLOR, bars, trend
from wasec.rules.registry import AREAS as AREA_NAMES

NAV = (("/", "Overview"), ("/organisation", "Organisation"), ("/findings", "Findings"), ("/review", "Review"),
       ("/exceptions", "Exceptions"), ("/images", "Images"), ("/detections", "Detections"))
esc = html.escape


def _fp(fingerprint: str) -> str:
    """A fingerprint as one path segment of a link."""
    return esc(quote(str(fingerprint), safe=""))


def frame(title: str, body: str, active: str, store_label: str) -> str:
    nav = "".join(f'<a href="{href}"{" aria-current=page" if href == active else ""}>{esc(name)}</a>'
                  for href, name in NAV)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{esc(title)} · wasec</title>'
            f'<link rel="stylesheet" href="/static/dashboard.css"></head><body>'
            f'<header><a class="brand" href="/">wasec</a><nav aria-label="pages">{nav}</nav>'
            f'<span class="muted store">{esc(store_label)}</span></header>'
            f'<main id="main"><h1>{esc(title)}</h1>{body}</main>'
            f'<footer class="muted">wasec {esc(__version__)} · read-only view of the scan history</footer>'
            f"</body></html>")


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(t)) + " UTC"


def empty(store_label: str) -> str:
    return frame("Overview", "<p>No scan is saved yet. Run <code>wasec scan . --save</code> (or "
                 "<code>make demo</code>) and reload.</p>", "/", store_label)


def overview(latest: ScanRow, scans: list[ScanRow], change: Diff | None, cells: dict[tuple[int, int], int],
             areas: list[tuple[str, int]], store_label: str, high_risk: int) -> str:
    sev = latest.counts.get("severity", {})
    failing = sum(sev.values())
    tiles = [("failing", failing, f"/findings?scan={latest.id}"),
             *((s, sev.get(s, 0), f"/findings?scan={latest.id}&severity={s}") for s in SEVERITIES[:4])]
    if change is not None:
        tiles += [("new since the scan before", len(change.new_findings), ""),
                  ("fixed since the scan before", len(change.fixed) + len(change.fixed_by_remediation), "")]
    tile_html = "".join(
        f'<li class="tile {esc(name.split()[0])}"><span class="n">{n}</span> '
        + (f'<a href="{esc(href)}">{esc(name)}</a>' if href else esc(name)) + "</li>" for name, n, href in tiles)
    body = [f'<p class="muted">Latest scan #{latest.id}: {esc(latest.source)} of {esc(latest.target)}, '
            f"{esc(_when(latest.started))}, {latest.rules} rules; {len(scans)} scan(s) saved.</p>",
            f'<ul class="tiles" aria-label="latest scan">{tile_html}</ul>', '<div class="charts">',
            trend(scans), _matrix(latest.id, cells, high_risk), _stacked(scans), _accounts_trend(scans)]
    if areas:
        body.append(bars("Failing findings by Security Pillar area", [(a, n, "#5f6368") for a, n in areas], "areas"))
    body.append(bars("Failing findings by severity", [(s, sev.get(s, 0), SEV_COLOR[s]) for s in SEVERITIES[:4]],
                      "severity"))
    body.append("</div>")
    if change is not None:
        body.append(_changes(change))
    return frame("Overview", "".join(body), "/", store_label)


AREA_COLOR = {"identity": "#1a73e8", "detection": "#9334e6", "infrastructure": "#e8710a", "data": "#188038",
              "incident": "#d01884", "appsec": "#b3261e", "other": "#80868b"}


def _stacked(history: list[ScanRow]) -> str:
    """Failing findings by Security Pillar area across saved scans, as stacked areas (scans that recorded areas)."""
    scans = [s for s in history if isinstance(s.counts.get("area"), dict)]
    if len(scans) < 2:
        return ""
    areas = [a for a in AREA_COLOR if any(s.counts["area"].get(a) for s in scans)]
    width, height, pad = 600, 200, 30
    top = max(sum(s.counts["area"].values()) for s in scans) or 1
    n = len(scans)

    def x(i: int) -> float:
        return pad + i * (width - 2 * pad) / (n - 1)

    def y(v: float) -> float:
        return height - pad - v * (height - 2 * pad) / top

    below = [0.0] * n
    shapes, legend = [], []
    for k, area in enumerate(areas):
        above = [below[i] + scans[i].counts["area"].get(area, 0) for i in range(n)]
        pts = [f"{x(i):.1f},{y(above[i]):.1f}" for i in range(n)] + \
              [f"{x(i):.1f},{y(below[i]):.1f}" for i in reversed(range(n))]
        name = AREA_NAMES.get(area, area)
        shapes.append(f'<polygon points="{" ".join(pts)}" fill="{AREA_COLOR[area]}" fill-opacity="0.75">'
                      f"<title>{esc(name)}</title></polygon>")
        lx, ly = pad + 270 * (k % 2), height + 6 + 16 * (k // 2)  # two columns: the names are long
        legend.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{AREA_COLOR[area]}"/>'
                      f'<text x="{lx + 14}" y="{ly + 9}" class="lbl">{esc(name)}</text>')
        below = above
    total = height + 12 + 16 * ((len(areas) + 1) // 2)
    return (f'<figure class="chart stacked"><figcaption>Failing findings by Security Pillar area over {n} scans'
            f'</figcaption><svg viewBox="0 0 {width} {total}" width="{width}" height="{total}" role="img" '
            f'aria-label="failing findings by area over time">' + "".join(shapes) + "".join(legend)
            + f'<text x="4" y="{pad}" class="lbl">{top}</text></svg></figure>')


def _accounts_trend(history: list[ScanRow], top: int = 6) -> str:
    """The accounts with the most failing findings in the latest scan, each a line across the scans that
    recorded accounts."""
    scans = [s for s in history if isinstance(s.counts.get("account"), dict)]
    if len(scans) < 2:
        return ""
    latest = scans[-1].counts["account"]
    worst = sorted(latest, key=lambda a: (-latest[a], a))[:top]
    width, height, pad = 600, 200, 30
    peak = max((s.counts["account"].get(a, 0) for s in scans for a in worst), default=1) or 1
    n = len(scans)
    colors = ("#b3261e", "#e8710a", "#f9ab00", "#188038", "#1a73e8", "#9334e6")
    lines, legend = [], []
    for k, acct in enumerate(worst):
        pts = " ".join(f"{pad + i * (width - 2 * pad) / (n - 1):.1f},"
                       f"{height - pad - s.counts['account'].get(acct, 0) * (height - 2 * pad) / peak:.1f}"
                       for i, s in enumerate(scans))
        lines.append(f'<polyline fill="none" stroke="{colors[k]}" stroke-width="2" points="{pts}">'
                     f"<title>{esc(acct)}</title></polyline>")
        lx, ly = pad + 190 * (k % 3), height + 6 + 16 * (k // 3)
        legend.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{colors[k]}"/>'
                      f'<text x="{lx + 14}" y="{ly + 9}" class="lbl">{esc(acct)}</text>')
    total = height + 12 + 16 * ((len(worst) + 2) // 3)
    return (f'<figure class="chart accounts"><figcaption>Failing findings of the {len(worst)} accounts with the most, '
            f'over {n} scans</figcaption><svg viewBox="0 0 {width} {total}" width="{width}" height="{total}" '
            f'role="img" aria-label="failing findings by account over time">' + "".join(lines) + "".join(legend)
            + f'<text x="4" y="{pad}" class="lbl">{peak}</text></svg></figure>')


def _matrix(scan_id: int, cells: dict[tuple[int, int], int], high_risk: int) -> str:
    """Likelihood × impact with the count in each cell, each a link to the findings behind it."""
    rows = ["<table class=\"matrix\"><caption>Risk matrix of the latest scan: likelihood × impact</caption>"
            "<tr><th scope=col>likelihood ↓ impact →</th>" + "".join(f"<th scope=col>{i}</th>" for i in range(1, 6))
            + "</tr>"]
    for li in range(5, 0, -1):
        tds = []
        for im in range(1, 6):
            n, risk = cells.get((li, im), 0), li * im
            band = "high" if risk >= high_risk else "medium" if risk >= 8 else "low"
            link = (f'<a href="/findings?scan={scan_id}&amp;impact={im}&amp;likelihood={li}" '
                    f'aria-label="{n} findings of likelihood {li} and impact {im}">{n}</a>') if n else ""
            tds.append(f'<td class="cell {band}" title="risk {risk}">{link}</td>')
        rows.append(f"<tr><th scope=row>{li}</th>{''.join(tds)}</tr>")
    return "".join(rows) + "</table>"


def _changes(d: Diff) -> str:
    def items(xs: list[dict[str, Any]], limit: int = 10) -> str:
        li = "".join(f'<li><a href="/finding/{_fp(x["fingerprint"])}">{esc(x["rule_id"])}</a> '
                     f'{esc(x["resource_id"])} <span class="muted">risk {x["risk"]}</span></li>' for x in xs[:limit])
        more = f'<li class="muted">and {len(xs) - limit} more</li>' if len(xs) > limit else ""
        return f"<ul>{li}{more}</ul>" if xs else '<p class="muted">none</p>'

    fixed = d.fixed + d.fixed_by_remediation
    return (f'<section class="changes"><h2>Since scan #{d.old.id} ({esc(_when(d.old.started))})</h2>'
            f'<div class="cols"><div><h3>New ({len(d.new_findings)})</h3>{items(d.new_findings)}</div>'
            f'<div><h3>Fixed ({len(fixed)})</h3>{items(fixed)}</div></div></section>')


def findings(f: Filters, scan: ScanRow, rows: list[dict[str, Any]], total: int, scans: list[ScanRow],
             store_label: str) -> str:
    def select(name: str, options: tuple[str, ...], current: str, blank: str) -> str:
        opts = "".join(f'<option value="{esc(o)}"{" selected" if o == current else ""}>{esc(o or blank)}</option>'
                       for o in ("", *options))
        return f'<label>{esc(name)} <select name="{esc(name)}">{opts}</select></label>'

    scan_opts = "".join(f'<option value="{s.id}"{" selected" if s.id == scan.id else ""}>#{s.id} '
                        f'{esc(_when(s.started))} {esc(s.source)}</option>' for s in reversed(scans))
    form = (f'<form method="get" action="/findings" class="filters" role="search">'
            f'<label>scan <select name="scan">{scan_opts}</select></label>'
            f'{select("status", (*STATUSES, "any"), f.status, "FAIL")}'
            f'{select("severity", SEVERITIES, f.severity, "any")}'
            f'<label>rule <input name="rule" value="{esc(f.rule)}" size="22"></label>'
            f'<label>source <input name="source" value="{esc(f.source)}" size="10"></label>'
            f'<label>account <input name="account" value="{esc(f.account)}" size="14"></label>'
            f'<label>region <input name="region" value="{esc(f.region)}" size="12"></label>'
            f'<label>control <input name="control" value="{esc(f.control)}" size="11" '
            f'placeholder="SEC02-BP01, S3.8"></label>'
            f'<label>risk ≥ <input name="min_risk" value="{f.min_risk or ""}" size="3" inputmode="numeric"></label>'
            f'<label>first seen ≥ scan <input name="since" value="{f.since or ""}" size="4" inputmode="numeric">'
            '</label>'
            f'<label>search <input type="search" name="q" value="{esc(f.q)}" size="24"></label>'
            + "".join(f'<input type="hidden" name="{k}" value="{esc(str(v))}">' for k, v in
                      (("impact", f.impact), ("likelihood", f.likelihood), ("area", f.area)) if v)
            + f'{select("suppressed", ("yes", "any"), f.suppressed if f.suppressed != "no" else "", "no")}'
            f'<button type="submit">Filter</button> <a href="/findings?scan={scan.id}">clear</a></form>')
    notes = "".join(f'<p class="problem">{esc(p)}</p>' for p in f.problems)
    cell = f" at likelihood {f.likelihood} and impact {f.impact}" if f.impact and f.likelihood else ""
    cell += f" of account {f.account}" if f.account else ""
    cell += f" in {AREA_NAMES.get(f.area, f.area)}" if f.area else ""
    cell += f" mapped to {f.control}" if f.control else ""
    cell += f" of risk {f.min_risk} or more" if f.min_risk else ""
    cell += f" first seen in scan #{f.since} or later" if f.since else ""
    first = (f.page - 1) * PER_PAGE
    summary = (f'<p>{total} finding(s){esc(cell)} in scan #{scan.id}; showing {first + 1 if rows else 0}–'
               f'{first + len(rows)}. Export this view: <a href="/findings.csv?{esc(f.query(page=None))}">CSV</a> · '
               f'<a href="/findings.json?{esc(f.query(page=None))}">JSON</a></p>')

    def head(label: str, key: str | None) -> str:
        if key is None:
            return f"<th scope=col>{esc(label)}</th>"
        on = f.sort == key
        arrow = (" ↓" if f.desc else " ↑") if on else ""
        q = f.query(sort=key, order="asc" if on and f.desc else "desc", page=None)
        sort = ' aria-sort="descending"' if on and f.desc else ' aria-sort="ascending"' if on else ""
        return f'<th scope=col{sort}><a href="/findings?{esc(q)}">{esc(label)}{arrow}</a></th>'

    table = ['<table class="findings"><thead><tr>', head("risk", "risk"), head("severity", "severity"),
             head("rule", "rule"), head("resource", "resource"), head("where", "file"), head("first seen", None),
             head("finding", None),
             "</tr></thead><tbody>"]
    for r in rows:
        where = f'{r["file"]}:{r["line"]}' if r["file"] and r["line"] else (r["file"] or "")
        status = "" if r["status"] == "FAIL" else f' <span class="muted">{esc(r["status"])}</span>'
        table.append(f'<tr><td class="num">{r["risk"]}</td><td><span class="sev {esc(r["severity"])}">'
                     f'{esc(r["severity"])}</span></td><td>{esc(r["rule_id"])}</td><td>{esc(r["resource_id"])}</td>'
                     f'<td>{esc(where)}</td><td class="num">#{r.get("first_seen") or "?"}</td>'
                     f'<td><a href="/finding/{_fp(r["fingerprint"])}">{esc(r["message"])}</a>'
                     f"{status}</td></tr>")
    table.append("</tbody></table>")
    pages = max(1, -(-total // PER_PAGE))
    nav = []
    if f.page > 1:
        nav.append(f'<a rel="prev" href="/findings?{esc(f.query(page=f.page - 1))}">previous</a>')
    nav.append(f"page {f.page} of {pages}")
    if f.page < pages:
        nav.append(f'<a rel="next" href="/findings?{esc(f.query(page=f.page + 1))}">next</a>')
    body = form + notes + summary + "".join(table) + f'<nav class="pages" aria-label="pages">{" · ".join(nav)}</nav>'
    return frame("Findings", body, "/findings", store_label)


def finding(d: dict[str, Any], history: list[dict[str, Any]], rule: Any, store_label: str) -> str:
    extra = d.get("extra") or {}
    where = f'{d["file"]}:{d["line"]}' if d["file"] and d["line"] else (d["file"] or "")
    facts = [("rule", d["rule_id"]), ("severity", d["severity"]), ("risk", f'{d["risk"]} (impact {d["impact"]} × '
             f'likelihood {d["likelihood"]})'), ("resource", f'{d["resource_id"]} ({d["resource_type"]})'),
             ("where", where), ("source", d["source"]), ("account", extra.get("account", "")),
             ("region", extra.get("region", ""))]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(str(v))}</dd>" for k, v in facts if v)
    body = [f'<p class="lead">{esc(d["message"])}</p><dl class="facts">{dl}</dl>']
    ev = extra.get("evidence") or []
    if ev:
        body.append("<h2>Evidence</h2><ul>" + "".join(
            f'<li><code>{esc(str(e[0]))}</code> = <code>{esc(str(e[1]))}</code> {esc(str(e[2] or ""))}</li>'
            for e in ev) + "</ul>")
    sup = extra.get("suppression")
    if sup:
        body.append(f"<h2>Exception</h2><p>{esc(str(sup[0]))}: {esc(str(sup[1] or ''))} "
                    f"(owner {esc(str(sup[2] or '?'))}, expires {esc(str(sup[3] or 'never'))})</p>")
    if rule is not None:
        body.append(f"<h2>Why it matters</h2><p>{esc(rule.why or '')}</p><h2>How to fix</h2><p>{esc(rule.fix or '')}</p>")
        for label, code in (("Terraform", rule.fix_terraform), ("CloudFormation", rule.fix_cloudformation)):
            if code:
                body.append(f"<h3>{label}</h3><pre><code>{esc(code)}</code></pre>")
    body.append('<h2>History</h2><table><thead><tr><th scope=col>scan</th><th scope=col>when</th>'
                '<th scope=col>status</th></tr></thead><tbody>' + "".join(
                    f'<tr><td><a href="/findings?scan={h["scan"]}&amp;status=any">#{h["scan"]}</a></td>'
                    f'<td>{esc(_when(h["started"]))}</td><td>{esc(h["status"])}'
                    f'{" (suppressed)" if h["suppressed"] else ""}</td></tr>' for h in history) + "</tbody></table>")
    return frame(d["title"], "".join(body), "", store_label)


def exceptions(items: list[dict[str, Any]], scan: ScanRow, today: str, soon: str, store_label: str) -> str:
    """Suppressed findings of a scan by expiry: expired first, then those expiring within 30 days."""
    def state(e: dict[str, Any]) -> str:
        if not e["expires"]:
            return "never expires"
        return "expired" if e["expires"] < today else "expires within 30 days" if e["expires"] <= soon else ""

    head = "".join(f"<th scope=col>{h}</th>" for h in ("expires", "", "owner", "reason", "kind", "rule", "resource",
                                                          "risk"))
    body = "".join(
        f'<tr class="{"due" if state(e) in ("expired", "expires within 30 days") else ""}">'
        f'<td>{esc(e["expires"] or "—")}</td><td>{esc(state(e))}</td><td>{esc(e["owner"] or "")}</td>'
        f'<td>{esc(e["reason"] or "")}</td><td>{esc(e["kind"] or "")}</td><td>{esc(e["rule_id"])}</td>'
        f'<td><a href="/finding/{_fp(e["fingerprint"])}">{esc(e["resource_id"])}</a></td>'
        f'<td class="num">{e["risk"]}</td></tr>' for e in items)
    due = sum(1 for e in items if state(e) in ("expired", "expires within 30 days"))
    intro = (f"<p>{len(items)} finding(s) suppressed in scan #{scan.id}; {due} exception(s) expired or expiring "
             "within 30 days. An expired exception no longer suppresses: the next scan fails on it.</p>")
    table = f"<table class=\"findings\"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" if items else \
        '<p class="muted">No finding is suppressed.</p>'
    return frame("Exceptions", intro + table, "/exceptions", store_label)


def detections(runs: list[ScanRow], fired: dict[int, dict[str, int]], store_label: str) -> str:
    """Alerts of the saved `wasec events --save` runs by ATT&CK technique: a heat map, technique × run."""
    if not runs:
        return frame("Detections", "<p>No detections are saved yet: <code>wasec events LOGS --save</code> keeps a "
                     "run's alerts here.</p>", "/detections", store_label)
    from wasec.events.about import REGISTRY
    from wasec.events.mitre import tactics, technique

    by_technique: dict[str, dict[int, int]] = {}
    names: dict[str, str] = {}
    for run in runs:
        for rule_id, n in fired[run.id].items():
            d = REGISTRY.get(rule_id.removeprefix("event-"))
            tid = d.mitre[0] if d and d.mitre else ("Sigma rules" if rule_id.startswith("event-sigma-") else "other")
            info = technique(tid) if d else None
            names[tid] = f"{tid} {info[0]} ({', '.join(tactics((tid,)))})" if info else tid
            row = by_technique.setdefault(tid, {})
            row[run.id] = row.get(run.id, 0) + n
    top = max((n for row in by_technique.values() for n in row.values()), default=1)
    head = "".join(f'<th scope=col><a href="/findings?scan={r.id}">#{r.id}</a><br><span class="muted">'
                   f'{esc(_when(r.started)[:10])}</span></th>' for r in runs)
    body = []
    for tid in sorted(by_technique, key=lambda t: -sum(by_technique[t].values())):
        cells = []
        for r in runs:
            n = by_technique[tid].get(r.id, 0)
            level = 0 if n == 0 else 1 + min(3, int(3 * n / top))
            cells.append(f'<td class="heat h{level}" title="{n}">{n or ""}</td>')
        body.append(f'<tr><th scope=row>{esc(names[tid])}</th>{"".join(cells)}</tr>')
    total = sum(sum(f.values()) for f in fired.values())
    return frame("Detections", f"<p>{total} alert(s) in the last {len(runs)} saved run(s) of <code>wasec events</code>, "
                 "by MITRE ATT&amp;CK technique.</p><table class=\"heatmap\"><thead><tr><th scope=col>technique</th>"
                 f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>", "/detections", store_label)


GOAL = 45.0  # per cent of the high-risk issues of the first review remediated: the practitioners' common target
RISKS = ("HIGH", "MEDIUM", "NONE", "UNANSWERED", "NOT_APPLICABLE")


def review(milestones: list[tuple[str, float, dict[str, Any]]], then: str, now: str, store_label: str) -> str:
    """Well-Architected review milestones: their risk counts, the high-risk issues remediated between two of them
    against the 45% goal, and the later one's questions with each best practice's status."""
    if not milestones:
        return frame("Review", "<p>No review milestone is saved: <code>wasec review . --milestone 2026-Q4</code> "
                     "records one.</p>", "/review", store_label)
    from wasec.rules.catalog import questions

    by_name = {n: (t, st) for n, t, st in milestones}
    a, b = by_name.get(then, (milestones[0][1], milestones[0][2])), by_name.get(now, (milestones[-1][1], milestones[-1][2]))
    then = then if then in by_name else milestones[0][0]
    now = now if now in by_name else milestones[-1][0]
    rows = []
    for name, t, st in milestones:
        counts = {r: 0 for r in RISKS}
        for risk in st.get("questions", {}).values():
            counts[risk] = counts.get(risk, 0) + 1
        rows.append(f"<tr><td>{esc(name)}</td><td>{esc(_when(t)[:10])}</td>"
                    + "".join(f'<td class="num">{counts[r]}</td>' for r in RISKS) + "</tr>")
    hri_then = sorted(q for q, r in a[1].get("questions", {}).items() if r == "HIGH")
    hri_now = {q for q, r in b[1].get("questions", {}).items() if r == "HIGH"}
    done = [q for q in hri_then if q not in hri_now]
    pct = 100.0 * len(done) / len(hri_then) if hri_then else 100.0
    width = min(100.0, pct)
    bar = (f'<svg viewBox="0 0 400 28" width="400" height="28" role="img" aria-label="{pct:.0f}% remediated">'
           f'<rect x="0" y="4" width="400" height="20" fill="var(--panel)" stroke="var(--line)"/>'
           f'<rect x="0" y="4" width="{4 * width:.0f}" height="20" fill="{"#188038" if pct >= GOAL else "#e8710a"}"/>'
           f'<line x1="{4 * GOAL:.0f}" y1="0" x2="{4 * GOAL:.0f}" y2="28" stroke="var(--fg)" stroke-dasharray="3 2"/>'
           f"</svg>")
    def pick(name: str, selected: str) -> str:
        opts = "".join(f'<option value="{esc(n)}"{" selected" if n == selected else ""}>{esc(n)}</option>'
                       for n, _, _ in milestones)
        return f'<label>{name} <select name="{name}">{opts}</select></label>'

    form = (f'<form method="get" action="/review" class="filters">{pick("from", then)}{pick("to", now)}'
            '<button type="submit">Compare</button></form>')
    practices = b[1].get("practices", {})
    qs = []
    for q in questions():
        risk = b[1].get("questions", {}).get(q["id"])
        if risk is None:
            continue
        items = "".join(f'<li>{esc(bp["id"])} {esc(bp.get("title", ""))} ({esc(bp.get("risk", ""))} risk) — '
                        f'<b>{esc(practices.get(bp["id"], "unknown"))}</b></li>' for bp in q.get("best_practices", []))
        qs.append(f'<details><summary><span class="risk {esc(risk.lower())}">{esc(risk)}</span> {esc(q["id"])} '
                  f'{esc(q["question"])}</summary><ul>{items}</ul></details>')
    body = (f"{form}<table class=\"findings\"><thead><tr><th scope=col>milestone</th><th scope=col>recorded</th>"
            + "".join(f"<th scope=col>{r.lower().replace('_', ' ')}</th>" for r in RISKS) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>"
            f"<h2>High-risk issues remediated from {esc(then)} to {esc(now)}</h2>"
            f"<p>{len(done)} of {len(hri_then)} ({pct:.0f}%; the goal is {GOAL:.0f}%)"
            + (f": {esc(', '.join(done))}" if done else "") + f"</p>{bar}"
            f"<h2>Questions at {esc(now)}</h2>{''.join(qs)}")
    return frame("Review", body, "/review", store_label)


MARK = {"ok": "✓", "bad": "✗", "na": "–", "unknown": "?"}


def _drift(scan: ScanRow, grid: Any) -> str:
    """Accounts × the baseline every account should have: each cell's reason in its title, a missing control a link
    to that account's findings, and every reason listed below."""
    from wasec.outputs.matrix import Cell, details

    if not grid.rows:
        return ""
    head = "".join(f'<th scope=col title="{esc(title)}">{esc(cid)}</th>' for cid, title in grid.columns)
    body = []
    for label, cells in grid.rows:
        tds = []
        for cid, _ in grid.columns:
            c = cells.get(cid, Cell("unknown", "not decided"))
            mark = MARK[c.status]
            if c.status == "bad":
                mark = f'<a href="/findings?scan={scan.id}&amp;account={esc(label)}">{mark}</a>'
            tds.append(f'<td class="m-{c.status}" title="{esc(c.detail)}">{mark}</td>')
        body.append(f"<tr><th scope=row>{esc(label)}</th>{''.join(tds)}</tr>")
    why = "".join(f"<li>{MARK[st]} {esc(acct)} · {esc(cols)}: {esc(detail)}</li>" for acct, st, cols, detail in details(grid))
    return (f'<h2>Baseline across accounts</h2><table class="heatmap grid"><thead><tr><th scope=col>account</th>{head}'
            f"</tr></thead><tbody>{''.join(body)}</tbody></table>" + (f"<ul>{why}</ul>" if why else ""))


GUARD_MARK = {"holds": ("ok", "✓"), "leaks": ("bad", "✗"), "exempt": ("na", "–"), "unknown": ("unknown", "?")}


def _guardrails(saved: tuple[float, dict[str, Any]] | None) -> str:
    """The last saved `wasec org guardrails --save`: OUs and accounts × guardrails, each cell's reason in its title,
    every leak listed."""
    if saved is None:
        return ('<h2>Guardrails</h2><p class="muted">No guardrail matrix is saved: <code>wasec org guardrails '
                "--save</code> keeps one.</p>")
    when, doc = saved
    rails = doc.get("guardrails") or []
    head = "".join(f'<th scope=col title="{esc(g.get("title", ""))}">{esc(g.get("id", ""))}</th>' for g in rails)
    body, leaks = [], []
    for row in doc.get("rows") or []:
        label = " / ".join(row.get("path") or [row.get("name", "")]) + (
            "" if row.get("kind") == "account" else f' ({row.get("kind")})')
        tds = []
        for g in rails:
            c = (row.get("cells") or {}).get(g.get("id"), {})
            cls, mark = GUARD_MARK.get(c.get("status", "unknown"), ("unknown", "?"))
            why = c.get("reason") or ("may still " + ", ".join(c.get("leaks", [])[:3]) if c.get("leaks") else "")
            tds.append(f'<td class="m-{cls}" title="{esc(why)}">{mark}</td>')
            if c.get("status") in ("leaks", "unknown"):
                leaks.append(f"<li>{mark} {esc(label)} · {esc(g.get('id', ''))}: {esc(why)}</li>")
        body.append(f"<tr><th scope=row>{esc(label)}</th>{''.join(tds)}</tr>")
    summary = doc.get("summary") or {}
    return (f"<h2>Guardrails</h2><p>{esc(str(doc.get('source', '')))}, saved {esc(_when(when))}: "
            f"{summary.get('leaking', 0)} guardrail decision(s) leak, for an administrator role named "
            f"{esc(str(doc.get('admin_role', '')))}.</p><table class=\"heatmap grid\"><thead><tr><th scope=col>"
            f"OU or account</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            + (f"<ul>{''.join(leaks)}</ul>" if leaks else ""))


def organisation(scan: ScanRow | None, by_account: dict[str, dict[str, int]], area_of: dict[str, str],
                 store_label: str, drift: Any = None, guardrails: tuple[float, dict[str, Any]] | None = None) -> str:
    """Accounts × Security Pillar areas of the latest live scan: where each account falls short, each cell a link
    to the findings behind it."""
    if scan is None or not by_account:
        return frame("Organisation", "<p>No saved scan names accounts yet: <code>wasec scan aws --org --save</code> "
                     "(or one account: <code>wasec scan aws --save</code>).</p>" + _guardrails(guardrails),
                     "/organisation", store_label)
    areas = [a for a in AREA_NAMES if any(area_of.get(r) == a for rules in by_account.values() for r in rules)]
    grid = {acct: {a: sum(n for r, n in rules.items() if area_of.get(r) == a) for a in areas}
            for acct, rules in by_account.items()}
    top = max((n for row in grid.values() for n in row.values()), default=1) or 1
    head = "".join(f"<th scope=col>{esc(AREA_NAMES[a])}</th>" for a in areas)
    body = []
    for acct in sorted(grid, key=lambda a: (-sum(grid[a].values()), a)):
        cells = []
        for a in areas:
            n = grid[acct][a]
            level = 0 if n == 0 else 1 + min(3, int(3 * n / top))
            link = (f'<a href="/findings?scan={scan.id}&amp;account={esc(acct)}&amp;area={esc(a)}">{n}</a>'
                    if n else "")
            cells.append(f'<td class="heat h{level}">{link}</td>')
        body.append(f'<tr><th scope=row><a href="/findings?scan={scan.id}&amp;account={esc(acct)}">{esc(acct)}</a>'
                    f'</th><td class="num">{sum(grid[acct].values())}</td>{"".join(cells)}</tr>')
    return frame("Organisation", f"<p>Scan #{scan.id} ({esc(scan.source)} of {esc(scan.target)}, "
                 f"{esc(_when(scan.started))}): {len(grid)} account(s), failing findings by Security Pillar area. "
                 "Each cell opens its findings.</p><table class=\"heatmap\"><thead><tr><th scope=col>account</th>"
                 f"<th scope=col>failing</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
                 + (_drift(scan, drift) if drift is not None else "") + _guardrails(guardrails), "/organisation",
                 store_label)


def images(scan: ScanRow | None, rows: list[dict[str, Any]], store_label: str) -> str:
    """The CVE gate's latest saved run (`wasec images … --save`): each image's failing vulnerabilities."""
    if scan is None:
        return frame("Images", "<p>No image gate run is saved: <code>wasec images trivy.json --save</code> keeps "
                     "one.</p>", "/images", store_label)
    from urllib.parse import urlencode

    head = "".join(f"<th scope=col>{h}</th>" for h in ("image", "failing", "critical", "high", "medium", "low",
                                                         "excused by VEX", "below the threshold", "excepted"))
    body = "".join(
        f'<tr class="{"due" if r["failing"] else ""}"><th scope=row><a href="/findings?'
        f'{esc(urlencode({"scan": scan.id, "q": r["image"]}))}">{esc(r["image"])}</a></th>'
        + "".join(f'<td class="num">{r[k] or ""}</td>' for k in ("failing", "critical", "high", "medium", "low",
                                                                   "vex", "below", "excepted")) + "</tr>" for r in rows)
    failing = sum(1 for r in rows if r["failing"])
    return frame("Images", f"<p>Gate run #{scan.id} ({esc(_when(scan.started))}, {esc(scan.target)}): {len(rows)} "
                 f"image(s), {failing} failing the gate.</p><table class=\"findings\"><thead><tr>{head}</tr></thead>"
                 f"<tbody>{body}</tbody></table>", "/images", store_label)


def error(status: int, message: str, store_label: str = "") -> str:
    return frame(f"{status}", f'<p class="problem">{esc(message)}</p>', "", store_label)


SORT_KEYS = tuple(SORTS)
