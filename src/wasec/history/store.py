"""Scan history in SQLite: every saved scan with its findings, so progress (and regressions) are visible.

One file (default ``.wasec/history.db``), WAL mode so readers never block the writer, each scan
saved in one ``BEGIN IMMEDIATE`` transaction: a crash mid-write leaves the scans saved before it
intact and no half scan. The schema carries its version; opening an older file migrates it in a
transaction, step by step.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from wasec.errors import UsageError
from wasec.history.db import POSTGRES, Db, open_postgres, open_sqlite, redact
from wasec.model.finding import Finding, Status

DEFAULT_DB = os.path.join(".wasec", "history.db")

# Each step moves the schema one version up. Never edit a step that has shipped: add one.
MIGRATIONS: tuple[str, ...] = (
    # 1: scans and their findings
    """
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        started REAL NOT NULL,
        duration REAL NOT NULL,
        source TEXT NOT NULL,        -- code | aws | secrets | git-history
        target TEXT NOT NULL,        -- paths, or accounts
        tool_version TEXT NOT NULL,
        rules INTEGER NOT NULL,
        counts TEXT NOT NULL         -- JSON: by status, severity, risk band
    );
    CREATE TABLE findings (
        scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        fingerprint TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        status TEXT NOT NULL,
        severity TEXT NOT NULL,
        impact INTEGER NOT NULL,
        likelihood INTEGER NOT NULL,
        title TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        message TEXT NOT NULL,
        source TEXT NOT NULL,
        file TEXT,
        line INTEGER,
        suppressed TEXT,             -- kind of suppression, or NULL
        extra BLOB                   -- the rest of the finding (evidence, account, notes…), JSON, or NULL
    );
    CREATE INDEX findings_scan ON findings(scan_id);
    """,
    # 2: diffs look findings up by fingerprint (the index also serves scan_id alone); secrets history keeps the commit
    """
    CREATE INDEX findings_scan_fingerprint ON findings(scan_id, fingerprint);
    DROP INDEX findings_scan;
    ALTER TABLE findings ADD COLUMN commit_sha TEXT
    """,
    # 3: review milestones (wasec review --milestone NAME)
    """
    CREATE TABLE milestones (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created REAL NOT NULL,
        state TEXT NOT NULL          -- JSON: each question's risk, each best practice's status
    )
    """,
    # 4: remediations planned and applied by `wasec fix`, with who, when and the finding each closes
    """
    CREATE TABLE remediations (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        who TEXT NOT NULL,
        action TEXT NOT NULL,        -- planned | applied
        fingerprint TEXT NOT NULL,   -- the finding it closes
        rule_id TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        file TEXT NOT NULL,
        diff TEXT NOT NULL           -- the change of that file, unified diff
    );
    CREATE INDEX remediations_fingerprint ON remediations(fingerprint)
    """,
    # 5: a finding's history across scans (the dashboard's finding page) looks it up by fingerprint alone
    """
    CREATE INDEX findings_fingerprint ON findings(fingerprint)
    """,
    # 6: live findings name their account and region in columns, so an organisation's views filter and group by them
    """
    ALTER TABLE findings ADD COLUMN account TEXT;
    ALTER TABLE findings ADD COLUMN region TEXT;
    CREATE INDEX findings_scan_account ON findings(scan_id, account)
    """,
    # 7: reports that are not findings of a scan, kept whole (the guardrail matrix of `wasec org guardrails --save`)
    """
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        created REAL NOT NULL,
        body TEXT NOT NULL           -- the report as its JSON output
    );
    CREATE INDEX reports_kind ON reports(kind, id)
    """,
)
VERSION = len(MIGRATIONS)


def db_path(url: str | None) -> str:
    """``sqlite:///abs/path``, ``sqlite:rel/path`` or a plain path (a ``postgresql://`` URL, without its password)."""
    url = url or DEFAULT_DB
    if url.startswith(POSTGRES):
        return redact(url)
    if url.startswith("sqlite:///"):
        return "/" + url[len("sqlite:///"):]
    if url.startswith("sqlite:"):
        return url[len("sqlite:"):]
    if "://" in url:
        raise UsageError(f"--db {redact(url)}: use a SQLite file (a path or sqlite:///path) or a postgresql:// URL")
    return url


