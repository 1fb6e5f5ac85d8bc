"""The team store: the scan history in a real PostgreSQL server, started here on 127.0.0.1.

Skipped, with the reason, where no server can be started (no PostgreSQL binaries, no psycopg);
.ci/run installs both.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_history import OPEN, Result, finding, wasec
from wasec.errors import UsageError
from wasec.history import store
from wasec.history.db import HistoryError, open_postgres


def _bindir() -> str | None:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")) and os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    found = shutil.which("pg_ctl")
    return os.path.dirname(found) if found and shutil.which("initdb") else None


class Server:
    """One PostgreSQL server in a temporary directory, on a free loopback port."""

    def __init__(self, base: Path) -> None:
        self.bindir = _bindir()
        if self.bindir is None:
            pytest.skip("no PostgreSQL server binaries here (apt-get install postgresql); the team-store tests need one")
        pytest.importorskip("psycopg", reason="the team store needs psycopg (pip install 'wasec[postgres]')")
        self.base = base
        self.data = base / "data"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.user = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
        if self.user:
            shutil.chown(base, self.user)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        cmd = [os.path.join(str(self.bindir), tool), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            pytest.skip(f"PostgreSQL could not be started here: {tool}: {p.stderr.strip()[-300:]}")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.base / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def fresh(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    # not under pytest's tmp: its 0700 parents would keep the postgres user out
    base = Path(tempfile.mkdtemp(prefix="wasec-pg-"))
    try:
        s = Server(base)
        yield s
        s.stop("immediate")
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def url(server: Server, request: pytest.FixtureRequest) -> str:
    return server.fresh(request.node.name.lower()[:60])


def test_save_diff_milestones_and_remediations(url: str) -> None:
    conn = store.connect(url)
    assert conn.dialect == "postgresql" and store.schema_version(conn) == store.VERSION
    old = store.save(conn, Result([finding(1), finding(2), finding(3)]), "code", ".")
    new = store.save(conn, Result([finding(1, line=99), finding(3, status=store.Status.PASS), finding(5)]), "code", ".")
    d = store.diff(conn, store.scan(conn, old), store.scan(conn, new))
    fp = {n: finding(n).fingerprint for n in (1, 2, 3, 5)}
    assert [f["fingerprint"] for f in d.new_findings] == [fp[5]]
    assert sorted(f["fingerprint"] for f in d.fixed) == sorted([fp[2], fp[3]]) and len(d.unchanged) == 1
    store.save_milestone(conn, "q4", {"a": 1})
    store.save_milestone(conn, "q4", {"a": 2})
    assert [(n, s) for n, _, s in store.milestones(conn)] == [("q4", {"a": 2})]
    store.record_remediations(conn, [store.Remediation(time.time(), "dev@example.com", "applied", fp[2], "r", "x", "f", "diff")])
    assert [r.who for r in store.remediations(conn)] == ["dev@example.com"]
    assert {f.fingerprint for f in store.latest_findings(conn)} == {fp[1], fp[3], fp[5]}
    started = store.scan(conn, new).started
    assert isinstance(started, float) and abs(started - time.time()) < 60  # a DOUBLE PRECISION, not a 4-byte REAL


def test_migration_from_the_first_schema_keeps_the_data(url: str) -> None:
    conn = open_postgres(url)
    assert store.migrate(conn, target=1) == 1
    conn.execute("INSERT INTO scans (started, duration, source, target, tool_version, rules, counts) "
                 "VALUES (1.5, 1, 'code', '.', '0.0.1', 1, '{}')")
    conn.close()
    conn = store.connect(url)
    assert store.schema_version(conn) == store.VERSION
    assert [r.target for r in store.scans(conn)] == ["."]
    store.save(conn, Result([finding(1)]), "code", "second")
    assert [r.target for r in store.scans(conn)] == [".", "second"]


def test_a_newer_schema_is_refused(url: str) -> None:
    conn = store.connect(url)
    conn.execute("UPDATE wasec_schema SET version = ?", (store.VERSION + 1,))
    conn.close()
    with pytest.raises(UsageError, match="newer wasec"):
        store.connect(url)


WRITER = r"""
import sys
sys.path.insert(0, sys.argv[3])
from tests.test_history import Result, finding
from wasec.history import store
k = int(sys.argv[2])
conn = store.connect(sys.argv[1])
for i in range(5):
    store.save(conn, Result([finding(k * 100_000 + i * 1000 + j) for j in range(400)]), "code", f"w{k}")
