"""One self-contained HTML report: no network needed to open it, fast with 100,000 findings.

Summary tiles, findings by pillar area and by severity (inline SVG bars), the 5×5 risk matrix, the
trend of saved scans when a history database is next to the scan, and every failing finding in a
table that renders only the rows in view (so 100,000 rows scroll smoothly), filterable by severity,
area and text, each expandable to its evidence and remediation. Findings travel as compact columnar
JSON (rule, file and resource strings stored once), so the file stays small.
"""

from __future__ import annotations

import html
import os
import time
from collections import Counter
from typing import Any

import orjson

from wasec import __version__
from wasec.findings.risk import RiskModel
from wasec.model.finding import Severity
from wasec.outputs.risk_matrix import cells
from wasec.rules.registry import AREAS

SEV_COLOR = {"critical": "#b3261e", "high": "#e8710a", "medium": "#f9ab00", "low": "#1a73e8", "info": "#80868b"}
BAND_COLOR = {"high": "#f28b82", "medium": "#fdd663", "low": "#a8dab5"}


def bars(title: str, items: list[tuple[str, int, str]], cls: str) -> str:
    """A horizontal bar chart as inline SVG."""
    top = max([n for _, n, _ in items] or [1]) or 1
    h = 26 * len(items) + 10
    rows = []
    for i, (label, n, color) in enumerate(items):
        y = 8 + i * 26
        w = 0 if n == 0 else max(2, int(300 * n / top))
        rows.append(f'<text x="0" y="{y + 14}" class="lbl">{html.escape(label)}</text>'
                    f'<rect x="230" y="{y}" width="{w}" height="18" rx="3" fill="{color}"/>'
                    f'<text x="{236 + w}" y="{y + 14}" class="num">{n}</text>')
    return (f'<figure class="chart {cls}"><figcaption>{html.escape(title)}</figcaption>'
            f'<svg viewBox="0 0 600 {h}" width="600" height="{h}" role="img" aria-label="{html.escape(title)}">'
            + "".join(rows) + "</svg></figure>")


def _matrix(findings: list[Any], model: RiskModel) -> str:
    m = cells(findings)
    out = ['<table class="matrix" aria-label="risk matrix"><caption>Risk matrix: likelihood × impact</caption>',
           "<tr><th>likelihood ↓ impact →</th>" + "".join(f"<th>{i}</th>" for i in range(1, 6)) + "</tr>"]
    for li in range(5, 0, -1):
        row = "".join(f'<td class="cell {model.band(li * im)}" title="risk {li * im}">{m[li - 1][im - 1] or ""}</td>'
                      for im in range(1, 6))
        out.append(f"<tr><th>{li}</th>{row}</tr>")
    out.append("</table>")
    return "".join(out)


def trend(history: list[Any]) -> str:
    """Failing findings by severity across saved scans, as an inline SVG line chart."""
    if len(history) < 2:
        return '<p class="muted">Save scans with <code>--save</code> to see the trend here.</p>'
    width, height, pad = 600, 200, 30
    top = max(sum(s.counts.get("severity", {}).values()) for s in history) or 1
    n = len(history)

    def x(i: int) -> float:
        return pad + i * (width - 2 * pad) / (n - 1)

    def y(v: int) -> float:
        return height - pad - v * (height - 2 * pad) / top

    lines = []
    for sev in ("critical", "high", "medium", "low"):
        pts = " ".join(f"{x(i):.1f},{y(s.counts.get('severity', {}).get(sev, 0)):.1f}" for i, s in enumerate(history))
        lines.append(f'<polyline fill="none" stroke="{SEV_COLOR[sev]}" stroke-width="2" points="{pts}"><title>{sev}</title></polyline>')
    total = " ".join(f"{x(i):.1f},{y(sum(s.counts.get('severity', {}).values())):.1f}" for i, s in enumerate(history))
    lines.append(f'<polyline fill="none" stroke="#202124" stroke-dasharray="4 3" stroke-width="2" points="{total}"><title>all</title></polyline>')
    labels = (f'<text x="{pad}" y="{height - 8}" class="lbl">{html.escape(history[0].when[:10])}</text>'
              f'<text x="{width - pad}" y="{height - 8}" class="lbl" text-anchor="end">{html.escape(history[-1].when[:10])}</text>'
              f'<text x="4" y="{pad}" class="lbl">{top}</text>')
    return (f'<figure class="chart trend"><figcaption>Failing findings over {n} saved scans</figcaption>'
            f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="trend">'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#dadce0"/>'
            + "".join(lines) + labels + "</svg></figure>")


