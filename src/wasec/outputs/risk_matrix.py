"""The 5×5 risk matrix: failing findings counted by likelihood (rows, 5 at the top) and impact (columns)."""

from __future__ import annotations

from typing import Any

from wasec.findings.risk import RiskModel
from wasec.model.finding import Finding


def cells(findings: list[Finding]) -> list[list[int]]:
    """``m[likelihood - 1][impact - 1]``: how many counting findings sit in each cell."""
    m = [[0] * 5 for _ in range(5)]
    for f in findings:
        if f.counts and f.impact and f.likelihood:
            m[f.likelihood - 1][f.impact - 1] += 1
    return m


def top(findings: list[Finding], n: int = 10) -> list[Finding]:
    live = [f for f in findings if f.counts]
    return sorted(live, key=lambda f: (-f.risk, -f.severity.rank, f.rule_id, f.file or "", f.line or 0))[:n]


def to_dict(findings: list[Finding], model: RiskModel, n: int = 10) -> dict[str, Any]:
    m = cells(findings)
    bands = {"high": 0, "medium": 0, "low": 0}
    for li in range(5):
        for im in range(5):
            bands[model.band((li + 1) * (im + 1))] += m[li][im]
    return {"matrix": m, "thresholds": {"high": model.high, "medium": model.medium}, "bands": bands,
            "top": [{**f.to_dict(), "why": list(f.risk_factors)} for f in top(findings, n)]}


def render(findings: list[Finding], model: RiskModel, n: int = 10, color: bool = False) -> str:
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=140, highlight=False)
    m = cells(findings)
    style = {"high": "bold white on red", "medium": "black on yellow", "low": "black on green"}
    table = Table(title="Risk matrix (failing findings): likelihood × impact", title_justify="left", title_style="bold")
    table.add_column("likelihood \\ impact", justify="right")
    for im in range(1, 6):
        table.add_column(str(im), justify="center", min_width=6)
    for li in range(5, 0, -1):
        row = [Text(f"{m[li - 1][im - 1] or '·'}", style=style[model.band(li * im)]) for im in range(1, 6)]
        table.add_row(str(li), *row)
    console.print(table)
    d = to_dict(findings, model, n)
    console.print(Text(f"high (risk ≥ {model.high}): {d['bands']['high']} · medium (≥ {model.medium}): "
                       f"{d['bands']['medium']} · low: {d['bands']['low']}", style="bold"))
    items = top(findings, n)
    if items:
        t = Table(title=f"Top {len(items)} risks", title_justify="left", title_style="bold")
        for col in ("risk", "I×L", "rule", "where", "why"):
            t.add_column(col, overflow="fold")
        for f in items:
            where = f"{f.file}:{f.line}" if f.file else f.resource_id
            t.add_row(Text(str(f.risk), style=style[model.band(f.risk)]), f"{f.impact}×{f.likelihood}", f.rule_id, where,
                      "; ".join(f.risk_factors))
        console.print()
        console.print(t)
    return buf.getvalue()
