"""Session advisory locks of PostgreSQL: held by one connection, gone when it goes.

A lock is named by a namespace and a name (``("state", "web")``), turned into
the 64-bit key PostgreSQL wants.  A client that dies, or whose connection is
cut, loses its locks at once: nothing stale is ever left behind.
"""

from __future__ import annotations

from typing import Any


def advisory_key(namespace: str, name: str) -> int:
    """The signed 64-bit key of the lock ``name`` in ``namespace`` (stable across processes and versions)."""
    import hashlib  # loads OpenSSL: only for PostgreSQL, whose locks these are

    digest = hashlib.blake2b(f"iaas\0{namespace}\0{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def try_lock(conn: Any, key: int) -> bool:
    """Take the lock ``key`` for this connection's session if it is free; return whether it was taken."""
    return bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0])


def unlock(conn: Any, key: int) -> bool:
    """Release the lock ``key`` held by this session; return whether it was held."""
    return bool(conn.execute("SELECT pg_advisory_unlock(%s)", (key,)).fetchone()[0])


def holder(conn: Any, key: int) -> int | None:
    """The server process id of the session holding the lock ``key`` in this database, or None."""
    classid, objid = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
    row = conn.execute(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND classid = %s::bigint::oid AND objid = %s::bigint::oid",
        (classid, objid),
    ).fetchone()
    return None if row is None else int(row[0])


def end_session(conn: Any, backend_pid: int, wait: float = 5.0) -> bool:
    """End another session (so its locks go with it); wait up to ``wait`` seconds for it to be gone."""
    row = conn.execute("SELECT pg_terminate_backend(%s, %s)", (backend_pid, int(wait * 1000))).fetchone()
    return bool(row and row[0])