def connect(url: str | None = None, create: bool = True) -> Db:
    """The history database at ``url`` (default .wasec/history.db), migrated to this wasec's schema."""
    url = url or DEFAULT_DB
    conn = open_postgres(url) if url.startswith(POSTGRES) else open_sqlite(db_path(url), create)
    try:
        migrate(conn)
    except sqlite3.DatabaseError as e:
        conn.close()
        raise UsageError(f"scan history {conn.label}: {e}") from None
    except BaseException:
        conn.close()
        raise
    return conn


def schema_version(conn: Db) -> int:
    return conn.version()


def migrate(conn: Db, target: int = VERSION) -> int:
    """Bring the schema to ``target``, one transaction per step; returns the version reached."""
    version = schema_version(conn)
    if version > VERSION:
        raise UsageError(f"the scan history {conn.label} was written by a newer wasec (schema {version}, this one knows {VERSION})")
    while version < target:
        conn.begin()
        try:
            conn.lock_migrations()
            if schema_version(conn) == version:  # another process may have migrated meanwhile
                conn.script(MIGRATIONS[version])
                conn.set_version(version + 1)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        version = schema_version(conn)
    return version


HIGH_RISK = 15  # the common 5×5 matrix: 15 and above is high


def counts(findings: Iterable[Finding], high_risk: int = HIGH_RISK) -> dict[str, Any]:
    from wasec.rules.registry import load_builtin

    area_of = {r.id: r.area for r in load_builtin()}
    by_status: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    by_area: dict[str, int] = {}
    by_account: dict[str, int] = {}
    risk = {"high": 0, "medium": 0, "low": 0}
    for f in findings:  # statuses and severities are str enums: their members are their values
        by_status[f.status] = by_status.get(f.status, 0) + 1
        if f.counts:
            by_severity[f.severity] = by_severity.get(f.severity, 0) + 1
            band = "high" if f.risk >= high_risk else "medium" if f.risk >= 8 else "low"
            risk[band] += 1
            area = area_of.get(f.rule_id, "appsec" if f.source in ("secrets", "git-history") else "other")
            by_area[area] = by_area.get(area, 0) + 1
            if f.account:
                by_account[f.account] = by_account.get(f.account, 0) + 1
    return {"status": {str(k): v for k, v in by_status.items()}, "severity": {str(k): v for k, v in by_severity.items()},
            "risk": risk, "area": by_area, **({"account": by_account} if by_account else {})}


COLUMNS = ("fingerprint", "rule_id", "status", "severity", "impact", "likelihood", "title", "resource_type",
           "resource_id", "message", "source", "file", "line", "suppressed", "commit_sha", "account", "region")


def _extra(f: Finding) -> bytes | None:
    """What the columns do not hold, only when there is some."""
    d: dict[str, Any] = {}
    if f.evidence:
        d["evidence"] = [[e.path, e.value if isinstance(e.value, (str, int, float, bool)) or e.value is None else str(e.value),
                          e.message, e.file, e.line] for e in f.evidence]
    for k in ("resource_line", "arn", "account", "region", "confidence", "commit_date"):
        v = getattr(f, k)
        if v is not None:
            d[k] = v
    if f.notes:
        d["notes"] = list(f.notes)
    if f.suppressed is not None:
        s = f.suppressed
        d["suppression"] = [s.kind, s.reason, s.owner, s.expires, s.source]
    return orjson.dumps(d) if d else None


