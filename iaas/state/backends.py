"""Choosing a state backend from a path or URL."""

from __future__ import annotations

import os
from pathlib import Path

from iaas import db
from iaas.errors import DatabaseError, StateError
from iaas.state.base import StateStore
from iaas.state.sqlite import SQLiteStore


def open_store(url_or_path: str | os.PathLike[str], stack: str) -> StateStore:
    """Open the state of ``stack`` kept at ``url_or_path``.

    Accepts a file path (``state.db``, ``/var/lib/iaas/state.db``), a SQLite
    URL (``sqlite:///state.db`` relative, ``sqlite:////abs/state.db``) or a
    PostgreSQL URL (``postgresql://user@host/database``), shared by a team.
    Raises :class:`StateError` for a location that is malformed or cannot be
    reached; its message never holds the password.
    """
    try:
        url = db.parse_url(url_or_path)
    except DatabaseError as exc:
        raise StateError(f"state location: {exc}") from None
    if url.is_postgres:
        from iaas.state.postgres import PostgresStore  # psycopg is loaded only for PostgreSQL

        assert url.conninfo is not None
        return PostgresStore(url.conninfo, stack)
    assert url.path is not None
    return SQLiteStore(url.path, stack)


#: The environment variable naming a database for every stack's state (a team's PostgreSQL URL).
DATABASE_ENV = db.DATABASE_ENV


def default_location(home: str | os.PathLike[str], configured: str | None = None) -> str:
    """Where state lives when no location is given.

    That is ``$IAAS_DATABASE_URL``, else ``configured`` (the cloud config's
    ``database``), else ``state.db`` in ``home``.
    """
    return os.environ.get(DATABASE_ENV) or configured or str(Path(home) / "state.db")
