"""A pull-request comment: counts first, then the top findings grouped by pillar area, short enough to read.

GitHub renders it as is (``gh pr comment --body-file wasec.md``); values of secrets are already
redacted in the findings. At most ``limit`` findings are listed; the rest are counted.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from wasec.model.finding import Finding, Severity
from wasec.rules.registry import AREAS

ICON = {Severity.CRITICAL: "🟥", Severity.HIGH: "🟧", Severity.MEDIUM: "🟨", Severity.LOW: "🟦", Severity.INFO: "⬜"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(scan: Any, limit: int = 15, **_: Any) -> str:
    live = [f for f in scan.findings if f.counts]
    suppressed = sum(1 for f in scan.findings if f.status.value == "FAIL" and f.suppressed is not None)
    by_sev = {s: sum(1 for f in live if f.severity is s) for s in Severity}
    high_risk = sum(1 for f in live if f.risk >= 15)
    head = "### wasec: " + (f"{len(live)} finding{'s' if len(live) != 1 else ''} to fix" if live else "no findings ✅")
    out = [head, ""]
    if live:
        out.append(" · ".join(f"{ICON[s]} {n} {s.value}" for s, n in by_sev.items() if n)
                   + f" · **{high_risk} high risk** (≥ 15 of 25)")
        out.append("")
    area_of = {r.id: r.area for r in scan.rules}
    top = sorted(live, key=lambda f: (-f.risk, -f.severity.rank, f.rule_id, f.file or "", f.line or 0))[:limit]
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in top:
        groups[area_of.get(f.rule_id, "foundations")].append(f)
    for area, name in AREAS.items():
        items = groups.get(area)
        if not items:
            continue
        out += [f"**{name}**", "", "| | risk | rule | where | finding |", "|---|---|---|---|---|"]
        for f in items:
            where = f"`{f.file}:{f.line}`" if f.file and f.line else f"`{f.file or f.resource_id}`"
            out.append(f"| {ICON[f.severity]} | {f.risk} | `{f.rule_id}` | {where} | {_cell(f.message)[:160]} |")
        out.append("")
    if len(live) > len(top):
        out.append(f"…and {len(live) - len(top)} more (lower risk): see the full report.")
        out.append("")
    notes = []
    if suppressed:
        notes.append(f"{suppressed} suppressed by exceptions or baseline")
    errors = [p for p in scan.problems if p.kind == "error"]
    if errors:
        notes.append(f"{len(errors)} input error{'s' if len(errors) != 1 else ''}: " + "; ".join(str(p) for p in errors[:3]))
    if notes:
        out += ["<sub>" + " · ".join(notes) + "</sub>", ""]
    return "\n".join(out)
