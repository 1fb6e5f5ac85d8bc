"""One connection to the history database: a SQLite file (the default) or PostgreSQL (a team store).

The store writes one SQL for both: ``?`` placeholders (``%s`` for psycopg), transactions opened with
:meth:`Db.begin` (``BEGIN IMMEDIATE`` on SQLite, so writers queue instead of failing; ``BEGIN`` on
PostgreSQL, whose row locks and sequences let many shards write at once), and the schema version kept
where each keeps it (``PRAGMA user_version``; a one-row ``wasec_schema`` table). Migrations are
written for SQLite and translated for PostgreSQL (:func:`ddl`). A PostgreSQL server that goes away
surfaces as :class:`HistoryError` naming the server (never its password): the open transaction is
gone with it, so the database holds whole scans only.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from wasec.errors import UsageError, WasecError

POSTGRES = ("postgresql://", "postgres://")
_MIGRATION_LOCK = 0x77617365  # "wase": one migrator at a time across every process and host


class HistoryError(WasecError):
    """The history database failed while in use (a server that went away, a full disk)."""


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def ddl(sql: str) -> str:
    """A SQLite migration step in PostgreSQL's types."""
    sql = re.sub(r"\bINTEGER PRIMARY KEY\b", "SERIAL PRIMARY KEY", sql)
    sql = re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
    return re.sub(r"\bBLOB\b", "BYTEA", sql)


class Db:
    """The connection, with what differs between SQLite and PostgreSQL kept here."""

    def __init__(self, raw: Any, dialect: str, label: str) -> None:
        self.raw = raw
        self.dialect = dialect  # "sqlite" | "postgresql"
        self.label = label  # the file, or the URL without its password

    # -- statements -------------------------------------------------------------------------
    def execute(self, sql: str, params: Any = ()) -> Any:
        if self.dialect == "sqlite":
            return self.raw.execute(sql, params)
        return self._pg(lambda: self.raw.execute(sql.replace("?", "%s"), params or None))

    def executemany(self, sql: str, rows: Any) -> None:
        if self.dialect == "sqlite":
            self.raw.executemany(sql, rows)
            return

        def run() -> None:
            with self.raw.cursor() as cur:
                cur.executemany(sql.replace("?", "%s"), list(rows))

        self._pg(run)

    def _pg(self, fn: Any) -> Any:
        import psycopg

        try:
            return fn()
        except psycopg.OperationalError as e:
            raise HistoryError(f"history database {self.label}: the server went away ({str(e).strip().splitlines()[0]}); "
                               "what was being written was not saved, and nothing saved before it is lost") from None

    # -- transactions -----------------------------------------------------------------------
    def begin(self) -> None:
        self.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        """Roll back; on a connection already lost there is nothing left to roll back."""
        try:
            self.execute("ROLLBACK")
        except (HistoryError, sqlite3.Error):
            pass
        except Exception as e:  # psycopg raises its own errors on a broken connection
            if type(e).__module__.split(".")[0] != "psycopg":
                raise

    # -- the schema version -----------------------------------------------------------------
    def version(self) -> int:
        if self.dialect == "sqlite":
            return int(self.raw.execute("PRAGMA user_version").fetchone()[0])
        import psycopg

        try:
            row = self.execute("SELECT version FROM wasec_schema").fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
        return int(row[0]) if row else 0

    def lock_migrations(self) -> None:
        """Inside the migration's transaction: one migrator at a time; on PostgreSQL the version table is
        created here, under the lock (concurrent CREATE TABLE IF NOT EXISTS can collide)."""
        if self.dialect == "postgresql":
            self.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            self.execute("CREATE TABLE IF NOT EXISTS wasec_schema (version INTEGER NOT NULL)")

    def set_version(self, n: int) -> None:
        if self.dialect == "sqlite":
            self.raw.execute(f"PRAGMA user_version = {int(n)}")
            return
        self.execute("DELETE FROM wasec_schema")
        self.execute("INSERT INTO wasec_schema (version) VALUES (?)", (int(n),))

    def script(self, sql: str) -> None:
        """One migration step's statements (translated for PostgreSQL)."""
        for statement in (ddl(sql) if self.dialect == "postgresql" else sql).split(";"):
            if statement.strip():
                self.execute(statement)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.raw.close()


def open_sqlite(path: str, create: bool, read_only: bool = False) -> Db:
    if not (create and not read_only) and not os.path.exists(path):
        raise UsageError(f"no scan history at {path}: save scans with --save")
    if read_only:  # nothing can be written through it, not even the journal mode
        try:
            return Db(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, isolation_level=None), "sqlite", path)
        except sqlite3.DatabaseError as e:
            raise UsageError(f"scan history {path}: {e}") from None
    if os.path.dirname(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        raw = sqlite3.connect(path, timeout=30, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as e:
        raise UsageError(f"scan history {path}: {e}") from None
    return Db(raw, "sqlite", path)


def open_postgres(url: str, read_only: bool = False) -> Db:
    label = redact(url)
    try:
        import psycopg
    except ImportError:
        raise UsageError(f"--db {label}: a PostgreSQL history needs the postgres extra: pip install 'wasec[postgres]'") from None
    try:
        raw = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except (psycopg.Error, ValueError) as e:  # ValueError: psycopg's own URL parsing
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UsageError(f"--db {label}: cannot connect: {first.replace(url, label)}") from None
    db = Db(raw, "postgresql", label)
    if read_only:  # every transaction of the session: a write is refused by the server
        db.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    return db