def save(conn: Db, result: Any, source: str, target: str) -> int:
    """Store a scan and its findings in one transaction; returns the scan id."""
    from wasec import __version__

    findings: list[Finding] = result.findings
    rows = [(f.fingerprint, f.rule_id, str(f.status), str(f.severity), f.impact, f.likelihood, f.title, f.resource_type,
             f.resource_id, f.message, f.source, f.file, f.line, f.suppressed.kind if f.suppressed else None, f.commit,
             f.account, f.region, _extra(f)) for f in findings]
    conn.begin()
    try:
        cur = conn.execute(
            "INSERT INTO scans (started, duration, source, target, tool_version, rules, counts) VALUES (?,?,?,?,?,?,?) "
            "RETURNING id",
            (result.started, result.duration, source, target, __version__, len(result.rules),
             orjson.dumps(counts(findings)).decode()))
        scan_id = int(cur.fetchone()[0])
        conn.executemany(f"INSERT INTO findings (scan_id, {', '.join(COLUMNS)}, extra) "
                         f"VALUES ({scan_id}, {', '.join('?' * (len(COLUMNS) + 1))})", rows)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return scan_id


@dataclass
class ScanRow:
    id: int
    started: float
    duration: float
    source: str
    target: str
    tool_version: str
    rules: int
    counts: dict[str, Any]

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.started))


