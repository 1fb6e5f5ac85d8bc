"""Scan history: saving, listing, diffing, migrations, concurrent writers, crashes, and the CLI."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from wasec.errors import UsageError
from wasec.history import store
from wasec.history.db import open_sqlite
from wasec.model.finding import Evidence, Finding, Severity, Status, Suppression


class Result:
    def __init__(self, findings: list[Finding]) -> None:
        self.findings, self.started, self.duration, self.rules = findings, time.time(), 0.5, ["r"] * 3


def finding(n: int, *, line: int | None = None, status: Status = Status.FAIL, suppressed: bool = False,
            severity: Severity = Severity.HIGH, likelihood: int = 4) -> Finding:
    return Finding(f"rule-{n % 7}", status, severity, "title", "AWS::S3::Bucket", f"bucket{n}", f"message {n}",
                   "terraform", file=f"f{n}.tf", line=line if line is not None else n, fingerprint=f"fp{n:06d}",
                   impact=severity.rank, likelihood=likelihood, evidence=(Evidence("Properties.X", n, "why", f"f{n}.tf", n),),
                   suppressed=Suppression("inline", "accepted") if suppressed else None)


def test_save_list_and_counts(tmp_path: Path) -> None:
    conn = store.connect(str(tmp_path / "h.db"))
    fs = [finding(1), finding(2, severity=Severity.CRITICAL, likelihood=5), finding(3, status=Status.PASS),
          finding(4, suppressed=True), finding(5, severity=Severity.LOW, likelihood=1)]
    sid = store.save(conn, Result(fs), "code", "infra/")
    (row,) = store.scans(conn)
    assert (row.id, row.source, row.target, row.rules) == (sid, "code", "infra/", 3)
    assert row.counts["status"] == {"FAIL": 4, "PASS": 1}
    assert row.counts["severity"] == {"high": 1, "critical": 1, "low": 1}  # the suppressed one does not count
    assert row.counts["risk"] == {"high": 2, "medium": 0, "low": 1}  # 4×4=16 and 5×5=25 high, 2×1 low
    assert conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 5


def test_diff_matches_by_fingerprint(tmp_path: Path) -> None:
    conn = store.connect(str(tmp_path / "h.db"))
    old = store.save(conn, Result([finding(1), finding(2), finding(3), finding(4)]), "code", ".")
    # 1 unchanged though its line moved; 2 fixed; 3 now passes (fixed); 4 now suppressed (accepted: not open); 5 new
    new = store.save(conn, Result([finding(1, line=99), finding(3, status=Status.PASS), finding(4, suppressed=True),
                                   finding(5)]), "code", ".")
    d = store.diff(conn, store.scan(conn, old), store.scan(conn, new))
    assert [f["fingerprint"] for f in d.new_findings] == ["fp000005"]
    assert sorted(f["fingerprint"] for f in d.fixed) == ["fp000002", "fp000003", "fp000004"]
    assert [(f["fingerprint"], f["line"]) for f in d.unchanged] == [("fp000001", 99)]
    assert store.scan(conn, -1).id == new and store.scan(conn, -2).id == old
    with pytest.raises(UsageError, match="goes back further"):
        store.scan(conn, -3)
    with pytest.raises(UsageError, match="no scan 42"):
        store.scan(conn, 42)


def test_migration_from_the_first_schema_keeps_the_data(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    conn = open_sqlite(path, create=True)
    assert store.migrate(conn, target=1) == 1
    conn.execute("INSERT INTO scans (started, duration, source, target, tool_version, rules, counts) "
                 "VALUES (1, 1, 'code', '.', '0.0.1', 1, '{}')")
    conn.execute("INSERT INTO findings (scan_id, fingerprint, rule_id, status, severity, impact, likelihood, title, "
                 "resource_type, resource_id, message, source) VALUES (1, 'fp', 'r', 'FAIL', 'high', 4, 4, 't', 'T', "
                 "'x', 'm', 'terraform')")
    conn.close()
    conn = store.connect(path)
    assert store.schema_version(conn) == store.VERSION
    assert conn.execute("SELECT fingerprint, commit_sha FROM findings").fetchall() == [("fp", None)]
    assert "findings_scan_fingerprint" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    store.save(conn, Result([finding(1)]), "code", ".")
    assert len(store.scans(conn)) == 2


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "new.db")
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {store.VERSION + 1}")
    conn.close()
    with pytest.raises(UsageError, match="newer wasec"):
        store.connect(path)


def _writer(path: str, k: int) -> None:
    conn = store.connect(path)
    for i in range(5):
        store.save(conn, Result([finding(k * 100_000 + i * 1000 + j) for j in range(2000)]), "code", f"w{k}")


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "h.db")
    store.connect(path).close()
    procs = [multiprocessing.get_context("spawn").Process(target=_writer, args=(path, k)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    conn = store.connect(path)
    assert len(store.scans(conn)) == 20
    assert conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 20 * 2000
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


CRASH = r"""
import os, signal, sys, time
sys.path.insert(0, sys.argv[2])
from tests.test_history import Result, finding
from wasec.history import store
conn = store.connect(sys.argv[1])
store.save(conn, Result([finding(i) for i in range(100)]), "code", "first")
real = conn.executemany
def half_then_die(sql, rows):
    rows = list(rows)
    real(sql, rows[: len(rows) // 2])
    os.kill(os.getpid(), signal.SIGKILL)  # the process dies inside the transaction
class Conn:
    def __getattr__(self, name):
        return half_then_die if name == "executemany" else getattr(conn, name)
store.save(Conn(), Result([finding(1000 + i) for i in range(5000)]), "code", "second")
"""


def test_a_crash_mid_write_loses_nothing_already_saved(tmp_path: Path) -> None:
    path = str(tmp_path / "h.db")
    p = subprocess.run([sys.executable, "-c", CRASH, path, str(Path(__file__).parents[1])], capture_output=True, timeout=60)
    assert p.returncode == -signal.SIGKILL, p.stderr
    conn = store.connect(path)
    assert [r.target for r in store.scans(conn)] == ["first"]
    assert conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 100
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def wasec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


OPEN = 'resource "aws_security_group" "s" {\n  ingress {\n    from_port = 22\n    to_port = 22\n    protocol = "tcp"\n' \
       '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'


def test_cli_save_history_and_diff(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(OPEN)
    r = wasec("scan", ".", "-q", "--save", "--db", "h.db", cwd=tmp_path)
    assert r.returncode == 1 and "saved scan 1" in r.stderr
    (tmp_path / "main.tf").write_text(OPEN.replace("0.0.0.0/0", "10.0.0.0/8"))
    assert "saved scan 2" in wasec("scan", ".", "-q", "--save", "--db", "h.db", cwd=tmp_path).stderr
    rows: list[dict[str, Any]] = json.loads(wasec("history", "--db", "h.db", "-f", "json", cwd=tmp_path).stdout)
    assert [r["id"] for r in rows] == [1, 2] and rows[0]["counts"]["severity"]["high"] >= 1
    doc = json.loads(wasec("diff", "--db", "h.db", "-f", "json", cwd=tmp_path).stdout)
    assert doc["new_findings"] == [] and doc["fixed"] and {f["file"] for f in doc["fixed"]} == {"main.tf"}
    assert all("0.0.0.0/0" in f["message"] or "22" in f["message"] for f in doc["fixed"])
    assert wasec("diff", "2", "1", "--db", "h.db", "--fail-on-new", cwd=tmp_path).returncode == 1  # backwards: it is new
    text = wasec("diff", "--db", "h.db", cwd=tmp_path).stdout
    assert text.startswith("scan 1") and "fixed" in text and "main.tf" in text


def test_cli_errors(tmp_path: Path) -> None:
    r = wasec("history", "--db", "none.db", cwd=tmp_path)
    assert r.returncode == 2 and "no scan history" in r.stderr
    r = wasec("scan", ".", "--db", "x.db", cwd=tmp_path)
    assert r.returncode == 2 and "--save" in r.stderr
    r = wasec("scan", ".", "--save", "--db", "mysql://db/wasec", cwd=tmp_path)
    assert r.returncode == 2 and "a postgresql:// URL" in r.stderr
    r = wasec("scan", ".", "--save", "--db", "postgresql://me:s3cret@db.invalid:5999/wasec", cwd=tmp_path)
    assert r.returncode == 2 and "cannot connect" in r.stderr and "me:***@db.invalid:5999" in r.stderr
    assert "s3cret" not in r.stderr + r.stdout
    assert not os.path.exists(tmp_path / "x.db")
