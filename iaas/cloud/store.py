"""The cloud's inventory store: every managed object and what it holds, in one SQL database.

Every SQL statement of the cloud is in this module and in :mod:`iaas.cloud.store_holdings` (what objects
hold: claims, ranges, listeners, counters, reservations).  The statements are
standard SQL that SQLite and PostgreSQL both accept (``INSERT ... ON CONFLICT``,
no engine-specific functions), written with ``?`` placeholders.

Besides the objects, the store keeps what the cloud's invariants need, each a
constraint or an index, so a check reads only the rows it is about:

* ``claims``: things one object holds at a time — a fixed IP in a network,
  a volume's attachment, a network's VXLAN identifier, a unique name —
  primary key (scope, key);
* ``ranges``: the IPv4 range of each network, as integers, indexed by
  (area, first address): whether a new range overlaps one is one index lookup;
* ``listeners``: the host address and port of each port forward;
* ``usage``: counters per project (quota use) and per host (placement),
  and ``consumptions``, what each object adds to them.

:class:`Store` opens the database — a SQLite file of the cloud home
(created 0600: it holds user data) or a PostgreSQL database a team shares —,
runs the versioned migrations, and gives one write transaction at a time,
inside which the admission checks and writes.  What differs between the two
engines (connecting, keeping other writers out, the version check) is in
:mod:`iaas.cloud.store_backends`.
"""

from __future__ import annotations

import builtins
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs

from iaas.cloud.store_backends import PostgresBackend, TransactionLost, open_backend
from iaas.cloud.store_holdings import Holder, Holdings
from iaas.cloud.store_reads import _MISSING, ReadAhead
from iaas.cloud.store_schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Holder", "InventoryRecord", "Store"]

_OBJECT_COLUMNS = "id, kind, name, stack, address, project, host, data"


@attrs.define
class InventoryRecord:
    """One managed object."""

    id: str
    kind: str
    name: str
    stack: str | None = None
    address: str | None = None
    project: str | None = None
    host: str | None = None
    data: dict[str, Any] = attrs.field(factory=dict)

    @property
    def inputs(self) -> dict[str, Any]:
        """The inputs recorded when the object was last created, changed or adopted."""
        return dict((self.data or {}).get("inputs") or {})

    @property
    def outputs(self) -> dict[str, Any]:
        """The outputs recorded when the object was last created, changed or adopted."""
        return dict((self.data or {}).get("outputs") or {})


class Attempt:
    """One attempt at a write transaction (see :meth:`Store.attempts`)."""

    def __init__(self, store: Store, last: bool) -> None:
        self._store, self._last = store, last
        self._tx: AbstractContextManager[Store] | None = None
        self._outer = False
        self.finished = True

    def __enter__(self) -> Store:
        self._outer = self._store._depth == 0  # an inner block joins the outer transaction and its attempts
        self._tx = self._store.transaction()
        return self._tx.__enter__()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> bool:
        assert self._tx is not None
        try:
            self._tx.__exit__(kind, exc, tb)  # commits, or rolls back the block's error (then raised by the caller)
        except TransactionLost as lost:  # the commit was not kept
            if not self._again(lost):
                raise
            return True
        return isinstance(exc, TransactionLost) and self._again(exc)

    def _again(self, lost: TransactionLost) -> bool:
        """Whether the block runs once more after ``lost`` (not when nested, nor after the last attempt)."""
        if not self._outer or self._last:
            return False
        log.warning("%s; running the transaction again", lost)
        self.finished = False
        return True


