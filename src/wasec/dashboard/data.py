"""What the dashboard shows, read from the scan history without writing to it.

SQLite is opened read-only (``mode=ro``); PostgreSQL sessions are read-only transactions. A history whose
schema is older than this wasec is not migrated here (that writes): the error says which command does it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from wasec.errors import UsageError
from wasec.history import store
from wasec.history.db import POSTGRES, Db, open_postgres, open_sqlite
from wasec.model.finding import Status

# the findings table's columns a page shows or filters on; "risk" is computed
COLUMNS = ("fingerprint", "rule_id", "status", "severity", "impact", "likelihood", "title", "resource_type",
           "resource_id", "message", "source", "file", "line", "suppressed", "account", "region")
SORTS = {"risk": "impact * likelihood", "severity": "CASE severity WHEN 'critical' THEN 5 WHEN 'high' THEN 4 "
         "WHEN 'medium' THEN 3 WHEN 'low' THEN 2 ELSE 1 END", "rule": "rule_id", "resource": "resource_id",
         "file": "file", "source": "source", "account": "account"}
SEVERITIES = ("critical", "high", "medium", "low", "info")
STATUSES = tuple(s.value for s in Status)
PER_PAGE = 50
POSTURE = "source NOT IN ('events', 'images')"  # scans of code, accounts, secrets: not detection runs or image gates


def open_readonly(url: str | None) -> Db:
    """The history at ``url`` for reading only; its schema must be this wasec's."""
    url = url or store.DEFAULT_DB
    db = open_postgres(url, read_only=True) if url.startswith(POSTGRES) else \
        open_sqlite(store.db_path(url), create=False, read_only=True)
    try:
        version = db.version()
    except Exception as e:
        db.close()
        raise UsageError(f"scan history {db.label}: not a wasec history ({e})") from None
    if version != store.VERSION:
        db.close()
        raise UsageError(f"scan history {db.label} has schema version {version}, this wasec reads {store.VERSION}: "
                         "run `wasec history --db …` once to migrate it (the dashboard never writes)")
    return db


@dataclass
class Filters:
    """A findings view, as its URL's query says: every field optional."""

    scan: int | None = None  # default: the latest scan
    status: str = Status.FAIL.value
    severity: str = ""
    rule: str = ""
    source: str = ""
    account: str = ""
    region: str = ""
    area: str = ""  # a Security Pillar area: the rules of that area
    control: str = ""  # a Well-Architected best practice, CIS or FSBP control id: the rules mapped to it
    min_risk: int | None = None
    since: int | None = None  # first seen in this scan or later: new since then
    q: str = ""
    impact: int | None = None
    likelihood: int | None = None
    suppressed: str = "no"  # no | yes | any
    sort: str = "risk"
    desc: bool = True
    page: int = 1
    problems: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, query: Mapping[str, list[str]]) -> Filters:
        """Values from a query string; a value that is not valid is dropped and said, never an error page."""
        f = cls()

        def one(name: str) -> str:
            return (query.get(name) or [""])[-1].strip()

        def number(name: str, low: int, high: int) -> int | None:
            v = one(name)
            if not v:
                return None
            if v.isdigit() and low <= int(v) <= high:
                return int(v)
            f.problems.append(f"{name}={v!r} ignored: a number from {low} to {high}")
            return None

        f.scan = number("scan", 1, 2**62)
        f.min_risk = number("min_risk", 1, 25)
        f.since = number("since", 1, 2**62)
        f.impact, f.likelihood = number("impact", 1, 5), number("likelihood", 1, 5)
        f.page = number("page", 1, 10**6) or 1
        from wasec.rules.registry import AREAS

        for name, allowed in (("status", (*STATUSES, "any")), ("severity", SEVERITIES), ("suppressed", ("no", "yes", "any")),
                              ("sort", tuple(SORTS)), ("area", tuple(AREAS))):
            v = one(name)
            if v and v not in allowed:
                f.problems.append(f"{name}={v!r} ignored: one of {', '.join(allowed)}")
            elif v:
                setattr(f, name, v)
        f.rule, f.source, f.q = one("rule"), one("source"), one("q")[:200]
        f.account, f.region = one("account"), one("region")
        f.control = one("control")[:40]
        f.desc = one("order") != "asc"
        return f

    def query(self, **changes: Any) -> str:
        """This view's query string, with ``changes`` (for links: another page, another sort)."""
        from urllib.parse import urlencode

        d = {"scan": self.scan, "status": self.status, "severity": self.severity, "rule": self.rule,
             "source": self.source, "account": self.account, "region": self.region, "area": self.area, "control": self.control, "min_risk": self.min_risk,
             "since": self.since,
             "q": self.q, "impact": self.impact, "likelihood": self.likelihood,
             "suppressed": self.suppressed, "sort": self.sort, "order": "desc" if self.desc else "asc",
             "page": self.page, **changes}
        defaults = {"status": Status.FAIL.value, "suppressed": "no", "sort": "risk", "order": "desc", "page": 1}
        return urlencode({k: v for k, v in d.items() if v not in (None, "") and defaults.get(k) != v})


