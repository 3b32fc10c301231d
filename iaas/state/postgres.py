"""The team state backend: stacks kept in a shared PostgreSQL database.

Rows and rules are those of the SQLite backend (one row per resource, a
lineage and serial per stack, a history of operations, each write one small
transaction).  The stack's lock is a session advisory lock of PostgreSQL,
beside a row that says who holds it: a holder that dies, or whose connection
is cut, loses the lock at once, on whatever machine it ran.

One connection serves all threads of a store, behind a mutex.  When it
breaks (connection killed, server restarted), the store reconnects and runs
the interrupted transaction again.  When it broke while committing a write,
the server is asked on the new connection whether that transaction was kept
(``txid_status``): kept, the write is done; rolled back, it runs again; only
when the server cannot tell does the write fail saying the change may or may
not have been saved.  A lock held at that moment is taken back on the new
connection if nobody else took it in between, else the store refuses to go on
writing.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from iaas import db
from iaas.errors import DatabaseError, LockError, StateError
from iaas.state.common import check_push, stamped
from iaas.state.jsontext import dump_text
from iaas.state.postgres_lock import AdvisoryLock
from iaas.state.postgres_schema import SCHEMA
from iaas.state.records import ApplyRecord, ResourceRecord, Snapshot
from iaas.state.sqlite_rows import (
    APPLY_COLUMNS,
    RESOURCE_COLUMNS,
    apply_from_row,
    resource_from_row,
    resource_values,
    snapshot_from_rows,
)
from iaas.state.store_base import check_pushed_addresses, outputs_text, summary_text

log = logging.getLogger(__name__)

T = TypeVar("T")

_UPSERT = (
    f"INSERT INTO state_resources (stack, {', '.join(RESOURCE_COLUMNS)}) VALUES ({', '.join(['%s'] * 10)}) "
    "ON CONFLICT (stack, address) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in RESOURCE_COLUMNS[1:])
)
_SELECT_RESOURCES = f"SELECT {', '.join(RESOURCE_COLUMNS)} FROM state_resources WHERE stack = %s"
_BUMP = "UPDATE state_stacks SET serial = serial + 1 WHERE name = %s RETURNING txid_current()"


class _Committing(Exception):
    """Marks a connection lost while committing: the change may or may not have been kept."""


class PostgresStore(AdvisoryLock):
    """State of one stack in a PostgreSQL database (see :class:`StateStore`)."""

    def __init__(self, url: str, stack: str) -> None:
        """Connect to the database at ``url`` (creating or upgrading its tables) for ``stack``."""
        super().__init__(stack)
        with _as_state_error():
            self._url = db.parse_url(url)
            if not self._url.is_postgres:
                raise StateError(f"{self._url.display} is not a PostgreSQL URL")
        self._key = db.advisory_key("state", stack)
        self._stack_ensured = False  # the stack's row is known to exist
        self._ensuring = False  # the running transaction creates it
        self._closed = False
        self._conn: Any = None
        self._xid: int | None = None  # the running write transaction's id, to settle a commit cut in flight
        with self._mutex, _as_state_error():
            conn = self._connection("opening")
            with db.translate_errors(self._url, "checking the schema"):
                db.migrate(conn, SCHEMA, where=f"state database {self._url.display}")

    def __repr__(self) -> str:
        return f"PostgresStore({self._url.display!r}, stack={self._stack!r})"

    @property
    def location(self) -> str:
        """The database's URL, without password."""
        return self._url.display

    # -- connection and transactions ------------------------------------------------

    def _connection(self, action: str) -> Any:
        """The open connection, made anew (taking back a held lock) when there is none or it broke."""
        if self._closed:
            raise StateError(f"state database {self._url.display}: {action} failed: the store is closed")
        if self._conn is not None and not self._conn.closed:
            return self._conn
        self._conn = db.connect(self._url, application=f"iaas state {self._stack}")
        if self._held:
            self._retake_lock(self._conn)
        return self._conn

    def _run(self, action: str, work: Callable[[Any], T]) -> T:
        """Run ``work(conn)`` in one transaction; on a lost connection, reconnect and run it once more."""
        with self._mutex, _as_state_error():
            for attempt in (1, 2):
                conn = self._connection(action)
                try:
                    return self._once(conn, action, work)
                except db.ConnectionLost as exc:
                    self._drop_connection()
                    if attempt == 2 or isinstance(exc.__cause__, _Committing):
                        raise
                    log.warning("state database %s: %s; connecting again", self._url.display, exc)
        raise AssertionError("unreachable")

    def _once(self, conn: Any, action: str, work: Callable[[Any], T]) -> T:
        done = self._ensuring = False
        self._xid = None
        try:
            with db.translate_errors(self._url, action), conn.transaction():
                result = work(conn)
                done = True
        except db.ConnectionLost as exc:
            if done and not self._settled(action, exc):  # lost while committing, and the server cannot tell
                raise db.ConnectionLost(f"{exc}; the change may or may not have been saved") from _Committing()
            if not done or self._xid is None:
                raise
        if self._ensuring:
            self._stack_ensured, self._ensuring = True, False
        return result

    def _settled(self, action: str, lost: db.ConnectionLost) -> bool:
        """Whether the write whose commit was cut is known: kept (True, done) or rolled back (True, runs again)."""
        if self._xid is None:
            return False
        self._drop_connection()
        with db.translate_errors(self._url, f"{action}: asking whether the interrupted commit was kept"):
            status = db.commit_status(lambda sql, args: self._connection(action).execute(sql, args), self._xid)
        if status == "aborted":
            self._xid = None  # not kept: the caller runs the transaction again
        elif status == "committed":
            log.warning("state database %s: %s; the commit was kept", self._url.display, lost)
        return status is not None

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        db.close_quietly(conn)

    def _ensure_stack(self, conn: Any) -> None:
        """Give the stack its row, and so its lineage, if it has none yet."""
        if self._stack_ensured:  # rows of stacks are never deleted
            return
        conn.execute(
            "INSERT INTO state_stacks (name, lineage, serial, outputs, created_at) VALUES (%s, %s, 0, '{}', %s) "
            "ON CONFLICT (name) DO NOTHING",
            (self._stack, uuid.uuid4().hex, time.time()),
        )
        self._ensuring = True  # known to exist once this transaction commits

    def _write(self, action: str, work: Callable[[Any], T]) -> T:
        """A write transaction on this stack's state that bumps its serial."""

        def bumped(conn: Any) -> T:
            self._ensure_stack(conn)
            result = work(conn)
            self._xid = int(conn.execute(_BUMP, (self._stack,)).fetchone()[0])
            return result

        return self._run(action, bumped)

    def _where(self) -> str:
        return f"state database {self._url.display}, stack {self._stack!r}"

    # -- resources ---------------------------------------------------------------------

    def read(self) -> Snapshot:
        """Return the stack's current state; the first call creates its lineage."""

        def work(conn: Any) -> Snapshot:
            self._ensure_stack(conn)
            return self._snapshot(conn)

        return self._run("reading state", work)

    def _snapshot(self, conn: Any) -> Snapshot:
        row = conn.execute("SELECT lineage, serial, outputs FROM state_stacks WHERE name = %s", (self._stack,))
        rows = conn.execute(_SELECT_RESOURCES + " ORDER BY address", (self._stack,)).fetchall()
        return snapshot_from_rows(self._stack, row.fetchone(), rows, self._where())

    def get(self, address: str) -> ResourceRecord | None:
        """Return the record at ``address``, or None if there is none."""
        row = self._run(
            f"reading {address}",
            lambda conn: conn.execute(_SELECT_RESOURCES + " AND address = %s", (self._stack, address)).fetchone(),
        )
        return None if row is None else resource_from_row(row, self._where())

    def put(self, record: ResourceRecord) -> ResourceRecord:
        """Insert or replace one record in its own transaction; return it as stored."""
        now = time.time()
        values = resource_values(record, now)
        self._write(f"writing {record.address}", lambda conn: conn.execute(_UPSERT, (self._stack, *values)))
        return stamped(record, now)

    def delete(self, address: str) -> bool:
        """Remove one record in its own transaction; return whether it existed."""

        def work(conn: Any) -> bool:
            cursor = conn.execute(
                "DELETE FROM state_resources WHERE stack = %s AND address = %s", (self._stack, address)
            )
            if cursor.rowcount:
                conn.execute(_BUMP, (self._stack,))
            return bool(cursor.rowcount)

        return self._run(f"deleting {address}", work)

    def put_many(self, records: Iterable[ResourceRecord]) -> int:
        """Insert or replace many records in one transaction; return how many."""
        now = time.time()
        rows = [(self._stack, *resource_values(r, now)) for r in records]
        if not rows:
            return 0
        self._write(f"writing {len(rows)} resources", lambda conn: conn.cursor().executemany(_UPSERT, rows))
        return len(rows)

    def set_outputs(self, outputs: dict[str, Any]) -> None:
        """Replace the stack's outputs."""
        text = outputs_text(outputs, self._stack)
        self._write(
            "writing outputs",
            lambda conn: conn.execute("UPDATE state_stacks SET outputs = %s WHERE name = %s", (text, self._stack)),
        )

    def checkpoint(self) -> None:
        """Nothing to do: every commit is already in the database's main storage."""

    def push(self, snapshot: Snapshot, *, force: bool = False) -> Snapshot:
        """Replace the whole state of the stack with ``snapshot`` in one transaction (see :class:`StateStore`)."""
        check_pushed_addresses(snapshot)
        rows = [(self._stack, *resource_values(r, r.updated_at)) for r in snapshot.resources.values()]
        outputs = dump_text(snapshot.outputs, what="outputs of the pushed state")

        def work(conn: Any) -> Snapshot:
            self._ensure_stack(conn)
            conn.execute("SELECT 1 FROM state_stacks WHERE name = %s FOR UPDATE", (self._stack,))
            current = self._snapshot(conn)
            if not force:
                check_push(current, snapshot)
            conn.execute("DELETE FROM state_resources WHERE stack = %s", (self._stack,))
            if rows:
                conn.cursor().executemany(_UPSERT, rows)
            conn.execute(
                "UPDATE state_stacks SET lineage = %s, serial = %s, outputs = %s WHERE name = %s",
                (snapshot.lineage, max(current.serial, snapshot.serial) + 1, outputs, self._stack),
            )
            return self._snapshot(conn)

        return self._run("replacing state", work)

    # -- history -------------------------------------------------------------------------

    def begin_apply(self, operation: str, owner: str) -> int:
        """Record the start of an operation; return its history id."""
        if not operation or not owner:
            raise StateError("begin_apply needs a non-empty operation and owner")

        def work(conn: Any) -> int:
            self._ensure_stack(conn)
            cursor = conn.execute(
                "INSERT INTO state_applies (stack, operation, owner, started_at, status, summary) "
                "VALUES (%s, %s, %s, %s, 'running', '{}') RETURNING id",
                (self._stack, operation, owner, time.time()),
            )
            return int(cursor.fetchone()[0])

        return self._run(f"recording the start of {operation}", work)

    def end_apply(self, apply_id: int, status: str, summary: dict[str, Any]) -> None:
        """Record how the operation ``apply_id`` ended (succeeded, failed or interrupted)."""
        text = summary_text(apply_id, status, summary)

        def work(conn: Any) -> None:
            row = conn.execute(
                "SELECT status FROM state_applies WHERE id = %s AND stack = %s FOR UPDATE", (apply_id, self._stack)
            ).fetchone()
            self._check_running(apply_id, None if row is None else row[0], self._where())
            conn.execute(
                "UPDATE state_applies SET status = %s, summary = %s, finished_at = %s WHERE id = %s",
                (status, text, time.time(), apply_id),
            )

        self._run(f"recording the end of history entry {apply_id}", work)

    def history(self, limit: int = 20) -> list[ApplyRecord]:
        """Return the stack's latest operations, newest first."""
        rows = self._run(
            "reading history",
            lambda conn: conn.execute(
                f"SELECT {', '.join(APPLY_COLUMNS)} FROM state_applies WHERE stack = %s ORDER BY id DESC LIMIT %s",
                (self._stack, max(0, int(limit))),
            ).fetchall(),
        )
        return [apply_from_row(row, self._where()) for row in rows]

    # -- database --------------------------------------------------------------------------

    def list_stacks(self) -> list[str]:
        """Return the names of all stacks kept in the same database, sorted."""
        rows = self._run(
            "listing stacks", lambda conn: conn.execute("SELECT name FROM state_stacks ORDER BY name").fetchall()
        )
        return [row[0] for row in rows]

    def close(self) -> None:
        """Release the lock this store holds and its connection; later calls raise StateError."""
        with self._mutex:
            if self._closed:
                return
            for token in list(self._held):
                with contextlib.suppress(StateError, LockError):
                    self._release(token)
            self._closed = True
            self._drop_connection()


@contextlib.contextmanager
def _as_state_error() -> Iterator[None]:
    """Report a database failure as a StateError (the error every state backend raises)."""
    try:
        yield
    except (StateError, LockError):
        raise
    except DatabaseError as exc:
        raise StateError(str(exc)) from exc
