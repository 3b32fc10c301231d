"""Connecting to PostgreSQL with psycopg 3, and saying clearly what went wrong.

:func:`connect` opens one connection in autocommit mode (callers group their
statements with ``conn.transaction()``).  :func:`translate_errors` turns any
psycopg error into a :class:`iaas.errors.DatabaseError` that names the
database (its URL without password) and what was being done, and tells the
usual causes apart: the server is not running, a wrong password or user, a
missing database, a connection cut while in use.  No message carries the
password.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from iaas.db.url import DatabaseURL
from iaas.errors import DatabaseError

if TYPE_CHECKING:
    import psycopg

#: Seconds to wait for the server to answer a new connection.
CONNECT_TIMEOUT = 10

#: How many times :func:`commit_status` asks while the cut session is still ending, and the pause between asks.
SETTLE_CHECKS = 100
SETTLE_PAUSE = 0.05


def psycopg_module() -> Any:
    """Return the psycopg module, or raise a DatabaseError saying how to install it."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is installed with iaas[postgres]
        raise DatabaseError(
            "PostgreSQL databases need psycopg 3: install iaas with the postgres extra (pip install 'iaas[postgres]')"
        ) from exc
    return psycopg


class ConnectionLost(DatabaseError):
    """The connection to the server broke while in use (killed, server stopped or restarted)."""


def connect(url: DatabaseURL, *, application: str = "iaas") -> psycopg.Connection[Any]:
    """Open a connection to the PostgreSQL database at ``url`` (autocommit; use ``conn.transaction()``)."""
    if not url.is_postgres or url.conninfo is None:
        raise DatabaseError(f"{url.display} is not a PostgreSQL URL")
    psycopg = psycopg_module()
    with translate_errors(url, "connecting"):
        try:
            return psycopg.connect(
                url.conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT, application_name=application
            )
        except psycopg.ProgrammingError as exc:  # libpq could not parse the URL
            raise DatabaseError(f"malformed database URL {url.display}: {url.redact(str(exc))}") from None


@contextlib.contextmanager
def translate_errors(url: DatabaseURL, action: str) -> Iterator[None]:
    """Turn a psycopg error inside the block into a DatabaseError naming the database and ``action``."""
    psycopg = psycopg_module()
    try:
        yield
    except psycopg.Error as exc:
        message = f"database {url.display}: {action} failed: {url.redact(explain(exc))}"
        error = ConnectionLost if is_connection_lost(exc) else DatabaseError
        raise error(message) from None


def is_connection_lost(exc: BaseException) -> bool:
    """True when ``exc`` says an open connection broke (as opposed to a refused statement or login)."""
    psycopg = psycopg_module()
    if isinstance(exc, psycopg.errors.AdminShutdown | psycopg.errors.CrashShutdown):
        return True
    if not isinstance(exc, psycopg.OperationalError) or str(exc).startswith("connection failed"):
        return False
    text = str(exc)
    return any(
        part in text
        for part in (
            "connection is closed",
            "server closed the connection",
            "consuming input failed",
            "terminating connection",
            "connection is lost",
            "sending query failed",
            "connection is bad",
        )
    ) and not text.startswith("connection is bad: connection to server")


def explain(exc: BaseException) -> str:
    """Say in a user's words what a psycopg error means, keeping the server's own text."""
    text = " ".join(str(exc).split())
    detail = text.split("FATAL: ", 1)[-1].strip()
    if "password authentication failed" in text or "no password supplied" in text:
        return f"the server refused the login (wrong user or password): {detail}"
    if "does not exist" in text and "database" in text and "FATAL" in text:
        return f"{detail}; create it (createdb) or fix the database name in the URL"
    if "Is the server running" in text or "Connection refused" in text or "No such file or directory" in text:
        return f"the server is not reachable (is it running, and is the address right?): {detail}"
    if "terminating connection" in text or "server closed the connection" in text or "connection is closed" in text:
        return f"the connection to the server was lost ({detail}); nothing after the last commit was kept"
    sqlstate = getattr(exc, "sqlstate", None)
    return f"{text} (SQLSTATE {sqlstate})" if sqlstate else text


def close_quietly(conn: Any) -> None:
    """Close ``conn`` (None is fine), ignoring errors: it may be broken already."""
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()


def commit_status(ask: Callable[[str, tuple[Any, ...]], Any], xid: int) -> str | None:
    """Whether the transaction ``xid`` (its ``txid_current()``), whose commit was cut, was kept.

    ``ask(sql, args)`` runs one statement on a new connection and returns its
    cursor.  Returns ``"committed"`` or ``"aborted"``; None when the server
    cannot tell (the transaction is too old, or still ending after every check).
    """
    for _ in range(SETTLE_CHECKS):
        status = ask("SELECT txid_status(%s)", (xid,)).fetchone()[0]
        if status in ("committed", "aborted"):
            return str(status)
        if status is None:
            return None
        time.sleep(SETTLE_PAUSE)  # in progress: the cut session is still ending
    return None