def posture_scans(db: Db, limit: int = 60) -> list[store.ScanRow]:
    """Saved scans of code, accounts and secrets, oldest first: the posture (detection runs and image gates have
    pages of their own)."""
    return store.scans(db, limit, POSTURE)


def rules_where(keep: Any) -> list[str]:
    """The built-in rules ``keep(rule)`` holds for: a pillar area's, a framework control's."""
    from wasec.rules.registry import load_builtin

    return sorted(r.id for r in load_builtin() if keep(r))


def latest_scan(db: Db) -> store.ScanRow | None:
    """The latest posture scan (or the latest run of any kind when there is none)."""
    rows = posture_scans(db, 1) or store.scans(db, 1)
    return rows[0] if rows else None


def _where(f: Filters, scan_id: int) -> tuple[str, list[Any]]:
    sql: list[str] = ["scan_id = ?"]
    args: list[Any] = [scan_id]
    if f.status != "any":
        sql.append("status = ?")
        args.append(f.status)
    if f.suppressed == "no":
        sql.append("suppressed IS NULL")
    elif f.suppressed == "yes":
        sql.append("suppressed IS NOT NULL")
    for col, v in (("severity", f.severity), ("rule_id", f.rule), ("source", f.source), ("impact", f.impact),
                   ("likelihood", f.likelihood), ("account", f.account), ("region", f.region)):
        if v not in ("", None):
            sql.append(f"{col} = ?")
            args.append(v)
    if f.since:
        sql.append("NOT EXISTS (SELECT 1 FROM findings older WHERE older.fingerprint = findings.fingerprint "
                   "AND older.scan_id < ?)")
        args.append(f.since)
    if f.min_risk:
        sql.append("impact * likelihood >= ?")
        args.append(f.min_risk)
    if f.control:
        control = f.control.strip()
        _rule_in(sql, args, rules_where(lambda r: control in (*r.wa, *r.cis, *r.fsbp, *r.cis_eks)))
    if f.area:
        _rule_in(sql, args, rules_where(lambda r: r.area == f.area))
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql.append("(rule_id LIKE ? ESCAPE '\\' OR resource_id LIKE ? ESCAPE '\\' OR message LIKE ? ESCAPE '\\' "
                   "OR file LIKE ? ESCAPE '\\')")
        args += [like] * 4
    return " AND ".join(sql), args


def _rule_in(sql: list[str], args: list[Any], rules: list[str]) -> None:
    sql.append(f"rule_id IN ({', '.join('?' * len(rules))})" if rules else "1 = 0")
    args += rules