class Store(ReadAhead, Holdings):
    """The inventory database, one API on SQLite and PostgreSQL; safe to share between threads.

    ``location`` is a file path (``:memory:`` for a throwaway cloud),
    ``sqlite:///path`` or a ``postgresql://`` URL shared by a team (see
    :mod:`iaas.cloud.store_backends`).  Reads outside a transaction see the
    last committed state.  Writes that must be checked together go inside
    :meth:`transaction`.  ``statements`` counts the SQL statements executed
    (for tests and benchmarks).
    """

    def __init__(self, location: str | Path):
        self._lock = threading.RLock()
        self._depth = 0
        self._undo: builtins.list[Callable[[], None]] = []  # what to forget if the writes so far are rolled back
        self.statements = 0
        self.given_back = 0  # how many times claims were dropped (see :meth:`Holdings.release`)
        self._backend = open_backend(str(location))
        self._pending_backfill = self._backend.migrated_from

    @property
    def location(self) -> str:
        """The database: a file path, or a URL without its password."""
        return self._backend.location

    @property
    def shared(self) -> bool:
        """True when the database is a server's (PostgreSQL) that other cloud homes may use too."""
        return isinstance(self._backend, PostgresBackend)

    # ------------------------------------------------------------ plumbing

    def _sql(self, sql: str, args: tuple[Any, ...] | builtins.list[Any] = ()) -> Any:
        self.statements += 1
        return self._backend.execute(sql, args)

    def version(self) -> int:
        """The schema version of the database (0: empty, 1: the layout before versions were kept)."""
        with self._lock:
            return self._backend.version()

    def backfill_needed(self) -> int | None:
        """The version an existing database was migrated from on open, when its claims must be filled in."""
        return self._pending_backfill

    def backfill_done(self) -> None:
        """The claims of a migrated database are filled in."""
        self._pending_backfill = None

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write transaction: one writer at a time, across processes and, on PostgreSQL, machines.

        Commits when the block ends, rolls back when it raises.  Nested
        blocks join the outer transaction.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self.statements += 1
            self._backend.begin()
            self._depth = 1
            try:
                yield self
            except BaseException:
                self._depth = 0
                self._backend.end(commit=False)
                self._rolled_back(0)
                raise
            self._depth = 0
            self.statements += 1
            try:
                self._backend.end(commit=True)
            except BaseException:
                self._rolled_back(0)
                raise
            self._undo.clear()

    def attempts(self) -> Iterator[Attempt]:
        """Attempts at one write transaction, for work that may simply run again::

            for attempt in store.attempts():
                with attempt:
                    ...  # reads and writes of the inventory only, no call to a host

        Each attempt is a :meth:`transaction`; when the connection to a
        PostgreSQL server broke inside it (nothing of it was kept), the block
        runs once more on a new connection.  Other errors end the loop.
        """
        for last in (False, True):
            attempt = Attempt(self, last)
            yield attempt
            if attempt.finished:
                return

    @contextmanager
    def dry_run(self) -> Iterator[Store]:
        """A transaction that is always rolled back: the admission's checks without their writes."""
        with self._lock:
            outer = self._depth
            undo = len(self._undo)
            if outer:
                self._sql("SAVEPOINT dry_run")
            else:
                self.statements += 1
                self._backend.begin()
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
                if outer:
                    self._sql("ROLLBACK TO SAVEPOINT dry_run")
                    self._sql("RELEASE SAVEPOINT dry_run")
                else:
                    self._backend.end(commit=False)
                self._rolled_back(undo)

    def on_rollback(self, forget: Callable[[], None]) -> None:
        """Call ``forget`` if the writes made so far in this transaction are rolled back (a dry run always is):
        what a caller keeps about them outside the database (call inside a transaction)."""
        self._undo.append(forget)

    def _rolled_back(self, since: int) -> None:
        undo, self._undo[since:] = self._undo[since:], []
        for forget in reversed(undo):
            forget()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._backend.close()

    # ------------------------------------------------------------ objects

    def _record(self, row: tuple[Any, ...]) -> InventoryRecord:
        return InventoryRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], data=json.loads(row[7]))

    def put(self, rec: InventoryRecord) -> None:
        """Insert a record, or replace the one with its id."""
        with self._lock:
            self._forget()
            self._sql(
                f"INSERT INTO objects ({_OBJECT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET "
                "kind=excluded.kind, name=excluded.name, stack=excluded.stack, address=excluded.address, "
                "project=excluded.project, host=excluded.host, data=excluded.data",
                (rec.id, rec.kind, rec.name, rec.stack, rec.address, rec.project, rec.host, json.dumps(rec.data)),
            )

    def get(self, id: str) -> InventoryRecord | None:
        """The record with this id, or None (see :meth:`read_ahead`)."""
        ahead = self._read_ahead(id)
        if ahead is not _MISSING:
            return ahead  # type: ignore[return-value]
        with self._lock:
            row = self._sql(f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE id=?", (id,)).fetchone()
        return self._record(row) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, InventoryRecord]:
        """The records of ``ids`` that exist, by id: one query per 500 ids."""
        ids = builtins.list(ids)
        found: dict[str, InventoryRecord] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            sql = f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE id IN ({','.join('?' * len(chunk))})"
            with self._lock:
                rows = self._sql(sql, chunk).fetchall()
            found.update((row[0], self._record(row)) for row in rows)
        return found

    def find(self, kind: str, name_or_id: str, prefer_stack: str | None = None) -> InventoryRecord | None:
        """A record of ``kind`` by id, else by name (``prefer_stack``'s first); one index lookup each."""
        rec = self.get(name_or_id)
        if rec is not None and rec.kind == kind:
            return rec
        named = self.named(kind, name_or_id)
        named.sort(key=lambda r: r.stack != prefer_stack)
        return named[0] if named else None

    def named(self, kind: str, name: str) -> list[InventoryRecord]:
        """Every record of ``kind`` with this name."""
        with self._lock:
            rows = self._sql(
                f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE kind=? AND name=? ORDER BY id", (kind, name)
            ).fetchall()
        return [self._record(r) for r in rows]

    def disown(self, id: str) -> None:
        """Clear the stack and address of a record (the object is left to no stack)."""
        with self._lock:
            self._forget()
            self._sql("UPDATE objects SET stack=NULL, address=NULL WHERE id=?", (id,))

    def delete(self, id: str) -> None:
        """Remove a record; removing a missing one is not an error."""
        with self._lock:
            self._forget()
            self._sql("DELETE FROM objects WHERE id=?", (id,))

    def list(
        self, kind: str | None = None, *, project: str | None = None, stack: str | None = None, host: str | None = None
    ) -> list[InventoryRecord]:
        """Records filtered by kind, project, stack and host."""
        where, args = [], []
        for col, val in (("kind", kind), ("project", project), ("stack", stack), ("host", host)):
            if val is not None:
                where.append(f"{col}=?")
                args.append(val)
        sql = f"SELECT {_OBJECT_COLUMNS} FROM objects" + (" WHERE " + " AND ".join(where) if where else "")
        with self._lock:
            rows = self._sql(sql + " ORDER BY kind, name", args).fetchall()
        return [self._record(r) for r in rows]

    def placed(self, id: str) -> tuple[str, str | None] | None:
        """The kind and host of the record ``id`` (read without its data), or None."""
        with self._lock:
            row = self._sql("SELECT kind, host FROM objects WHERE id=?", (id,)).fetchone()
        return (str(row[0]), row[1]) if row else None

    def members(self, stack: str) -> builtins.list[tuple[str, str, str | None]]:
        """The id, kind and address of each record of ``stack`` (what a scan for lost state needs, read without
        the records' data)."""
        with self._lock:
            rows = self._sql("SELECT id, kind, address FROM objects WHERE stack=? ORDER BY id", (stack,)).fetchall()
        return [(str(r[0]), str(r[1]), r[2]) for r in rows]

    def hosts_in_use(self) -> set[str]:
        """The hosts some recorded object lives on."""
        with self._lock:
            rows = self._sql("SELECT DISTINCT host FROM objects WHERE host IS NOT NULL").fetchall()
        return {str(r[0]) for r in rows}

    # ------------------------------------------------------------ copying a whole inventory

    def rows(self) -> dict[str, builtins.list[tuple[Any, ...]]]:
        """Every row of every table but the counters (which follow from ``consumptions``), by table."""
        with self._lock:
            return {
                table: [tuple(r) for r in self._sql(f"SELECT {', '.join(columns)} FROM {table}").fetchall()]
                for table, (columns, _) in COPIED_TABLES.items()
            }

    def take_rows(self, rows: dict[str, builtins.list[tuple[Any, ...]]]) -> tuple[dict[str, int], builtins.list[str]]:
        """Add ``rows`` (from :meth:`rows` of another inventory), in one transaction.

        A row whose key is free is added, one already here unchanged is
        left; a key held by another row is a conflict.  Returns the number of
        rows added by table, and the conflicts: with any, nothing is added.
        The counters are then summed again from ``consumptions``.
        """
        added: dict[str, int] = {}
        conflicts: builtins.list[str] = []
        try:
            for attempt in self.attempts():
                with attempt:
                    added, conflicts = self._take(rows)
        except _Conflicts as clash:
            return {}, list(clash.args[0])
        return added, conflicts

    def _take(self, rows: dict[str, builtins.list[tuple[Any, ...]]]) -> tuple[dict[str, int], builtins.list[str]]:
        added, conflicts = dict.fromkeys(COPIED_TABLES, 0), []
        self._forget()
        for table, (columns, key) in COPIED_TABLES.items():
            for row in rows.get(table, []):
                found = self._copy_row(table, columns, key, row)
                added[table] += found is None
                if found is not None and found != row:
                    conflicts.append(f"{table} {dict(zip(key, row[: len(key)], strict=True))}")
        if conflicts:
            raise _Conflicts(conflicts)
        self._sql("DELETE FROM usage")
        self._sql(
            "INSERT INTO usage (scope, resource, used) "
            "SELECT scope, resource, SUM(amount) FROM consumptions GROUP BY scope, resource"
        )
        return added, conflicts

    def _copy_row(
        self, table: str, columns: tuple[str, ...], key: tuple[str, ...], row: tuple[Any, ...]
    ) -> tuple[Any, ...] | None:
        """The row already at ``row``'s key (unchanged), or None after inserting ``row``."""
        where = " AND ".join(f"{c}=?" for c in key)
        found = self._sql(f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", row[: len(key)]).fetchone()
        if found is not None:
            return tuple(found)
        marks = ",".join("?" * len(columns))
        self._sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", row)
        return None


class _Conflicts(Exception):
    """Rows of a copy clash with rows already there: the copy is rolled back."""


#: The tables a copy of an inventory carries: their columns, the key columns first.
COPIED_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "objects": (tuple(_OBJECT_COLUMNS.split(", ")), ("id",)),
    "claims": (("scope", "key", "owner", "label"), ("scope", "key")),
    "ranges": (("owner", "area", "first_ip", "last_ip", "cidr", "label"), ("owner",)),
    "listeners": (("owner", "area", "protocol", "port", "address", "label"), ("owner",)),
    "consumptions": (("owner", "scope", "resource", "amount"), ("owner", "scope", "resource")),
    "reservations": (("owner", "stack", "address", "label", "since"), ("owner",)),
}