def _history(scan: Any) -> list[Any]:
    from wasec.history import store

    path = os.path.join(scan.root, store.DEFAULT_DB)
    if not os.path.exists(path):
        return []
    try:
        conn = store.connect(path, create=False)
        try:
            return store.scans(conn, 60)
        finally:
            conn.close()
    except Exception:  # a history that cannot be read must not cost the report
        return []


RISK_CLASS = {"HIGH": "high", "MEDIUM": "medium", "NONE": "low", "UNANSWERED": "unknown", "NOT_APPLICABLE": "unknown"}
MARK = {"met": "✔", "not met": "✘", "not applicable": "–", "unknown": "?"}


def _review(scan: Any) -> str:
    """The Security Pillar's questions with the evidence of this scan and the team's answers."""
    from wasec.config import find_config_dir
    from wasec.review.model import load_answers, review_of

    try:
        cfg = find_config_dir(scan.root)
        answers = load_answers(os.path.join(cfg, "review.yml")) if cfg else {}
    except Exception:  # a broken answers file is reported by `wasec review`, not here
        answers = {}
    review = review_of(scan.findings, answers)
    counts = review.counts()
    out = [f'<p>High risk questions: <b>{counts["HIGH"]}</b> · medium: <b>{counts["MEDIUM"]}</b> · none: {counts["NONE"]} · '
           f'unanswered: {counts["UNANSWERED"]}. Answer what no rule can see in <code>.wasec/review.yml</code> '
           f'(<code>wasec review --ask</code>).</p>']
    for q in review.questions:
        items = []
        for pr in q.practices:
            how = (f"{pr.failing} failing / {pr.passing} passing checks" if pr.source == "evidence"
                   else f"answered by {html.escape(pr.answer.owner or 'the team')}" if pr.source == "answer" and pr.answer
                   else "to answer")
            ex = f'<div class="muted">{html.escape(pr.examples[0])}</div>' if pr.examples else ""
            items.append(f'<li class="bp {pr.status.replace(" ", "-")}"><span class="mark">{MARK[pr.status]}</span> '
                         f'{html.escape(pr.id)} {html.escape(pr.title)} <span class="muted">({pr.risk}; {how})</span>{ex}</li>')
        out.append(f'<details class="question"><summary><span class="risk {RISK_CLASS[q.risk]}">{q.risk}</span> '
                   f'{html.escape(q.id)} {html.escape(q.title)}</summary><ul>{"".join(items)}</ul></details>')
    return "".join(out)


def data(scan: Any, findings: list[Any]) -> dict[str, Any]:
    """Columnar findings: strings that repeat (rules, files, resource types) are stored once."""
    rules = {r.id: r for r in scan.rules}
    rule_ids: dict[str, int] = {}
    files: dict[str, int] = {}
    rtypes: dict[str, int] = {}
    cols: dict[str, list[Any]] = {k: [] for k in ("r", "f", "l", "i", "k", "t", "id", "m", "s", "e")}

    def idx(table: dict[str, int], key: str) -> int:
        if key not in table:
            table[key] = len(table)
        return table[key]

    for f in findings:
        cols["r"].append(idx(rule_ids, f.rule_id))
        cols["f"].append(idx(files, f.file or ""))
        cols["l"].append(f.line or 0)
        cols["i"].append(f.impact)
        cols["k"].append(f.likelihood)
        cols["t"].append(idx(rtypes, f.resource_type))
        cols["id"].append(f.resource_id)
        cols["m"].append(f.message)
        cols["s"].append(1 if f.suppressed else 0)
        ev = f.evidence[0] if f.evidence else None
        cols["e"].append(f"{ev.path} = {ev.value!r}" if ev is not None and ev.value is not None else (ev.path if ev else ""))
    rule_rows = []
    for rid in rule_ids:
        r = rules.get(rid)
        rule_rows.append([rid, r.title if r else rid, r.area if r else "foundations",
                          (r.severity.value if r else "medium"), (r.fix if r else ""), list(r.wa) if r else []])
    return {"rules": rule_rows, "files": list(files), "types": list(rtypes), **cols}


