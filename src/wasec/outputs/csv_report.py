"""CSV: one row per finding, for the people who work in spreadsheets.

Written for Excel as much as for scripts: a UTF-8 byte-order mark so accented resource names survive,
CRLF line ends and RFC 4180 quoting (commas, quotes and newlines inside a cell stay inside it), and
cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR at the start)
prefixed with ``'``: a resource name or tag taken from someone else's template must never execute.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from wasec.findings.risk import RiskModel

COLUMNS = ("rule_id", "title", "severity", "status", "risk", "risk_band", "impact", "likelihood",
           "resource_type", "resource", "file", "line", "arn", "account", "region", "source",
           "well_architected", "cis", "fsbp", "message", "exception", "exception_reason", "exception_owner",
           "exception_expires", "fingerprint")

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    s = str(v)
    return "'" + s if s.startswith(_FORMULA) else s


def rows(result: Any, show_passed: bool = False) -> list[list[str]]:
    """The table, header first: every failing and not-assessed finding (and passed ones on request)."""
    rules = {r.id: r for r in getattr(result, "rules", None) or []}
    config = getattr(result, "config", None)
    model = RiskModel.from_config(((config.raw if config is not None else {}) or {}).get("risk"))
    out = [list(COLUMNS)]
    for f in result.findings:
        if f.status.value == "PASS" and not show_passed:
            continue
        r = rules.get(f.rule_id)
        s = f.suppressed
        values = (f.rule_id, f.title, f.severity.value, f.status.value, f.risk, model.band(f.risk), f.impact,
                  f.likelihood, f.resource_type, f.resource_id, f.file, f.line, f.arn, f.account, f.region, f.source,
                  " ".join(r.wa) if r else "", " ".join(r.cis) if r else "", " ".join(r.fsbp) if r else "",
                  f.message, s.kind if s else "", s.reason if s else "", s.owner if s else "",
                  s.expires if s else "", f.fingerprint)
        out.append([_cell(v) for v in values])
    return out


def render(result: Any, show_passed: bool = False, **_: Any) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows(result, show_passed))
    return "\ufeff" + buf.getvalue()