def search(db: Db, f: Filters, scan_id: int, limit: int | None = PER_PAGE) -> tuple[list[dict[str, Any]], int]:
    """The findings of a view, one page of them (all with ``limit=None``), and how many match in all."""
    where, args = _where(f, scan_id)
    total = int(db.execute(f"SELECT COUNT(*) FROM findings WHERE {where}", args).fetchone()[0])
    order = f"{SORTS[f.sort]} {'DESC' if f.desc else 'ASC'}, rule_id, resource_id, file, line"
    page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int((f.page - 1) * limit)}"
    rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM findings WHERE {where} ORDER BY {order}{page}", args)
    out = []
    for r in rows:
        d = dict(zip(COLUMNS, r, strict=True))
        d["risk"] = int(d["impact"]) * int(d["likelihood"])
        out.append(d)
    first = first_seen(db, [d["fingerprint"] for d in out]) if limit is not None else {}
    for d in out:
        d["first_seen"] = first.get(d["fingerprint"])
    return out, total


def first_seen(db: Db, fingerprints: list[str]) -> dict[str, int]:
    """The first saved scan each finding appeared in (by its fingerprint)."""
    if not fingerprints:
        return {}
    marks = ", ".join("?" * len(fingerprints))
    return {str(fp): int(n) for fp, n in db.execute(
        f"SELECT fingerprint, MIN(scan_id) FROM findings WHERE fingerprint IN ({marks}) GROUP BY fingerprint",
        fingerprints)}


def matrix(db: Db, scan_id: int) -> dict[tuple[int, int], int]:
    """(likelihood, impact) → failing, unsuppressed findings of a scan."""
    rows = db.execute("SELECT likelihood, impact, COUNT(*) FROM findings WHERE scan_id = ? AND status = ? "
                      "AND suppressed IS NULL GROUP BY likelihood, impact", (scan_id, Status.FAIL.value))
    return {(int(li), int(im)): int(n) for li, im, n in rows}


def by_rule(db: Db, scan_id: int) -> dict[str, int]:
    rows = db.execute("SELECT rule_id, COUNT(*) FROM findings WHERE scan_id = ? AND status = ? AND suppressed IS NULL "
                      "GROUP BY rule_id", (scan_id, Status.FAIL.value))
    return {str(r): int(n) for r, n in rows}