def scans(conn: Db, limit: int | None = None, where: str = "", args: tuple[Any, ...] = ()) -> list[ScanRow]:
    """Saved scans, oldest first (the ``limit`` newest when given); ``where`` (SQL, with ``args``) picks some."""
    sql = ("SELECT id, started, duration, source, target, tool_version, rules, counts FROM scans s"
           + (f" WHERE {where}" if where else "") + " ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else ""))
    return [_row(r) for r in reversed(conn.execute(sql, args).fetchall())]


def _row(r: Any) -> ScanRow:
    return ScanRow(int(r[0]), float(r[1]), float(r[2]), str(r[3]), str(r[4]), str(r[5]), int(r[6]), orjson.loads(r[7]))


def scan(conn: Db, ref: str | int) -> ScanRow:
    """A scan by id, or by position from the end (``-1`` the latest, ``-2`` the one before)."""
    try:
        n = int(ref)
    except ValueError:
        raise UsageError(f"{ref!r} is not a scan id (see `wasec history`)") from None
    rows = scans(conn, -n) if n < 0 else scans(conn, where="id = ?", args=(n,))
    if n < 0 and len(rows) < -n:
        raise UsageError(f"the history has {len(rows)} scan(s); {ref} goes back further")
    if not rows:
        raise UsageError(f"no scan {n} in the history (see `wasec history`)")
    return rows[0]


SHOWN = ("fingerprint", "rule_id", "severity", "impact", "likelihood", "title", "resource_type", "resource_id",
         "message", "file", "line")


def open_findings(conn: Db, scan_id: int) -> dict[str, dict[str, Any]]:
    """The failing, unsuppressed findings of a scan by fingerprint (the ones a team has to act on)."""
    rows = conn.execute(f"SELECT {', '.join(SHOWN)} FROM findings WHERE scan_id = ? AND status = ? AND suppressed IS NULL",
                        (scan_id, Status.FAIL.value))
    out = {}
    for r in rows:
        d = dict(zip(SHOWN, r, strict=True))
        d["risk"] = d["impact"] * d["likelihood"]
        out[r[0]] = d
    return out


@dataclass
class Diff:
    old: ScanRow
    new: ScanRow
    new_findings: list[dict[str, Any]]
    fixed: list[dict[str, Any]]  # fixed some other way (by hand, by a change upstream…)
    unchanged: list[dict[str, Any]]
    fixed_by_remediation: list[dict[str, Any]] = field(default_factory=list)  # closed by a `wasec fix --apply`


def diff(conn: Db, old: ScanRow, new: ScanRow) -> Diff:
    """New (open in ``new``, not in ``old``), fixed (open in ``old``, gone or passing or suppressed in ``new``)
    and unchanged findings, matched by fingerprint, so moved lines are not new findings. Fixed findings
    that a recorded remediation closed between the two scans are listed apart, with who applied it."""
    a, b = open_findings(conn, old.id), open_findings(conn, new.id)

    def order(xs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(xs, key=lambda f: (-f["risk"], f["rule_id"], f["resource_id"], f["file"] or "", f["line"] or 0))

    fixed = [f for fp, f in a.items() if fp not in b]
    applied = {fp: (who, at) for fp, who, at in conn.execute(  # the latest application of each wins
        "SELECT fingerprint, who, at FROM remediations WHERE action = 'applied' AND at >= ? AND at <= ? ORDER BY at, id",
        (old.started, new.started + new.duration))}
    by_fix = [{**f, "remediated_by": applied[f["fingerprint"]][0], "remediated_at": applied[f["fingerprint"]][1]}
              for f in fixed if f["fingerprint"] in applied]
    return Diff(old, new, order([f for fp, f in b.items() if fp not in a]),
                order([f for f in fixed if f["fingerprint"] not in applied]), order([f for fp, f in b.items() if fp in a]),
                order(by_fix))


@dataclass
class Remediation:
    at: float
    who: str
    action: str  # planned | applied
    fingerprint: str
    rule_id: str
    resource_id: str
    file: str
    diff: str


def record_remediations(conn: Db, rows: Iterable[Remediation]) -> int:
    """Store what `wasec fix` planned or applied, in one transaction; returns how many."""
    values = [(r.at, r.who, r.action, r.fingerprint, r.rule_id, r.resource_id, r.file, r.diff) for r in rows]
    conn.begin()
    try:
        conn.executemany("INSERT INTO remediations (at, who, action, fingerprint, rule_id, resource_id, file, diff) "
                         "VALUES (?,?,?,?,?,?,?,?)", values)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return len(values)


def remediations(conn: Db) -> list[Remediation]:
    """Every recorded remediation, oldest first."""
    return [Remediation(*r) for r in conn.execute(
        "SELECT at, who, action, fingerprint, rule_id, resource_id, file, diff FROM remediations ORDER BY id")]


def save_milestone(conn: Db, name: str, state: dict[str, Any]) -> None:
    conn.begin()
    try:
        conn.execute("INSERT INTO milestones (name, created, state) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                     "created = excluded.created, state = excluded.state", (name, time.time(), orjson.dumps(state).decode()))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def milestones(conn: Db) -> list[tuple[str, float, dict[str, Any]]]:
    """(name, created, state), oldest first."""
    return [(n, c, orjson.loads(s)) for n, c, s in conn.execute("SELECT name, created, state FROM milestones ORDER BY id")]


def latest_findings(conn: Db) -> list[Finding]:
    """The findings of the newest saved scan of each source (code, aws, secrets…), as findings."""
    from wasec.model.finding import Severity, Suppression

    out: list[Finding] = []
    for (scan_id,) in conn.execute("SELECT max(id) FROM scans GROUP BY source"):
        for rid, status, sev, res, file, line, sup, fp in conn.execute(
                "SELECT rule_id, status, severity, resource_id, file, line, suppressed, fingerprint FROM findings "
                "WHERE scan_id = ?", (scan_id,)):
            out.append(Finding(rid, Status(status), Severity(sev), "", "", res, "", "history", file=file, line=line,
                               fingerprint=fp, suppressed=Suppression(sup, "saved") if sup else None))
    return out


def save_report(conn: Db, kind: str, doc: dict[str, Any]) -> int:
    """Keep a report whole (its JSON output) under its kind; returns its id."""
    conn.begin()
    try:
        row = conn.execute("INSERT INTO reports (kind, created, body) VALUES (?, ?, ?) RETURNING id",
                           (kind, time.time(), orjson.dumps(doc).decode())).fetchone()
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return int(row[0])


def latest_report(conn: Db, kind: str) -> tuple[float, dict[str, Any]] | None:
    """(when, the report) of the newest report of a kind."""
    row = conn.execute("SELECT created, body FROM reports WHERE kind = ? ORDER BY id DESC LIMIT 1", (kind,)).fetchone()
    return (float(row[0]), orjson.loads(row[1])) if row else None
