"""The lock of a stack kept in PostgreSQL: a session advisory lock, and a row saying who holds it.

The advisory lock gives one holder at a time and dies with its session; the
row (``state_locks``) tells others who the holder is, and carries a token
that says whether a holder whose connection was cut may take the lock back.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from iaas import db
from iaas.errors import LockError
from iaas.state import holders
from iaas.state.records import LockInfo
from iaas.state.sqlite_rows import LOCK_COLUMNS, lock_from_row
from iaas.state.store_base import StoreBase

T = TypeVar("T")

_SELECT_LOCK = f"SELECT {', '.join(LOCK_COLUMNS)}, token, backend_pid FROM state_locks WHERE stack = %s"


class AdvisoryLock(StoreBase):
    """The lock methods of :class:`iaas.state.postgres.PostgresStore`."""

    _key: int  # the advisory lock's key
    _url: db.DatabaseURL

    def _run(self, action: str, work: Callable[[Any], T]) -> T:
        raise NotImplementedError

    def _ensure_stack(self, conn: Any) -> None:
        raise NotImplementedError

    def _try_acquire(self, owner: str, operation: str) -> tuple[LockInfo, str | None]:
        """Take the lock if it is free: return it and its token, else its holder and None."""
        with self._mutex:
            if self._held:  # advisory locks nest within a session: refuse a second holder here
                return self.lock_info() or self._unknown_holder(), None
            info, token = self._new_lock(owner, operation)
            holder = self._run("taking the lock", lambda conn: self._take(conn, info, token))
            if holder is not None:
                return holder, None
            self._held.add(token)
            return info, token

    def _take(self, conn: Any, info: LockInfo, token: str) -> LockInfo | None:
        """In a transaction: take the lock and record ``info``; return the holder instead when it is held."""
        self._ensure_stack(conn)
        if not db.try_lock(conn, self._key):
            holder, backend_pid = self._holder_row(conn)
            if holder is None or backend_pid is None or not holders.holder_is_dead(holder):
                return holder or self._unknown_holder()
            db.end_session(conn, backend_pid)  # its process is gone; its session is not, yet
            if not db.try_lock(conn, self._key):
                return holder
        try:
            stale, _ = self._holder_row(conn)
            if stale is not None:
                self._take_over(conn, stale)
            conn.execute(
                f"INSERT INTO state_locks ({', '.join(LOCK_COLUMNS)}, token, backend_pid) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (*_lock_values(info), token, conn.info.backend_pid),
            )
        except BaseException:
            with contextlib.suppress(Exception):
                db.unlock(conn, self._key)
            raise
        return None

    def _holder_row(self, conn: Any) -> tuple[LockInfo | None, int | None]:
        row = conn.execute(_SELECT_LOCK, (self._stack,)).fetchone()
        return (None, None) if row is None else (lock_from_row(row[:6]), row[7])

    def _unknown_holder(self) -> LockInfo:
        return LockInfo(
            stack=self._stack,
            owner="another session",
            operation="unknown",
            acquired_at=time.time(),
            pid=0,
            hostname="?",
        )

    def _take_over(self, conn: Any, holder: LockInfo) -> None:
        self._warn_taken_over(holder, "its connection to the database is gone")
        conn.execute("DELETE FROM state_locks WHERE stack = %s", (self._stack,))
        conn.execute(
            "UPDATE state_applies SET status = 'interrupted', finished_at = %s WHERE stack = %s AND status = 'running'",
            (time.time(), self._stack),
        )

    def _retake_lock(self, conn: Any) -> None:
        """On a new connection: hold again the lock the lost one held, if it is still recorded as ours."""
        token = next(iter(self._held))
        with db.translate_errors(self._url, "taking the lock back"), conn.transaction():
            taken = db.try_lock(conn, self._key)
            row = conn.execute("SELECT token FROM state_locks WHERE stack = %s", (self._stack,)).fetchone()
            if taken and row is not None and row[0] == token:
                conn.execute(
                    "UPDATE state_locks SET backend_pid = %s WHERE stack = %s", (conn.info.backend_pid, self._stack)
                )
                return
            if taken:
                db.unlock(conn, self._key)
        self._held.clear()
        raise LockError(
            f"stack {self._stack!r}: the lock was lost with the connection to {self._url.display}, and another "
            "operation took it or it was removed (force-unlock) meanwhile; stopped so as not to write unlocked. "
            "Run the command again."
        )

    def _release(self, token: str) -> None:
        if token not in self._held:
            return  # already released, by close()
        self._held.discard(token)  # a reconnect below must not take it back

        def work(conn: Any) -> int:
            cursor = conn.execute("DELETE FROM state_locks WHERE stack = %s AND token = %s", (self._stack, token))
            db.unlock(conn, self._key)
            return int(cursor.rowcount)

        if not self._run("releasing the lock", work):
            self._warn_already_removed()

    def lock_info(self) -> LockInfo | None:
        """Return who holds the stack's lock, or None."""

        def work(conn: Any) -> LockInfo | None:
            holder, _ = self._holder_row(conn)
            return holder if holder is not None and db.holder(conn, self._key) is not None else None

        return self._run("reading the lock", work)

    def force_unlock(self) -> LockInfo | None:
        """Remove the stack's lock whoever holds it, ending the holder's database session; return what was removed."""

        def work(conn: Any) -> LockInfo | None:
            holder, _ = self._holder_row(conn)
            session = db.holder(conn, self._key)
            if session == conn.info.backend_pid:
                db.unlock(conn, self._key)
                self._held.clear()
            elif session is not None:
                db.end_session(conn, session)
            conn.execute("DELETE FROM state_locks WHERE stack = %s", (self._stack,))
            return holder if session is not None else None

        holder = self._run("removing the lock", work)
        self._warn_removed(holder)
        return holder


def _lock_values(info: LockInfo) -> tuple[Any, ...]:
    return (info.stack, info.owner, info.operation, info.acquired_at, info.pid, info.hostname)
