"""The embedded state backend: one SQLite file, many stacks.

One row per resource; each write is a small transaction in WAL mode, so its
cost is the few pages it changes, whatever the size of the stack.  The lock is
a row per stack, taken in a write transaction, so only one process at a time
holds it.  One connection serves all threads of a process, behind a mutex.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from iaas.errors import LockError, StateError
from iaas.state import holders
from iaas.state.common import check_push, locked_message, stamped
from iaas.state.jsontext import dump_text
from iaas.state.records import ApplyRecord, LockInfo, ResourceRecord, Snapshot
from iaas.state.sqlite_rows import (
    APPLY_COLUMNS,
    LOCK_COLUMNS,
    RESOURCE_COLUMNS,
    apply_from_row,
    lock_from_row,
    resource_from_row,
    resource_values,
    snapshot_from_rows,
)
from iaas.state.sqlite_schema import DatabaseBusy, busy_wait, connect, translate_errors
from iaas.state.store_base import LOCK_POLL_INTERVAL, StoreBase, check_pushed_addresses, outputs_text, summary_text

#: Seconds taking the lock waits at least for another process's write transaction, whatever the lock timeout:
#: a healthy one takes milliseconds, so only a stopped or stuck process keeps the database longer.
BUSY_GRACE = 1.0

_UPSERT = (
    f"INSERT INTO resources (stack, {', '.join(RESOURCE_COLUMNS)}) VALUES ({', '.join('?' * 10)}) "
    "ON CONFLICT (stack, address) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in RESOURCE_COLUMNS[1:])
)
_SELECT_RESOURCES = f"SELECT {', '.join(RESOURCE_COLUMNS)} FROM resources WHERE stack = ?"


class SQLiteStore(StoreBase):
    """State of one stack in a SQLite database file (see :class:`StateStore`)."""

    def __init__(self, path: str | os.PathLike[str], stack: str) -> None:
        """Open (creating if needed) the database at ``path`` for ``stack``."""
        super().__init__(stack)
        self._path = os.fspath(path)
        self._conn: sqlite3.Connection | None = connect(self._path)

    def __repr__(self) -> str:
        return f"SQLiteStore({self._path!r}, stack={self._stack!r})"

    @property
    def location(self) -> str:
        """The database file's path."""
        return self._path

    # -- transactions ---------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self, action: str, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction, holding the mutex; roll back on error."""
        with self._mutex:
            if self._conn is None:
                raise StateError(f"state database {self._path}: {action} failed: the store is closed")
            conn = self._conn
            with translate_errors(self._path, action):
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise

    def _ensure_stack(self, conn: sqlite3.Connection) -> None:
        """Give the stack its row, and so its lineage, if it has none yet (no write otherwise)."""
        if getattr(self, "_stack_ensured", False):  # rows of stacks are never deleted
            return
        self._stack_ensured = True
        conn.execute(
            "INSERT INTO stacks (name, lineage, serial, outputs, created_at) VALUES (?, ?, 0, '{}', ?) "
            "ON CONFLICT (name) DO NOTHING",
            (self._stack, uuid.uuid4().hex, time.time()),
        )

    @contextlib.contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        """A write transaction on this stack's state that bumps its serial."""
        with self._transaction(action) as conn:
            self._ensure_stack(conn)
            yield conn
            conn.execute("UPDATE stacks SET serial = serial + 1 WHERE name = ?", (self._stack,))

    def _where(self) -> str:
        return f"state database {self._path}, stack {self._stack!r}"

    # -- resources --------------------------------------------------------------

    def read(self) -> Snapshot:
        """Return the stack's current state; the first call creates its lineage."""
        with self._transaction("reading state", write=False) as conn:
            snapshot = self._snapshot(conn)
        if snapshot is None:
            with self._transaction("creating the stack") as conn:
                snapshot = self._current(conn)
        return snapshot

    def _current(self, conn: sqlite3.Connection) -> Snapshot:
        """In a write transaction: the stack's state, creating the stack first if needed."""
        self._ensure_stack(conn)
        snapshot = self._snapshot(conn)
        if snapshot is None:
            raise StateError(f"{self._where()}: the stack's row could not be created")
        return snapshot

    def _snapshot(self, conn: sqlite3.Connection) -> Snapshot | None:
        """Read the whole state of the stack; None when the stack has no row yet."""
        row = conn.execute("SELECT lineage, serial, outputs FROM stacks WHERE name = ?", (self._stack,)).fetchone()
        if row is None:
            return None
        rows = conn.execute(_SELECT_RESOURCES + " ORDER BY address", (self._stack,)).fetchall()
        return snapshot_from_rows(self._stack, row, rows, self._where())

    def get(self, address: str) -> ResourceRecord | None:
        """Return the record at ``address``, or None if there is none."""
        with self._transaction(f"reading {address}", write=False) as conn:
            row = conn.execute(_SELECT_RESOURCES + " AND address = ?", (self._stack, address)).fetchone()
        return None if row is None else resource_from_row(row, self._where())

    def put(self, record: ResourceRecord) -> ResourceRecord:
        """Insert or replace one record in its own transaction; return it as stored."""
        now = time.time()
        values = resource_values(record, now)
        with self._write(f"writing {record.address}") as conn:
            conn.execute(_UPSERT, (self._stack, *values))
        return stamped(record, now)

    def delete(self, address: str) -> bool:
        """Remove one record in its own transaction; return whether it existed."""
        with self._transaction(f"deleting {address}") as conn:
            cursor = conn.execute("DELETE FROM resources WHERE stack = ? AND address = ?", (self._stack, address))
            if cursor.rowcount:
                conn.execute("UPDATE stacks SET serial = serial + 1 WHERE name = ?", (self._stack,))
        return bool(cursor.rowcount)

    def put_many(self, records: Iterable[ResourceRecord]) -> int:
        """Insert or replace many records in one transaction; return how many."""
        now = time.time()
        rows = [(self._stack, *resource_values(r, now)) for r in records]
        if not rows:
            return 0
        with self._write(f"writing {len(rows)} resources") as conn:
            conn.executemany(_UPSERT, rows)
        return len(rows)

    def set_outputs(self, outputs: dict[str, Any]) -> None:
        """Replace the stack's outputs."""
        text = outputs_text(outputs, self._stack)
        with self._write("writing outputs") as conn:
            conn.execute("UPDATE stacks SET outputs = ? WHERE name = ?", (text, self._stack))

    def checkpoint(self) -> None:
        """Fold the WAL into the database file now (the engine does this at the end of an apply)."""
        with self._mutex:
            if self._conn is None:
                raise StateError(f"state database {self._path}: checkpoint failed: the store is closed")
            with translate_errors(self._path, "checkpointing"), busy_wait(self._conn, BUSY_GRACE):
                self._conn.execute("PRAGMA wal_checkpoint(RESTART)")  # a stopped reader: left for next time

    def push(self, snapshot: Snapshot, *, force: bool = False) -> Snapshot:
        """Replace the whole state of the stack with ``snapshot`` in one transaction.

        Refused, unless ``force``, when the lineage differs, when the stored
        serial is newer, or when the serials are equal but the contents differ.
        """
        check_pushed_addresses(snapshot)
        rows = [(self._stack, *resource_values(r, r.updated_at)) for r in snapshot.resources.values()]
        outputs = dump_text(snapshot.outputs, what="outputs of the pushed state")
        with self._transaction("replacing state") as conn:
            current = self._current(conn)
            if not force:
                check_push(current, snapshot)
            conn.execute("DELETE FROM resources WHERE stack = ?", (self._stack,))
            conn.executemany(_UPSERT, rows)
            conn.execute(
                "UPDATE stacks SET lineage = ?, serial = ?, outputs = ? WHERE name = ?",
                (snapshot.lineage, max(current.serial, snapshot.serial) + 1, outputs, self._stack),
            )
            return self._current(conn)

    # -- lock -----------------------------------------------------------------------

    def _acquire(self, owner: str, operation: str, timeout: float) -> tuple[LockInfo, str]:
        if not owner or not operation:
            raise StateError("taking a lock needs a non-empty owner and operation")
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            busy: DatabaseBusy | None = None
            found: LockInfo | None
            try:
                found, token = self._try_acquire_within(owner, operation, deadline - time.monotonic())
            except DatabaseBusy as exc:  # another writer is stuck mid-transaction: who holds the stack?
                busy, found, token = exc, self.lock_info(), None
            if token is not None and found is not None:
                return found, token
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if found is not None:
                    raise LockError(locked_message(found, timeout), owner=found.owner)
                raise StateError(f"{busy}.{self._stopped_holders()}") from busy
            time.sleep(min(LOCK_POLL_INTERVAL, remaining))

    def _try_acquire_within(self, owner: str, operation: str, seconds: float) -> tuple[LockInfo, str | None]:
        """:meth:`_try_acquire`, waiting for the database's write lock at most ``seconds`` (or a short grace)."""
        with self._mutex:
            if self._conn is None:
                raise StateError(f"state database {self._path}: taking the lock failed: the store is closed")
            with busy_wait(self._conn, max(seconds, BUSY_GRACE)):
                return self._try_acquire(owner, operation)

    def _stopped_holders(self) -> str:
        """Notes on the stopped processes that hold locks of any stack in this file (the likely writers)."""
        with self._transaction("reading the locks", write=False) as conn:
            rows = conn.execute(f"SELECT {', '.join(LOCK_COLUMNS)} FROM locks").fetchall()
        notes = [
            f" It holds the lock of stack {info.stack!r} for {info.owner} ({info.operation}).{note}"
            for info in map(lock_from_row, rows)
            if (note := holders.stopped_note(info))
        ]
        return "".join(notes)

    def _try_acquire(self, owner: str, operation: str) -> tuple[LockInfo, str | None]:
        """Take the lock if it is free or stale: return it and its token, else its holder and None."""
        with self._transaction("taking the lock") as conn:
            self._ensure_stack(conn)
            holder = self._holder(conn)
            if holder is not None and holders.holder_is_dead(holder):
                self._take_over(conn, holder)
                holder = None
            if holder is not None:
                return holder, None
            info, token = self._new_lock(owner, operation)
            conn.execute(
                f"INSERT INTO locks ({', '.join(LOCK_COLUMNS)}, token) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (info.stack, info.owner, info.operation, info.acquired_at, info.pid, info.hostname, token),
            )
        self._held.add(token)
        return info, token

    def _holder(self, conn: sqlite3.Connection) -> LockInfo | None:
        row = conn.execute(f"SELECT {', '.join(LOCK_COLUMNS)} FROM locks WHERE stack = ?", (self._stack,)).fetchone()
        return None if row is None else lock_from_row(row)

    def _take_over(self, conn: sqlite3.Connection, holder: LockInfo) -> None:
        self._warn_taken_over(holder, f"process {holder.pid} on {holder.hostname} is gone")
        conn.execute("DELETE FROM locks WHERE stack = ?", (self._stack,))
        conn.execute(
            "UPDATE applies SET status = 'interrupted', finished_at = ? WHERE stack = ? AND status = 'running'",
            (time.time(), self._stack),
        )

    def _release(self, token: str) -> None:
        if token not in self._held:
            return  # already released, by close()
        with self._transaction("releasing the lock") as conn:
            cursor = conn.execute("DELETE FROM locks WHERE stack = ? AND token = ?", (self._stack, token))
        self._held.discard(token)
        if not cursor.rowcount:
            self._warn_already_removed()

    def lock_info(self) -> LockInfo | None:
        """Return who holds the stack's lock, or None."""
        with self._transaction("reading the lock", write=False) as conn:
            return self._holder(conn)

    def force_unlock(self) -> LockInfo | None:
        """Remove the stack's lock whoever holds it; return what was removed."""
        with self._transaction("removing the lock") as conn:
            holder = self._holder(conn)
            conn.execute("DELETE FROM locks WHERE stack = ?", (self._stack,))
        self._warn_removed(holder)
        return holder

    # -- history --------------------------------------------------------------------

    def begin_apply(self, operation: str, owner: str) -> int:
        """Record the start of an operation; return its history id."""
        if not operation or not owner:
            raise StateError("begin_apply needs a non-empty operation and owner")
        with self._transaction(f"recording the start of {operation}") as conn:
            self._ensure_stack(conn)
            cursor = conn.execute(
                "INSERT INTO applies (stack, operation, owner, started_at, status, summary) "
                "VALUES (?, ?, ?, ?, 'running', '{}')",
                (self._stack, operation, owner, time.time()),
            )
        return int(cursor.lastrowid or 0)

    def end_apply(self, apply_id: int, status: str, summary: dict[str, Any]) -> None:
        """Record how the operation ``apply_id`` ended (succeeded, failed or interrupted)."""
        text = summary_text(apply_id, status, summary)
        with self._transaction(f"recording the end of history entry {apply_id}") as conn:
            row = conn.execute(
                "SELECT status FROM applies WHERE id = ? AND stack = ?", (apply_id, self._stack)
            ).fetchone()
            self._check_running(apply_id, None if row is None else row[0], self._where())
            conn.execute(
                "UPDATE applies SET status = ?, summary = ?, finished_at = ? WHERE id = ?",
                (status, text, time.time(), apply_id),
            )

    def history(self, limit: int = 20) -> list[ApplyRecord]:
        """Return the stack's latest operations, newest first."""
        with self._transaction("reading history", write=False) as conn:
            rows = conn.execute(
                f"SELECT {', '.join(APPLY_COLUMNS)} FROM applies WHERE stack = ? ORDER BY id DESC LIMIT ?",
                (self._stack, max(0, int(limit))),
            ).fetchall()
        return [apply_from_row(row, self._where()) for row in rows]

    # -- database -------------------------------------------------------------------

    def list_stacks(self) -> list[str]:
        """Return the names of all stacks kept in the same database, sorted."""
        with self._transaction("listing stacks", write=False) as conn:
            return [row[0] for row in conn.execute("SELECT name FROM stacks ORDER BY name")]

    def close(self) -> None:
        """Release locks this store holds and its connection; later calls raise StateError."""
        with self._mutex:
            if self._conn is None:
                return
            for token in list(self._held):
                with contextlib.suppress(StateError):
                    self._release(token)
            conn, self._conn = self._conn, None
            with translate_errors(self._path, "closing"):
                conn.close()
