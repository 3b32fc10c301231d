"""Connections to a real PostgreSQL: clear errors, lost connections, advisory locks, schema migrations."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import psycopg
import pytest

from iaas import db
from iaas.errors import DatabaseError
from tests.postgres_server import Server


def _with(url: str, **changes: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    netloc = parts.netloc
    if "password" in changes:
        netloc = f"{parts.username}:{changes.pop('password')}@{parts.hostname or ''}"
        query.pop("passfile", None)
    query.update(changes)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=urllib.parse.urlencode(query)))


def test_connect_runs_statements(postgres_url: str) -> None:
    with db.connect(db.parse_url(postgres_url)) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0].startswith("t")


def test_a_wrong_password_is_refused_without_showing_it(postgres_url: str) -> None:
    url = db.parse_url(_with(postgres_url, password="not-the-Secret-42"))
    with pytest.raises(DatabaseError, match="refused the login") as caught:
        db.connect(url)
    assert "not-the-Secret-42" not in str(caught.value)
    assert "***" in str(caught.value)


def test_a_missing_database_is_named(postgres_url: str) -> None:
    url = db.parse_url(urllib.parse.urlunsplit(urllib.parse.urlsplit(postgres_url)._replace(path="/nowhere")))
    with pytest.raises(DatabaseError, match='database "nowhere" does not exist; create it'):
        db.connect(url)


def test_a_server_that_is_not_running_is_named(tmp_path: Path) -> None:
    url = db.parse_url(f"postgresql://iaas:pw@/iaas?host={tmp_path}")
    with pytest.raises(DatabaseError, match="not reachable .is it running") as caught:
        db.connect(url)
    assert str(tmp_path) in str(caught.value)


def test_a_killed_connection_is_reported_as_lost(postgres_url: str) -> None:
    url = db.parse_url(postgres_url)
    with db.connect(url) as victim, db.connect(url) as killer:
        killer.execute("SELECT pg_terminate_backend(%s, 5000)", (victim.info.backend_pid,))
        with pytest.raises(db.ConnectionLost, match="connection to the server was lost"):
            with db.translate_errors(url, "reading"), victim.transaction():
                victim.execute("SELECT 1")


def test_advisory_locks_are_exclusive_and_die_with_their_session(postgres_url: str) -> None:
    url = db.parse_url(postgres_url)
    key = db.advisory_key("state", "web")
    assert key == db.advisory_key("state", "web") != db.advisory_key("state", "db")
    with db.connect(url) as first, db.connect(url) as second:
        assert db.try_lock(first, key)
        assert db.holder(second, key) == first.info.backend_pid
        assert not db.try_lock(second, key)
        assert db.end_session(second, first.info.backend_pid)
        assert db.holder(second, key) is None
        assert db.try_lock(second, key)
        assert db.unlock(second, key)
        assert db.holder(second, key) is None


SCHEMA_V1 = db.Schema("things", {1: ("CREATE TABLE things (name TEXT PRIMARY KEY)",)})
SCHEMA_V2 = db.Schema(
    "things", {**SCHEMA_V1.migrations, 2: ("ALTER TABLE things ADD COLUMN size INTEGER NOT NULL DEFAULT 0",)}
)


def test_migrations_bring_a_database_up_to_date_once(postgres_url: str) -> None:
    with db.connect(db.parse_url(postgres_url)) as conn:
        assert db.migrate(conn, SCHEMA_V1, where="test") == 0
        conn.execute("INSERT INTO things (name) VALUES ('a')")
        assert db.migrate(conn, SCHEMA_V1, where="test") == 1
        assert db.migrate(conn, SCHEMA_V2, where="test") == 1
        assert conn.execute("SELECT name, size FROM things").fetchall() == [("a", 0)]
        assert db.current_version(conn, "things") == 2
        assert db.current_version(conn, "other") == 0


def test_a_schema_written_by_a_newer_iaas_is_refused(postgres_url: str) -> None:
    with db.connect(db.parse_url(postgres_url)) as conn:
        db.migrate(conn, SCHEMA_V2, where="test database")
        with pytest.raises(DatabaseError, match="things schema is at version 2, written by a newer iaas"):
            db.migrate(conn, SCHEMA_V1, where="test database")


def test_a_failed_migration_changes_nothing(postgres_url: str) -> None:
    broken = db.Schema("things", {**SCHEMA_V1.migrations, 2: ("ALTER TABLE things ADD COLUMN x INT", "NOT SQL")})
    url = db.parse_url(postgres_url)
    with db.connect(url) as conn:
        db.migrate(conn, SCHEMA_V1, where="test")
        with pytest.raises(psycopg.errors.SyntaxError):
            db.migrate(conn, broken, where="test")
        assert db.current_version(conn, "things") == 1
        assert [c.name for c in conn.execute("SELECT * FROM things").description] == ["name"]


def test_migrations_run_on_sqlite_too(tmp_path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    try:
        assert db.migrate(conn, SCHEMA_V2, where="x.db") == 0
        assert db.current_version(conn, "things") == 2
        with pytest.raises(DatabaseError, match="newer iaas"):
            db.migrate(conn, SCHEMA_V1, where="x.db")
    finally:
        conn.close()


def test_schema_versions_have_no_gaps() -> None:
    with pytest.raises(ValueError, match="without gaps"):
        db.Schema("x", {1: (), 3: ()})


def test_the_test_server_listens_on_no_network_address_and_is_not_root(postgres_server: Server) -> None:
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == ""
        data = Path(conn.execute("SHOW data_directory").fetchone()[0])
    pid = int((data / "postmaster.pid").read_text().split()[0])
    uids = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("Uid:"))
    assert all(int(uid) != 0 for uid in uids.split()[1:])
