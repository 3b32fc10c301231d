"""Versioned schemas: each part of iaas that keeps tables in a database declares its migrations.

A :class:`Schema` is a component name and, for each version from 1 up, the
statements that bring the tables from the version before to it.  The table
``iaas_schema`` records each component's version.  :func:`migrate` brings a
database up to date in one transaction (concurrent callers take turns), and
refuses a database whose schema was written by a newer iaas.  The same runner
serves SQLite (``sqlite3`` connections) and PostgreSQL (psycopg connections).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from iaas.db.locks import advisory_key
from iaas.errors import DatabaseError

_CREATE = (
    "CREATE TABLE IF NOT EXISTS iaas_schema ("
    "component TEXT PRIMARY KEY, version INTEGER NOT NULL, updated_at DOUBLE PRECISION NOT NULL)"
)


@attrs.frozen
class Schema:
    """The tables of one component, as the statements of each version from 1 to :attr:`latest`."""

    component: str
    migrations: Mapping[int, Sequence[str]]

    def __attrs_post_init__(self) -> None:
        if sorted(self.migrations) != list(range(1, len(self.migrations) + 1)):
            raise ValueError(f"schema {self.component!r}: versions must be 1, 2, ... without gaps")

    @property
    def latest(self) -> int:
        """The version this code writes."""
        return len(self.migrations)


def migrate(conn: Any, schema: Schema, *, where: str) -> int:
    """Bring ``schema`` up to date in the database of ``conn``; return the version found before.

    ``where`` names the database in errors.  Raises :class:`DatabaseError` when
    the database holds a newer version than this code knows.
    """
    found = current_version(conn, schema.component)
    _refuse_newer(found, schema, where)
    if found == schema.latest:
        return found
    with _exclusive(conn, schema.component):
        found = current_version(conn, schema.component)  # another process may have just done it
        _refuse_newer(found, schema, where)
        for version in range(found + 1, schema.latest + 1):
            for statement in schema.migrations[version]:
                conn.execute(statement)
        mark = _marks(conn)
        conn.execute(
            f"INSERT INTO iaas_schema (component, version, updated_at) VALUES ({mark}, {mark}, {mark}) "
            "ON CONFLICT (component) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at",
            (schema.component, schema.latest, time.time()),
        )
    return found


def current_version(conn: Any, component: str) -> int:
    """The version of ``component`` recorded in the database; 0 when it has none."""
    if isinstance(conn, sqlite3.Connection):
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'iaas_schema'").fetchone()
    else:
        exists = conn.execute("SELECT to_regclass('iaas_schema')").fetchone()[0]
    if not exists:
        return 0
    mark = _marks(conn)
    row = conn.execute(f"SELECT version FROM iaas_schema WHERE component = {mark}", (component,)).fetchone()
    return 0 if row is None else int(row[0])


def _refuse_newer(found: int, schema: Schema, where: str) -> None:
    if found > schema.latest:
        raise DatabaseError(
            f"{where}: the {schema.component} schema is at version {found}, written by a newer iaas; "
            f"this iaas knows versions up to {schema.latest}: upgrade iaas to use this database"
        )


def _marks(conn: Any) -> str:
    return "?" if isinstance(conn, sqlite3.Connection) else "%s"


class _exclusive:
    """One transaction in which this process alone migrates (SQLite: a write transaction; PostgreSQL: a lock)."""

    def __init__(self, conn: Any, component: str) -> None:
        self.conn, self.component = conn, component
        self.tx: Any = None

    def __enter__(self) -> None:
        if isinstance(self.conn, sqlite3.Connection):
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(_CREATE)
            return
        self.tx = self.conn.transaction()
        self.tx.__enter__()
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("schema", self.component),))
        self.conn.execute(_CREATE)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if self.tx is not None:
            self.tx.__exit__(kind, exc, tb)
        elif kind is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