def _drift(scan: Any) -> str:
    """Accounts × baseline controls, for a scan of several accounts (an organization)."""
    coverage = getattr(scan, "coverage", None)
    if coverage is None or len(coverage.accounts) < 2:
        return ""
    from wasec.outputs import drift, matrix

    g = drift.grid(scan.findings, sorted(coverage.accounts))
    legend = "".join(f"<li><b>{html.escape(cid)}</b>: {html.escape(title)}</li>" for cid, title in g.columns)
    return (f'<section id="drift"><h2>Baseline across accounts (hover a cell for the regions)</h2>'
            f'{matrix.html_table(g)}<ul class="muted">{legend}</ul></section>')


def render(scan: Any, **_: Any) -> str:
    model = RiskModel.from_config(((scan.config.raw if scan.config is not None else {}) or {}).get("risk"))
    failing = [f for f in scan.findings if f.status.value == "FAIL"]
    live = [f for f in failing if f.suppressed is None]
    failing.sort(key=lambda f: (f.suppressed is not None, -f.risk, -f.severity.rank, f.rule_id))
    by_sev = Counter(f.severity.value for f in live)
    rules = {r.id: r for r in scan.rules}
    by_area = Counter(rules[f.rule_id].area if f.rule_id in rules else "foundations" for f in live)
    high = sum(1 for f in live if f.risk >= model.high)
    counts = scan.counts()
    what = getattr(scan, "what", "") or f"{scan.files} files, {len(scan.inventory)} resources"
    tiles = [("failing", len(live)), ("high risk", high), ("critical", by_sev.get("critical", 0)),
             ("passed", counts["PASS"]), ("not assessed", counts["UNKNOWN"]),
             ("suppressed", len(failing) - len(live))]
    sev_chart = bars("Failing findings by severity", [(s.value, by_sev.get(s.value, 0), SEV_COLOR[s.value])
                                                        for s in Severity if s is not Severity.INFO], "by-severity")
    area_chart = bars("Failing findings by pillar area", [(name, by_area.get(a, 0), "#5f6368") for a, name in AREAS.items()],
                       "by-area")
    payload = orjson.dumps(data(scan, failing)).decode().replace("</", "<\\/")
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(scan.started))
    return TEMPLATE.format(
        version=__version__, when=when, what=html.escape(what), root=html.escape(scan.root),
        tiles="".join(f'<div class="tile"><b>{n}</b><span>{html.escape(k)}</span></div>' for k, n in tiles),
        sev_chart=sev_chart, area_chart=area_chart, matrix=_matrix(live, model), trend=trend(_history(scan)),
        high=model.high, medium=model.medium, review=_review(scan), areas=orjson.dumps(AREAS).decode(), payload=payload,
        drift=_drift(scan),
        problems=('<section id="problems"><h2>Input problems</h2><ul>'
                  + "".join(f"<li>{html.escape(str(p))}</li>" for p in scan.problems[:200]) + "</ul></section>"
                  if scan.problems else ""),
    )


TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>wasec report · {when}</title>
<style>
body{{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#202124;background:#f8f9fa}}
header{{background:#202124;color:#fff;padding:14px 24px}} header h1{{margin:0;font-size:20px}} header p{{margin:4px 0 0;color:#bdc1c6}}
main{{padding:16px 24px;max-width:1400px}} section{{background:#fff;border:1px solid #dadce0;border-radius:8px;padding:12px 16px;margin:0 0 16px}}
h2{{font-size:16px;margin:0 0 10px}} .tiles{{display:flex;gap:12px;flex-wrap:wrap}}
.tile{{border:1px solid #dadce0;border-radius:8px;padding:8px 14px;min-width:110px}} .tile b{{display:block;font-size:24px}} .tile span{{color:#5f6368}}
.charts{{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}} figure{{margin:0}} figcaption{{font-weight:600;margin-bottom:6px}}
svg .lbl{{font-size:12px;fill:#3c4043}} svg .num{{font-size:12px;fill:#202124}}
.matrix{{border-collapse:collapse}} .matrix th,.matrix td{{border:1px solid #fff;padding:6px 12px;text-align:center;min-width:44px}}
.matrix caption{{font-weight:600;text-align:left;margin-bottom:6px}} .cell.high{{background:#f28b82}} .cell.medium{{background:#fdd663}} .cell.low{{background:#a8dab5}}
.filters{{display:flex;gap:8px;margin-bottom:8px;flex-wrap:wrap}} .filters input{{flex:1;min-width:200px;padding:6px}} .filters select{{padding:6px}}
#viewport{{height:560px;overflow-y:auto;border:1px solid #dadce0;border-radius:6px;position:relative;background:#fff}}
#spacer{{position:relative}} .row{{position:absolute;left:0;right:0;height:32px;display:grid;grid-template-columns:70px 48px 250px 1fr 2fr;gap:8px;
align-items:center;padding:0 8px;border-bottom:1px solid #f1f3f4;cursor:pointer;white-space:nowrap;overflow:hidden}}
.row span{{overflow:hidden;text-overflow:ellipsis}} .row:hover{{background:#f1f3f4}} .row.sup{{opacity:.55}}
.sev{{font-weight:600;text-transform:uppercase;font-size:11px}} .sev.critical{{color:#b3261e}} .sev.high{{color:#e8710a}} .sev.medium{{color:#b06000}} .sev.low{{color:#1a73e8}}
.head{{font-weight:600;display:grid;grid-template-columns:70px 48px 250px 1fr 2fr;gap:8px;padding:6px 8px;color:#5f6368}}
#detail{{white-space:pre-wrap;background:#f1f3f4;border-radius:6px;padding:10px;margin-top:8px;min-height:20px}}
.muted{{color:#5f6368}} details.question{{margin:4px 0}} details.question ul{{margin:4px 0 8px;list-style:none;padding-left:16px}}
.risk{{display:inline-block;min-width:96px;text-align:center;border-radius:4px;font-size:11px;font-weight:600;padding:1px 6px}}
.risk.high{{background:#f28b82}} .risk.medium{{background:#fdd663}} .risk.low{{background:#a8dab5}} .risk.unknown{{background:#e8eaed}}
.grid{{border-collapse:collapse}} .grid th,.grid td{{border:1px solid #dadce0;padding:4px 10px}} .grid td{{text-align:center;font-weight:600}}
.grid caption{{font-weight:600;text-align:left;margin-bottom:6px}} .grid th[scope=row]{{text-align:left;font-weight:normal}}
.bp.not-met .mark{{color:#b3261e}} .bp.met .mark{{color:#188038}} code{{background:#f1f3f4;padding:1px 4px;border-radius:3px}}
</style></head><body>
<header><h1>wasec · Well-Architected security report</h1><p>{what} · {root} · {when} · wasec {version}</p></header>
<main>
<section id="summary"><h2>Summary</h2><div class="tiles">{tiles}</div></section>
<section id="charts"><h2>Where the findings are</h2><div class="charts">{sev_chart}{area_chart}</div></section>
<section id="risk"><h2>Risk (impact × likelihood; high ≥ {high}, medium ≥ {medium})</h2><div class="charts">{matrix}{trend}</div></section>
<section id="review"><h2>Well-Architected Security Pillar review</h2>{review}</section>
{drift}
<section id="findings"><h2>Findings <span class="muted" id="count"></span></h2>
<div class="filters"><input id="q" type="search" placeholder="filter: rule, file, resource, message">
<select id="sev"><option value="">every severity</option><option>critical</option><option>high</option><option>medium</option><option>low</option></select>
<select id="area"><option value="">every area</option></select>
<select id="sup"><option value="open">open</option><option value="all">open and suppressed</option></select></div>
<div class="head"><span>severity</span><span>risk</span><span>rule</span><span>where</span><span>finding</span></div>
<div id="viewport"><div id="spacer"></div></div>
<div id="detail" class="muted">Select a finding to see its evidence and how to fix it.</div></section>
{problems}
</main>
<script type="application/json" id="data">{payload}</script>
<script>
(function(){{
const D=JSON.parse(document.getElementById('data').textContent), AREAS={areas};
const N=D.r.length, ROW=32, vp=document.getElementById('viewport'), sp=document.getElementById('spacer');
const areaSel=document.getElementById('area');
for(const [k,v] of Object.entries(AREAS)){{const o=document.createElement('option');o.value=k;o.textContent=v;areaSel.appendChild(o);}}
let view=[];
function where(i){{const f=D.files[D.f[i]];return f?(D.l[i]?f+':'+D.l[i]:f):D.id[i];}}
function filter(){{
  const q=document.getElementById('q').value.toLowerCase(), sv=document.getElementById('sev').value,
        ar=areaSel.value, all=document.getElementById('sup').value==='all';
  view=[];
  for(let i=0;i<N;i++){{
    const r=D.rules[D.r[i]];
    if(!all&&D.s[i])continue; if(sv&&r[3]!==sv)continue; if(ar&&r[2]!==ar)continue;
    if(q&&!(r[0]+' '+where(i)+' '+D.id[i]+' '+D.m[i]).toLowerCase().includes(q))continue;
    view.push(i);
  }}
  sp.style.height=(view.length*ROW)+'px';
  document.getElementById('count').textContent='('+view.length.toLocaleString()+' of '+N.toLocaleString()+')';
  vp.scrollTop=0; draw();
}}
function esc(s){{return String(s).replace(/[&<>"]/g,c=>({{'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}})[c]);}}
function draw(){{
  const first=Math.max(0,Math.floor(vp.scrollTop/ROW)-10), last=Math.min(view.length,first+Math.ceil(vp.clientHeight/ROW)+20);
  let h='';
  for(let j=first;j<last;j++){{
    const i=view[j], r=D.rules[D.r[i]];
    h+='<div class="row'+(D.s[i]?' sup':'')+'" data-i="'+i+'" style="top:'+(j*ROW)+'px"><span class="sev '+r[3]+'">'+r[3]+
       '</span><span>'+(D.i[i]*D.k[i])+'</span><span>'+esc(r[0])+'</span><span>'+esc(where(i))+'</span><span>'+esc(D.m[i])+'</span></div>';
  }}
  sp.innerHTML=h;
}}
vp.addEventListener('scroll',()=>requestAnimationFrame(draw));
sp.addEventListener('click',e=>{{
  const row=e.target.closest('.row'); if(!row)return; const i=+row.dataset.i, r=D.rules[D.r[i]];
  const d=document.getElementById('detail'); d.classList.remove('muted');
  d.textContent=r[1]+'\\n'+D.types[D.t[i]]+' '+D.id[i]+' at '+where(i)+'\\n\\n'+D.m[i]+
    (D.e[i]?'\\nEvidence: '+D.e[i]:'')+'\\nRisk: impact '+D.i[i]+' × likelihood '+D.k[i]+' = '+(D.i[i]*D.k[i])+
    (r[5].length?'\\nWell-Architected: '+r[5].join(', '):'')+(r[4]?'\\n\\nFix: '+r[4]:'');
}});
for(const id of ['q','sev','area','sup'])document.getElementById(id).addEventListener('input',filter);
filter();
}})();
</script>
</body></html>
"""
