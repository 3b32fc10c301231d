"""Databases that parts of iaas keep their tables in: SQLite files and PostgreSQL servers.

The connection layer shared by the stack state and the cloud inventory::

    url = parse_url("postgresql://alice@db.example/iaas")   # or a file path, or sqlite:///path
    conn = connect(url)                                     # psycopg 3, autocommit
    migrate(conn, Schema("state", {1: ("CREATE TABLE ...",)}), where=url.display)
    with translate_errors(url, "writing network.web"), conn.transaction():
        conn.execute("...")

Every failure is a :class:`iaas.errors.DatabaseError` naming the database by
its URL without password; :class:`ConnectionLost` when an open connection
broke (the caller may reconnect and run its transaction again).  Advisory
locks (:func:`try_lock`) belong to one connection and die with it.  This part
imports nothing from iaas but :mod:`iaas.errors`.
"""

from iaas.db.locks import advisory_key, end_session, holder, try_lock, unlock
from iaas.db.migrations import Schema, current_version, migrate
from iaas.db.postgres import (
    ConnectionLost,
    close_quietly,
    commit_status,
    connect,
    explain,
    is_connection_lost,
    translate_errors,
)
from iaas.db.url import DATABASE_ENV, POSTGRESQL, SQLITE, DatabaseURL, is_postgres_url, mask_password, parse_url

__all__ = [
    "DATABASE_ENV",
    "POSTGRESQL",
    "SQLITE",
    "ConnectionLost",
    "close_quietly",
    "commit_status",
    "DatabaseURL",
    "Schema",
    "advisory_key",
    "connect",
    "current_version",
    "end_session",
    "explain",
    "holder",
    "is_connection_lost",
    "is_postgres_url",
    "mask_password",
    "migrate",
    "parse_url",
    "translate_errors",
    "try_lock",
    "unlock",
]