def finding(db: Db, fingerprint: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """A finding as the latest scan that has it saw it (with its evidence), and its status in every saved scan."""
    rows = db.execute(
        f"SELECT s.id, s.started, {', '.join('f.' + c for c in COLUMNS)}, f.extra FROM findings f JOIN scans s "
        "ON s.id = f.scan_id WHERE f.fingerprint = ? ORDER BY s.id", (fingerprint,)).fetchall()
    if not rows:
        return None
    history = [{"scan": int(r[0]), "started": float(r[1]), "status": r[4], "suppressed": r[2 + COLUMNS.index("suppressed")]}
               for r in rows]
    last = rows[-1]
    d = dict(zip(COLUMNS, last[2:2 + len(COLUMNS)], strict=True))
    d["risk"] = int(d["impact"]) * int(d["likelihood"])
    extra = last[-1]
    d["extra"] = orjson.loads(extra) if extra else {}
    return d, history


def exceptions(db: Db, scan_id: int) -> list[dict[str, Any]]:
    """The findings a scan suppressed, with why: kind, reason, owner, expiry (soonest expiry first, then the
    ones that never expire; the exceptions file's and inline ignores alike)."""
    rows = db.execute("SELECT fingerprint, rule_id, resource_id, file, line, severity, impact, likelihood, extra "
                      "FROM findings WHERE scan_id = ? AND suppressed IS NOT NULL", (scan_id,))
    out = []
    for fp, rule, resource, file, line, severity, impact, likelihood, extra in rows:
        sup = (orjson.loads(extra) if extra else {}).get("suppression") or [None] * 5
        kind, reason, owner, expires, source = (list(sup) + [None] * 5)[:5]
        out.append({"fingerprint": fp, "rule_id": rule, "resource_id": resource, "file": file, "line": line,
                    "severity": severity, "risk": int(impact) * int(likelihood), "kind": kind, "reason": reason,
                    "owner": owner, "expires": str(expires) if expires else None, "source": source})
    return sorted(out, key=lambda e: (e["expires"] is None, e["expires"] or "", -e["risk"], e["rule_id"]))


def detection_runs(db: Db, limit: int = 12) -> tuple[list[store.ScanRow], dict[int, dict[str, int]]]:
    """The latest saved `wasec events --save` runs, and per run the detections that fired, by rule."""
    runs = store.scans(db, limit, "source = 'events'")
    fired: dict[int, dict[str, int]] = {r.id: {} for r in runs}
    if runs:
        marks = ", ".join("?" * len(runs))
        for scan_id, rule_id, n in db.execute(
                f"SELECT scan_id, rule_id, COUNT(*) FROM findings WHERE scan_id IN ({marks}) AND status = ? "
                "GROUP BY scan_id, rule_id", (*(r.id for r in runs), Status.FAIL.value)):
            fired[int(scan_id)][str(rule_id)] = int(n)
    return runs, fired


def accounts(db: Db, scan_id: int) -> dict[str, dict[str, int]]:
    """account → rule → failing, unsuppressed findings of a scan (findings without an account left out)."""
    out: dict[str, dict[str, int]] = {}
    for account, rule_id, n in db.execute(
            "SELECT account, rule_id, COUNT(*) FROM findings WHERE scan_id = ? AND status = ? AND suppressed IS NULL "
            "AND account IS NOT NULL GROUP BY account, rule_id", (scan_id, Status.FAIL.value)):
        out.setdefault(str(account), {})[str(rule_id)] = int(n)
    return out


def latest_with_accounts(db: Db) -> store.ScanRow | None:
    """The latest posture scan whose findings name accounts (a live scan of an account or organisation)."""
    rows = store.scans(db, 1, f"{POSTURE} AND EXISTS (SELECT 1 FROM findings f WHERE f.scan_id = s.id "
                              "AND f.account IS NOT NULL)")
    return rows[0] if rows else None


def latest_of(db: Db, source: str) -> store.ScanRow | None:
    rows = store.scans(db, 1, "source = ?", (source,))
    return rows[0] if rows else None


def images(db: Db, scan_id: int) -> list[dict[str, Any]]:
    """Per image of an image-gate run: failing vulnerabilities by severity, those VEX excused, those below the
    threshold (the resource id of a vulnerability is CVE/package@version/image)."""
    out: dict[str, dict[str, Any]] = {}
    for resource_id, severity, suppressed, n in db.execute(
            "SELECT resource_id, severity, suppressed, COUNT(*) FROM findings WHERE scan_id = ? AND status = ? "
            "GROUP BY resource_id, severity, suppressed", (scan_id, Status.FAIL.value)):
        image = str(resource_id).split("/", 2)[2] if str(resource_id).count("/") >= 2 else str(resource_id)
        row = out.setdefault(image, {"image": image, "failing": 0, "vex": 0, "below": 0, "excepted": 0,
                                     **{s: 0 for s in SEVERITIES}})
        if suppressed is None:
            row["failing"] += int(n)
            row[str(severity)] = row.get(str(severity), 0) + int(n)
        elif suppressed == "vex":
            row["vex"] += int(n)
        elif suppressed == "threshold":
            row["below"] += int(n)
        else:
            row["excepted"] += int(n)
    return sorted(out.values(), key=lambda r: (-r["critical"], -r["high"], -r["failing"], r["image"]))


def baseline_findings(db: Db, scan_id: int) -> list[Any]:
    """The findings of a scan that evidence the account baseline (wasec.outputs.drift), in the shape its grid reads."""
    from types import SimpleNamespace

    from wasec.outputs.drift import BASELINE

    exact = sorted({r for _, _, rules in BASELINE for r in rules if not r.endswith("*")})
    prefixes = sorted({r[:-1] for _, _, rules in BASELINE for r in rules if r.endswith("*")})
    where = " OR ".join([f"rule_id IN ({', '.join('?' * len(exact))})"] + ["rule_id LIKE ?"] * len(prefixes))
    rows = db.execute(f"SELECT rule_id, account, region, status, suppressed FROM findings WHERE scan_id = ? AND "
                      f"account IS NOT NULL AND ({where})", (scan_id, *exact, *(p + "%" for p in prefixes)))
    return [SimpleNamespace(rule_id=r, account=a, region=g, status=Status(st), suppressed=sup)
            for r, a, g, st, sup in rows]
