"""A matrix of rows (accounts, OUs) × columns (guardrails, baseline controls), as text or HTML.

Each cell has a status and a short detail. Statuses read the same everywhere: ``ok`` (holds, in place),
``bad`` (leaks, missing), ``na`` (does not apply) and ``unknown`` (could not be decided).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

SYMBOL = {"ok": "✓", "bad": "✗", "na": "–", "unknown": "?"}
_STYLE = {"ok": "green", "bad": "bold red", "na": "dim", "unknown": "yellow"}
_COLOR = {"ok": "#1e8e3e", "bad": "#b3261e", "na": "#80868b", "unknown": "#e8710a"}


@dataclass(frozen=True)
class Cell:
    status: str  # ok | bad | na | unknown
    detail: str = ""


@dataclass
class Grid:
    title: str
    columns: list[tuple[str, str]]  # (id, label)
    rows: list[tuple[str, dict[str, Cell]]] = field(default_factory=list)  # (label, column id → cell)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(SYMBOL, 0)
        for _, cells in self.rows:
            for c in cells.values():
                out[c.status] += 1
        return out


def details(grid: Grid) -> list[tuple[str, str, str, str]]:
    """(row, status, columns, detail) for every cell that is not ok, one line for the columns of a row that
    share a status and a detail (an unreadable policy makes every guardrail of a row undecided alike)."""
    out = []
    for label, cells in grid.rows:
        same: dict[tuple[str, str], list[str]] = {}
        for cid, _ in grid.columns:
            c = cells.get(cid)
            if c is not None and c.status in ("bad", "unknown") and c.detail:
                same.setdefault((c.status, c.detail), []).append(cid)
        for (status, detail), cids in same.items():
            named = f"all {len(cids)} columns" if len(cids) == len(grid.columns) > 2 else ", ".join(cids)
            out.append((label, status, named, detail))
    return out


def text(grid: Grid, console: Any) -> None:
    """The matrix as a terminal table, then the detail of every cell that is not ok."""
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=grid.title, title_justify="left")
    t.add_column("", no_wrap=True)
    for cid, _ in grid.columns:
        t.add_column(escape(cid), justify="center", no_wrap=True, min_width=len(cid))
    for label, cells in grid.rows:
        row = []
        for cid, _ in grid.columns:
            c = cells.get(cid, Cell("unknown", "not decided"))
            row.append(f"[{_STYLE[c.status]}]{SYMBOL[c.status]}[/]")
        t.add_row(escape(label if len(label) <= 44 else label[:43] + "…"), *row)
    console.print(t)
    for cid, title in grid.columns:
        console.print(f"  [bold]{escape(cid)}[/] {escape(title)}", highlight=False)
    for label, status, cids, detail in details(grid):
        console.print(f"[{_STYLE[status]}]{SYMBOL[status]}[/] {escape(label)} · {escape(cids)}: {escape(detail)}",
                      highlight=False)
    for n in grid.notes:
        console.print(f"[dim]note: {escape(n)}[/]", highlight=False)
    k = grid.counts()
    console.print(f"{k['ok']} ok, {k['bad']} not, {k['unknown']} undecided, {k['na']} not applicable", highlight=False)


def html_table(grid: Grid) -> str:
    """The matrix as an HTML fragment (a ``<table>`` with a cell's detail in its tooltip)."""
    e = html.escape
    head = "".join(f'<th title="{e(title)}">{e(cid)}</th>' for cid, title in grid.columns)
    body = []
    for label, cells in grid.rows:
        tds = []
        for cid, _ in grid.columns:
            c = cells.get(cid, Cell("unknown", "not decided"))
            tds.append(f'<td class="m-{c.status}" title="{e(c.detail)}" style="color:{_COLOR[c.status]}">'
                       f"{SYMBOL[c.status]}</td>")
        body.append(f"<tr><th scope=\"row\">{e(label)}</th>{''.join(tds)}</tr>")
    notes = "".join(f"<li>{e(n)}</li>" for n in grid.notes)
    return (f'<table class="grid"><caption>{e(grid.title)}</caption><thead><tr><th></th>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>" + (f"<ul class=\"notes\">{notes}</ul>" if notes else ""))


def html_page(grid: Grid) -> str:
    """A self-contained page: the matrix, its legend, and every cell that is not ok spelled out."""
    e = html.escape
    legend = "".join(f"<li><b>{e(cid)}</b>: {e(title)}</li>" for cid, title in grid.columns)
    spelled = "".join(f'<li class="m-{status}"><b>{e(label)}</b> · {e(cids)}: {e(detail)}</li>'
                      for label, status, cids, detail in details(grid))
    n = grid.counts()
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(grid.title)}</title><style>"
        "body{font:14px system-ui,sans-serif;margin:2em;color:#202124}"
        "table.grid{border-collapse:collapse}table.grid td,table.grid th{border:1px solid #dadce0;"
        "padding:4px 8px}table.grid td{text-align:center;font-weight:bold}caption{text-align:left;"
        "font-size:1.3em;margin-bottom:.5em}th[scope=row]{text-align:left;font-weight:normal}"
        "li.m-bad{color:#b3261e}li.m-unknown{color:#e8710a}</style></head><body>"
        f"{html_table(grid)}<p>{n['ok']} ok, {n['bad']} not, {n['unknown']} undecided, "
        f"{n['na']} not applicable</p><h2>Columns</h2><ul>{legend}</ul>"
        + (f"<h2>What does not hold</h2><ul>{spelled}</ul>" if spelled else "")
        + "</body></html>\n")