"""


def test_concurrent_writers_from_many_shards_lose_nothing(url: str) -> None:
    root = str(Path(__file__).parents[1])
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, str(k), root]) for k in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    conn = store.connect(url)
    assert len(store.scans(conn)) == 20
    assert conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 20 * 400
    assert conn.execute("SELECT count(DISTINCT scan_id) FROM findings").fetchone()[0] == 20


def test_the_server_going_away_mid_write_loses_nothing_saved(server: Server, url: str) -> None:
    conn = store.connect(url)
    store.save(conn, Result([finding(i) for i in range(100)]), "code", "first")
    real = conn.executemany

    def stop_then_write(sql: str, rows: Any) -> None:
        server.stop("immediate")  # the server dies inside the transaction
        real(sql, rows)

    conn.executemany = stop_then_write  # type: ignore[method-assign]
    try:
        with pytest.raises(HistoryError, match=r"went away.*not saved.*nothing saved before it is lost") as e:
            store.save(conn, Result([finding(1000 + i) for i in range(500)]), "code", "second")
        assert "127.0.0.1" in str(e.value)
    finally:
        server.start()
    conn = store.connect(url)
    assert [r.target for r in store.scans(conn)] == ["first"]
    assert conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 100


def test_cli_history_diff_and_review_on_postgres(url: str, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(OPEN)
    assert wasec("scan", ".", "--save", "--db", url, "--no-secrets", cwd=tmp_path).returncode == 1
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    r = wasec("scan", ".", "--save", "--db", url, "--no-secrets", cwd=tmp_path)
    assert "saved scan 2 to postgresql://postgres@127.0.0.1" in r.stderr
    history = json.loads(wasec("history", "--db", url, "-f", "json", cwd=tmp_path).stdout)
    assert [h["id"] for h in history] == [1, 2]
    d = json.loads(wasec("diff", "--db", url, "-f", "json", cwd=tmp_path).stdout)
    assert d["fixed"] and {f["file"] for f in d["fixed"]} == {"main.tf"}
    review = wasec("review", "--from-history", "--db", url, "-f", "json", "--no-ask", cwd=tmp_path)
    assert review.returncode == 0 and json.loads(review.stdout)["questions"]


def test_a_history_lost_after_the_scan_still_writes_the_report(server: Server, url: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wasec.cli import commands

    (tmp_path / "main.tf").write_text(OPEN)
    real = commands.save_history

    def server_dies_first(*args: Any, **kw: Any) -> bool:
        server.stop("immediate")  # between the scan and the save
        try:
            return real(*args, **kw)
        finally:
            server.start()

    commands.save_history = server_dies_first  # type: ignore[assignment]
    try:
        r = CliRunner().invoke(commands.cli, ["scan", str(tmp_path), "--save", "--db", url, "--no-secrets", "-f", "json",
                                              "-o", str(tmp_path / "report.json")])
    finally:
        commands.save_history = real  # type: ignore[assignment]
    assert r.exit_code == 2, r.output
    assert "the report is still written" in r.output and "127.0.0.1" in r.output
    assert json.loads((tmp_path / "report.json").read_text())["findings"]  # nothing of the scan is lost
    assert wasec("scan", ".", "--save", "--db", url.replace(str(server.port), "1"), cwd=tmp_path).returncode == 2


def test_the_dashboard_serves_the_team_store_read_only(url: str, tmp_path: Path) -> None:
    import psycopg

    from tests.test_dashboard import rows, start
    from wasec.dashboard.data import open_readonly

    conn = store.connect(url)
    store.save(conn, Result([finding(n) for n in range(1, 8)]), "code", ".")
    store.save(conn, Result([finding(n) for n in range(3, 12)] + [finding(20, suppressed=True)]), "code", ".")
    conn.close()
    served = start(tmp_path, "--db", url)
    try:
        status, _, page = served.get("/")
        assert status == 200 and '<span class="n">4</span> new since' in page and '<span class="n">2</span> fixed' in page
        _, _, listing = served.get("/findings?q=bucket1")
        assert sorted(rows(listing)) == ["fp000010", "fp000011"]
        _, _, suppressed = served.get("/findings?suppressed=yes")
        assert rows(suppressed) == ["fp000020"]
        _, _, one = served.get("/finding/fp000005")
        assert one.count('href="/findings?scan=') == 2
    finally:
        served.proc.terminate()
        served.proc.wait(10)
    db = open_readonly(url)
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            db.execute("CREATE TABLE written_by_the_dashboard (i INTEGER)")
    finally:
        db.close()
